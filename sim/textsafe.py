"""Untrusted text: names and descriptions are data wherever they go.

Scenario and experiment files travel between analysts, and what they name (the scenario, its
regions, platforms and countries, the experiment, its variants and uncertainties) is printed in
a terminal, drawn in charts, written to CSV and shown in a browser. A file is input, not code,
so every output applies one rule of this module:

- **length**: a name is at most :data:`MAX_NAME` characters and a description at most
  :data:`MAX_DESCRIPTION`, checked where files are validated (:func:`name_problem`);
- **terminal**: control characters (escape sequences that retitle the terminal, clear it or
  colour it; carriage returns and, inside a name, newlines that forge a line) are shown as
  visible symbols (:func:`terminal`, :func:`one_line`);
- **HTML**: escaped (:func:`html`), and Markdown also loses its markup (:func:`markdown`);
- **spreadsheets**: a CSV cell that would start a formula is prefixed with an apostrophe, as
  the OWASP guidance on CSV injection says (:func:`csv_bytes`), and the prefix is taken off
  again when pdsa reads its own files back (:func:`from_csv`);
- **charts**: mathtext is off for every label (``text.parse_math``, in
  :mod:`sim.reporting.charts.base`), so ``$...$`` in a name is drawn as written.

It sits below every other layer: configuration checks names with it, the results writer and
every output format with it.
"""

from __future__ import annotations

import html as _html
import io
import re
import unicodedata
from typing import Any

import pandas as pd

MAX_NAME = 200
"""Longest name (a scenario, region, platform, country code, record kind, experiment, variant
or uncertainty): enough for any real one; a longer one is refused before anything runs (a
100,000-character name once cost a chart 100 s and a MemoryError)."""
MAX_DESCRIPTION = 5000
"""Longest description: a few paragraphs."""

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidirectional controls: they reorder what a terminal or a browser shows (a name that reads
one way and is another)."""
_KEPT = "\n\t"


def is_control(char: str) -> bool:
    """A control character (C0, DEL, C1), a bidirectional control or a line or paragraph
    separator: anything that changes how the text around it is shown."""
    return unicodedata.category(char) == "Cc" or char in _BIDI or char in "\u2028\u2029\ufeff"


def visible(char: str) -> str:
    """A control character as a symbol that shows it is there: the Unicode control pictures
    for C0 and DEL (``␛`` for escape, ``␊`` for a newline); the others by their code point,
    ``\\x85`` up to 0xFF and ``\\u202e`` above."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def terminal(text: Any) -> str:
    """``text`` safe to print to a terminal: control characters shown as symbols, newlines
    and tabs kept (the output's own line structure)."""
    value = str(text)
    if not any(is_control(c) and c not in _KEPT for c in value):
        return value
    return "".join(visible(c) if is_control(c) and c not in _KEPT else c for c in value)


def one_line(text: Any) -> str:
    """``text`` as one line: every control character shown as a symbol, newlines too (a name
    printed inside a line must not start another)."""
    value = str(text)
    if not any(is_control(c) for c in value):
        return value
    return "".join(visible(c) if is_control(c) else c for c in value)


def name_problem(text: str, limit: int = MAX_NAME, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be a name (or, with ``multiline``, a description), or None: too
    long, or holding a control character (a newline too in a name)."""
    if len(text) > limit:
        return f"too long: {len(text):,} characters, at most {limit:,}"
    allowed = _KEPT if multiline else ""
    bad = next((c for c in text if is_control(c) and c not in allowed), None)
    if bad is not None:
        where = text.index(bad)
        return f"holds a control character ({visible(bad)}, U+{ord(bad):04X}) at {where}"
    return None


# --- HTML and Markdown -----------------------------------------------------------------------


def html(text: Any) -> str:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped, control characters shown."""
    return _html.escape(terminal(text), quote=True)


_MARKUP = re.compile(r"[\\`*|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\[(?=.*\][(\[:])")
"""Markup anywhere in a line: escapes, code, emphasis, table cells, strikethrough, math, and
a ``[`` that could open a link (``[text](url)``, ``[text][ref]``, ``[ref]: url``); an
underscore inside a word and a bracket that opens no link are left as written."""
_BLOCK_START = re.compile(r"^([#+\-=])(?=\s|$|[=\-]*\s*$)|^(\d+)([.)])(?=\s|$)")
"""A heading, list or setext mark at the start of a line."""


def markdown(text: Any) -> str:
    """``text`` as Markdown inline text shown as written: HTML escaped, and what Markdown reads
    as markup (:data:`_MARKUP`, :data:`_BLOCK_START`) escaped with a backslash."""
    escaped = _html.escape(one_line(text), quote=False)
    escaped = _MARKUP.sub(lambda m: "\\" + m.group(0), escaped)
    return _BLOCK_START.sub(block_mark, escaped, count=1)


def block_mark(match: re.Match[str]) -> str:
    """A heading, list or setext mark at the start, escaped (``\\#``, ``1\\.``)."""
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


# --- spreadsheets ------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, CSV injection)."""
QUOTE = "'"


def is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def spreadsheet_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with an apostrophe;
    a text that already starts with one gets another, so :func:`unquoted` undoes exactly this.
    Numbers (and texts that are numbers, such as ``-5``) are left as they are."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(QUOTE) or (value.startswith(FORMULA_STARTS) and not is_number_text(value)):
        return QUOTE + value
    return value


def unquoted(value: Any) -> Any:
    """The cell as pdsa wrote it before :func:`spreadsheet_cell`."""
    return value[1:] if isinstance(value, str) and value.startswith(QUOTE) else value


def text_columns(frame: pd.DataFrame) -> list[Any]:
    return [c for c in frame.columns if frame[c].dtype == object or isinstance(
        frame[c].dtype, pd.StringDtype
    )]  # fmt: skip


def for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) safe for a spreadsheet."""
    out = frame.rename(columns=lambda c: spreadsheet_cell(c) if isinstance(c, str) else c)
    for column in text_columns(out):
        out[column] = out[column].map(spreadsheet_cell)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV, no index, every text cell safe for a spreadsheet."""
    return for_spreadsheet(frame).to_csv(index=False).encode("utf-8")


def from_csv(source: Any, **options: Any) -> pd.DataFrame:
    """A CSV that pdsa wrote (:func:`csv_bytes`), its text cells as they were."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    frame = pd.read_csv(source, **options)
    frame = frame.rename(columns=lambda c: unquoted(c) if isinstance(c, str) else c)
    for column in text_columns(frame):
        frame[column] = frame[column].map(unquoted)
    return frame
