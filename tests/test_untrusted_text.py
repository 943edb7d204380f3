"""Names and descriptions are data wherever they go (issue 25): one rule (``sim.textsafe``)
applied at the terminal, in CSV for spreadsheets, in charts, in the Markdown and HTML reports,
in the slides and in the explorer's pages (without a browser here; the browser tests open the
report and the explorer on the same names and check that no planted script ran).

The tests of outputs failed on main at 9f6ade0: ``run --plot`` stopped on mathtext, the CSV
cells started formulas, the Markdown report wrote the names as raw HTML, the explorer put them
in its page as HTML, and the CLI printed escape sequences raw.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from sim.cli import main
from sim.textsafe import (
    FORMULA_STARTS,
    csv_bytes,
    from_csv,
    is_number_text,
    markdown,
    one_line,
    spreadsheet_cell,
    terminal,
)
from tests import hostile

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def files(hostile_files: tuple[Path, Path]) -> tuple[Path, Path]:
    return hostile_files


@pytest.fixture
def run_dir(hostile_run_dir: Path) -> Path:
    return hostile_run_dir


@pytest.fixture
def sweep_dir(hostile_sweep_dir: Path) -> Path:
    return hostile_sweep_dir


# --- the rule ---------------------------------------------------------------------------------


@given(st.text())
def test_terminal_text_holds_no_control_character_but_newlines_and_tabs(text: str) -> None:
    shown = terminal(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert "\n" not in one_line(text) and "\t" not in one_line(text)
    if not re.search(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029"
                     r"\u2066-\u2069\ufeff]", text):  # fmt: skip
        assert shown == text == one_line(text)


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs"))))
def test_a_spreadsheet_cell_never_starts_a_formula_and_reads_back_as_written(text: str) -> None:
    """Text without control characters (names cannot hold them) survives the round trip."""
    cell = spreadsheet_cell(text)
    assert not cell.startswith(FORMULA_STARTS) or is_number_text(cell)
    frame = pd.DataFrame({"name": [text, "x"], "value": [1.5, -2.0]})
    back = from_csv(csv_bytes(frame), keep_default_na=False)
    assert back["name"].tolist() == [text, "x"]
    assert back["value"].tolist() == [1.5, -2.0]


def test_markdown_text_shows_as_written() -> None:
    assert markdown('<img src=x onerror="a()">') == '&lt;img src=x onerror="a()"&gt;'
    assert markdown("[x](javascript:a) *b* `c` $d$ a|b") == (
        "\\[x](javascript:a) \\*b\\* \\`c\\` \\$d\\$ a\\|b"
    )
    assert markdown("# not a heading") == "\\# not a heading"
    assert markdown("hybrid_push 96.3 [95.1, 97.2] -0.5") == "hybrid_push 96.3 [95.1, 97.2] -0.5"


# --- the terminal -----------------------------------------------------------------------------


def test_the_cli_never_sends_a_control_character_from_a_file(tmp_path: Path) -> None:
    """An unknown key and a file name holding escape sequences: the line names them with
    visible symbols. Before: the key path was printed raw (``\\e]0;...`` retitled the
    terminal, ``\\e[2J`` cleared it)."""
    bad = tmp_path / "x\x1b[2J.yaml"
    bad.write_text('name: ok\n"\\e]0;owned\\a": 1\nworld: {countries: [{code: A, region: r}]}\n')
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.output.startswith(f"{tmp_path}/x␛[2J.yaml: ␛]0;owned␇: unknown key")


def test_every_command_prints_through_the_one_safe_echo() -> None:
    """A structural guard: only :func:`sim.commands.echo` calls ``click.echo``."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "sim").rglob("*.py")
        if re.search(r"click\.(echo|secho)\(|(?<![\w.])print\(", path.read_text())
        and path.relative_to(ROOT).as_posix() not in ("sim/commands/__init__.py",
                                                     "sim/config/reference.py")
    ]  # fmt: skip
    assert offenders == []


# --- spreadsheets, charts, reports ---------------------------------------------------------


