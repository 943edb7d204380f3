"""Plain-text tables shared by the report and the command line (no plotting here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sim.textsafe import markdown


def markdown_table(columns: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; every cell shown as written (:func:`markdown`: a
    name's ``|``, ``*`` or HTML is data, not markup)."""

    def line(cells: Iterable[object]) -> str:
        return "| " + " | ".join(markdown(c) for c in cells) + " |"

    lines = [line(columns), "|" + "---|" * len(columns)]
    lines += [line(row) for row in rows]
    return "\n".join(lines)
