"""``pdsa plot`` and ``pdsa report``: charts and the decision makers' report from RESULTS.

RESULTS is a ``pdsa sweep`` directory or a ``pdsa run --out`` directory. A directory that is
neither, or holds a corrupt file, ends as one line on stderr and exit status 2; one where no
run succeeded as one line and exit status 1; in both cases nothing is written. Every file is
written atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim.commands import RUN_FAILED_EXIT, echo, fail
from sim.config import ConfigError
from sim.results import OutputError

RESULTS = click.Path(exists=True, file_okay=False, path_type=Path)


def load_or_fail(results_dir: Path):  # noqa: ANN201 (Results; imported lazily)
    from sim.reporting import load_results

    return done_or_fail(lambda: load_results(results_dir, world_series=True))


def done_or_fail(work: Callable[[], Any]) -> Any:
    """What ``work`` returns. Unreadable results end with exit status 2; no successful run or
    a full disk with status 1."""
    from sim.reporting import NoSuccessfulRun, ResultsError

    try:
        return work()
    except (NoSuccessfulRun, OutputError) as error:
        fail(error, RUN_FAILED_EXIT)
    except ResultsError as error:
        fail(error)


def chart_names() -> list[str]:
    return ["comparison", "outcomes_costs", "tradeoff", "sensitivity", "over_time", "behaviour",
            "visibility", "regions", "region_gains", "load", "differences", "ranking_odds",
            "distribution",
            "regret", "worlds_tradeoff", "settings", "break_even",
            "scenario_discovery"]  # fmt: skip


@click.command()
@click.argument("results_dir", metavar="RESULTS", type=RESULTS)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the figures and their CSV (default: RESULTS/plots).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True
)
@click.option(
    "--chart", "charts", multiple=True, type=click.Choice(chart_names()),
    help="Draw only this chart (repeatable; default: every chart with something to show).",
)  # fmt: skip
@click.option(
    "--size", type=click.Choice(["a4", "slide", "square"]), default="a4", show_default=True,
    help="a4: A4 text width, each chart its own height; slide: 16:9; square: a half slide.",
)  # fmt: skip
@click.option(
    "--dpi", type=click.IntRange(min=50, max=1200), help="Resolution of PNG (default: 150)."
)
def plot(
    results_dir: Path,
    out_dir: Path | None,
    fmt: str,
    charts: tuple[str, ...],
    size: str,
    dpi: int | None,
) -> None:
    """Draw the charts of RESULTS (every one with something to show, or those named with
    --chart), each with the CSV of what it shows."""
    from sim.reporting import write_charts

    results = load_or_fail(results_dir)
    out_dir = out_dir or results_dir / "plots"

    def draw() -> list[Path]:
        return write_charts(results, out_dir, (fmt,), charts or None, size, dpi)

    for path in done_or_fail(draw):
        echo(f"wrote {path}")


@click.command()
@click.argument("results_dir", metavar="RESULTS", type=RESULTS)
@click.option(
    "-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Report file (default: RESULTS/report.html, or report.md with --format md).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["html", "md", "pptx"]), default="html",
    show_default=True,
    help="html: one self-contained file; md: Markdown with the figures in a folder beside it;"
    " pptx: slides, the bottom line then one chart each (pip install 'pdsa[slides]').",
)  # fmt: skip
@click.option(
    "--threshold", "thresholds", multiple=True, metavar="M>=X",
    help="A criterion every lever is weighed against over sampled worlds (repeatable; default:"
    " completeness>=0.95, false_hits_per_year<=1000, servers_needed_total<=500).",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def report(
    results_dir: Path, out_file: Path | None, fmt: str, thresholds: tuple[str, ...], quiet: bool
) -> None:
    """Write the report for decision makers: bottom line, summary, charts, metrics,
    assumptions, provenance (or the bottom line and the charts as slides)."""
    import dataclasses

    from sim.commands.progress import StepsProgress, is_terminal
    from sim.reporting.report import write_report
    from sim.reporting.slides import SlidesUnavailable
    from sim.robustness import RobustnessError, parse_threshold

    try:
        for text in thresholds:
            parse_threshold(text)
    except RobustnessError as error:
        fail(ConfigError(str(results_dir), "--threshold", str(error)))
    # a bad directory: its one line, no progress before
    results = dataclasses.replace(load_or_fail(results_dir), thresholds=thresholds)
    progress = None if quiet else StepsProgress("report", is_terminal())
    out_file = out_file or results_dir / f"report.{fmt}"
    try:
        written = done_or_fail(lambda: write_report(results, out_file, fmt, progress))
    except SlidesUnavailable as error:
        fail(ConfigError(str(out_file), "--format", str(error)))
    echo(f"wrote {written}")