def test_a_run_with_hostile_names_plots_and_writes_safe_csv(run_dir: Path) -> None:
    """Before: ``run --plot`` stopped with mathtext's ParseFatalException on ``$\\undefinedcmd$``,
    and the CSV cells started formulas."""
    cells = (run_dir / "timeseries.csv").read_text(encoding="utf-8")
    assert ",'=1+2," in cells and ",=1+2," not in cells
    regions = (run_dir / "plots" / "regions.csv").read_text(encoding="utf-8")
    assert "'=1+2" in regions and "$\\frac{a}{$" in regions
    outages = pd.read_csv(run_dir / "outages.csv", dtype=str)
    assert not outages.map(lambda v: str(v).startswith(FORMULA_STARTS)).any().any()
    from sim.reporting import load_results

    read = load_results(run_dir).timeseries  # pdsa reads its own CSV back as written
    assert set(read["region"]) == {"all", *hostile.REGIONS}


def test_chart_labels_are_drawn_as_written(run_dir: Path) -> None:
    from sim.reporting import load_results
    from sim.reporting.charts import CHARTS

    figure, _ = CHARTS["regions"](load_results(run_dir))
    figure.canvas.draw()
    texts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert "$\\frac{a}{$" in texts and "=1+2" in texts
    assert any(hostile.NAME in t.replace("\n", " ") for t in texts)  # the footer (wrapped)


def test_a_sweep_with_hostile_names_gives_every_output(sweep_dir: Path, tmp_path: Path) -> None:
    """compare (every format), robustness, sensitivity, report (HTML, Markdown, slides)."""
    for fmt in ("table", "markdown", "json", "csv"):
        result = invoke("compare", sweep_dir, "--format", fmt)
        assert result.exit_code == 0, result.output
    csv = invoke("compare", sweep_dir, "--format", "csv").output
    assert not any(line.startswith(FORMULA_STARTS) for line in csv.splitlines())
    assert invoke("robustness", sweep_dir).exit_code == 0
    assert invoke("sensitivity", sweep_dir).exit_code == 0
    runs = pd.read_csv(sweep_dir / "runs.csv")
    assert set(runs["world.countries.0.region"]) == {f"'{hostile.TEXT_VALUES[1]}",
                                                     hostile.TEXT_VALUES[0]}  # fmt: skip
    for fmt in ("html", "md", "pptx"):
        result = invoke("report", sweep_dir, "--out", tmp_path / f"r.{fmt}", "--format", fmt)
        assert result.exit_code == 0, result.output


def test_the_markdown_report_writes_names_as_text(run_dir: Path, tmp_path: Path) -> None:
    """Before: the Markdown report wrote names as raw HTML (a viewer rendering it ran the
    planted handler) and as Markdown (emphasis, math)."""
    out = tmp_path / "report.md"
    assert invoke("report", run_dir, "--out", out, "--format", "md").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<img" not in text and "<b " not in text and "<i>" not in text
    assert "&lt;img src=x onerror=" in text
    assert f"# {markdown(hostile.NAME)}: data-sharing architectures compared" in text
    assert "\\$\\\\undefinedcmd\\$ \\*bold\\*" in text


def test_the_html_report_escapes_every_name(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert invoke("report", run_dir, "--out", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<img src=x onerror" not in text and "<b onmouseover" not in text
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in text


def test_the_slides_show_the_names_as_written(run_dir: Path, tmp_path: Path) -> None:
    from pptx import Presentation

    out = tmp_path / "report.pptx"
    assert invoke("report", run_dir, "--out", out, "--format", "pptx").exit_code == 0
    shown = [
        shape.text_frame.text
        for slide in Presentation(str(out)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    ]
    assert any(hostile.NAME in text for text in shown)


# --- the explorer's pages, without a browser ----------------------------------------------


def test_the_explorer_puts_names_in_its_panes_as_text(files, sweep_dir: Path) -> None:
    """Before: the Run page's Markdown showed the scenario's name and description as HTML,
    and the Results page the experiment's name."""
    pages = pytest.importorskip("sim.explore.app").pages
    run, results, _ = pages(str(files[0]), sweep_dir)
    assert "<img" not in run.about.object and "<script" not in run.about.object
    assert "&lt;img src=x onerror=" in run.about.object
    assert "&lt;svg onload=" in results.about.object and "<svg" not in results.about.object
    assert not results.message.visible
    assert list(results.kept) == ["world.countries.0.region"]
    assert results.kept["world.countries.0.region"].options == sorted(hostile.TEXT_VALUES)
    run.show_error('bad <img src=x onerror="window.__pwned=7">')
    assert "<img" not in run.message.object
