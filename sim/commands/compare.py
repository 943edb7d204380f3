"""``pdsa compare``: means with intervals, paired differences against a baseline, winners."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim.commands import echo, fail
from sim.commands.formatting import (
    FORMATS,
    emit,
    format_table,
    metric_heading,
    shown_diff,
    shown_value,
)
from sim.commands.reading import checked_metrics, read_results
from sim.config import ConfigError
from sim.reporting.tables import markdown_table

WIDTH = 100
"""Columns the table fits in, headings wrapped."""


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--baseline",
    help="Variant the others are compared with (default: the sweep's: today's system when a"
    " fragmented variant is compared, else the first).",
)
@click.option(
    "--metric", "metrics", multiple=True,
    help="Metric to compare (repeatable; default: the shortlist a decision turns on).",
)  # fmt: skip
@click.option("--all", "every", is_flag=True, help="Every headline metric, not only the shortlist.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="table: for reading; markdown: the same blocks to paste into a document; csv, json:"
    " every column in stored units (shares as fractions; json strict, null with a reason).",
)  # fmt: skip
@click.option(
    "--tie", "ties", multiple=True, metavar="M=X",
    help="Materiality threshold of a metric: variants whose means are within it are"
    " equivalent, e.g. 'completeness=0.005' or 'staff_hours_per_year=5%' (repeatable).",
)  # fmt: skip
@click.option(
    "--by", type=click.Choice(["region", "kind"]),
    help="The same comparison for each INTERPOL region's officers (by_region.parquet) or each"
    " record kind (by_kind.parquet).",
)  # fmt: skip
@click.option(
    "--days", metavar="FROM:TO",
    help="Every figure over days FROM to TO-1 only (400:730, 400:, :730; a stage of a road"
    " map), exact from daily.parquet; percentiles have no window and are left out.",
)  # fmt: skip
def compare(
    out_dir: Path,
    baseline: str | None,
    metrics: tuple[str, ...],
    every: bool,
    fmt: str,
    ties: tuple[str, ...],
    by: str | None,
    days: str | None,
) -> None:
    """Means with 95 % intervals, paired differences against the baseline, winners (or the
    variants equivalent within each metric's materiality threshold), and over sampled worlds
    the range of what may happen (5th to 95th percentile over the worlds), for the shortlist
    of metrics a decision turns on (--all, --metric: the others)."""
    from sim.analysis import default_metrics, paired_differences, summarise, winners
    from sim.config.errors import unknown_tag_message

    runs, manifest = read_results(out_dir)
    baseline = baseline or manifest["baseline"]
    if baseline not in manifest["variants"]:
        fail(
            ConfigError(
                str(out_dir),
                "--baseline",
                unknown_tag_message("variant", baseline, manifest["variants"]),
            )
        )
    if by is not None or days is not None:
        from sim.commands.breakdown import compare_parts, parse_days

        window = None if days is None else parse_days(out_dir, days)
        user_ties = parsed_ties(out_dir, ties)
        compare_parts(out_dir, runs, manifest, baseline, metrics, every, fmt, by, window, user_ties)
        return
    names = checked_metrics(runs, metrics, out_dir)
    if not metrics:
        names = default_metrics(runs) if every else shortlist(runs)
    user_ties = parsed_ties(out_dir, ties)
    checked_metrics(runs, tuple(user_ties), out_dir, "--tie")
    odds = band = None
    if manifest.get("uncertainties"):  # one comparison over the ensemble, paired by world
        from sim.robustness import ensemble_odds, pooled_over_worlds
        from sim.verdict.spread import spread

        odds = ensemble_odds(runs, manifest, names)
        runs = pooled_over_worlds(runs, manifest)
        band = spread(runs, names).drop(columns=["worlds", "min", "max"])
    summary = summarise(runs, names)
    diffs = paired_differences(runs, baseline, names)
    table = comparison_table(summary, diffs, winners(runs, names, user_ties))
    if odds is not None and band is not None:
        table = table.merge(odds, on=["variant", "point_id", "metric"], how="left")
        table = table.merge(band, on=["variant", "point_id", "metric"], how="left")
        table["note"] = worlds_notes(table, runs, user_ties)
    if fmt in ("table", "markdown"):
        points = point_names(runs, manifest)
        markdown = fmt == "markdown"
        text = human_table(table, baseline, manifest.get("worlds"), points, markdown)
        echo(with_caveat(text, manifest, markdown))
    else:
        emit(table, fmt)


def parsed_ties(out_dir: Path, ties: tuple[str, ...]) -> dict[str, Any]:
    """``--tie`` values parsed; a bad one ends the command with one line naming it."""
    from sim.verdict.ties import TieError, parse_ties

    try:
        return parse_ties(ties)
    except TieError as error:
        fail(ConfigError(str(out_dir), "--tie", str(error)))


def shortlist(runs: pd.DataFrame) -> list[str]:
    """The catalogue's shortlist that the runs have values for (every headline metric they
    have if none)."""
    from sim.analysis import default_metrics
    from sim.catalogue import SHORTLIST_METRICS

    present = default_metrics(runs)
    return [m for m in SHORTLIST_METRICS if m in present] or present


def with_caveat(text: str, manifest: dict[str, Any], markdown: bool) -> str:
    """The table under the caveat every chart and report of an illustrative world carries."""
    from sim.reporting.footer import manifest_caveat

    caveat = manifest_caveat(manifest)
    if not caveat:
        return text
    return f"**{caveat}**\n\n{text}" if markdown else f"{caveat}\n\n{text}"


def worlds_notes(table: pd.DataFrame, runs: pd.DataFrame, ties: dict[str, Any]) -> pd.Series:
    """Each ``equivalent: a, b`` note over sampled worlds gains the share of worlds in which
    those variants are within the threshold of each other."""
    from sim.robustness import world_table
    from sim.verdict.ties import equivalent_share, tie_of

    notes = table["note"].copy()
    for (point, metric), rows in table.groupby(["point_id", "metric"], sort=False):
        note = rows["note"].iloc[0]
        if not isinstance(note, str) or not note.startswith("equivalent: "):
            continue
        names = note.removeprefix("equivalent: ").split(" (within")[0].split(", ")
        worlds = world_table(runs[runs["point_id"] == point], str(metric))
        if not set(names) <= set(worlds.columns):
            continue
        share = equivalent_share(worlds, str(metric), tie_of(str(metric), ties), names)
        notes[rows.index] = f"{note}; in {share:.0%} of the worlds"
    return notes


def comparison_table(
    summary: pd.DataFrame, diffs: pd.DataFrame, best: pd.DataFrame
) -> pd.DataFrame:
    """One row per point, metric and variant: mean, interval, paired difference, winner."""
    keys = ["variant", "point_id", "metric"]
    diff_columns = diffs[[*keys, "mean_diff", "ci_low", "ci_high", "significant"]].rename(
        columns={"ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}
    )
    table = summary.merge(diff_columns, on=keys, how="left")
    table = table.merge(
        best[["point_id", "metric", "better", "winner", "note"]], on=["point_id", "metric"]
    )
    order = ["point_id", "metric", "variant", "n", "mean", "ci_low", "ci_high", "mean_diff"]
    order += ["diff_ci_low", "diff_ci_high", "significant", "better", "winner", "note"]
    return table[order]


def human_table(
    table: pd.DataFrame,
    baseline: str,
    worlds: int | None = None,
    points: dict[str, str] | None = None,
    markdown: bool = False,
) -> str:
    """One block per point, named by its values; each metric under its label and unit (with
    which way is better and the verdict), then its variants, shares in percent and their
    differences in percentage points, as the report shows them. Over sampled worlds, each
    variant's share of worlds where it ranks first and its largest regret as well.
    ``markdown``: the blocks as Markdown tables to paste into a document."""
    ensemble = "p_first" in table.columns
    blocks = []
    for point, at_point in table.groupby("point_id", sort=False):
        title = where(point, worlds, points)
        blocks.append(point_block(title, at_point, baseline, ensemble, markdown))
    note = (
        "\n* paired difference significant at 95 %; pp: percentage points; equivalent: means"
        " within the metric's materiality threshold (--tie)"
    )
    if ensemble:
        note += (
            f"; over {worlds} sampled worlds: means and differences pooled over worlds (paired"
            " world by world: how precisely the mean is known), '90% of worlds': the 5th to"
            " 95th percentile over the worlds (what may happen), 'first in': share of worlds"
            " where the variant is first or within the metric's materiality threshold of the"
            " first, 'max regret': its largest shortfall from the best variant in a world"
            " (pdsa robustness for more)"
        )
    if not markdown:
        note = "\n" + textwrap.fill(note.strip(), WIDTH, subsequent_indent="  ")
    return "\n\n".join(blocks) + ("\n" if markdown else "") + note


def point_block(
    title: str, rows: pd.DataFrame, baseline: str, ensemble: bool, markdown: bool
) -> str:
    """One point's metrics under ``title``: a Markdown table, or aligned text with the runs
    per variant in the title when every variant has as many."""
    if markdown:
        headers = ["metric", "variant", "n", "mean [95% CI]", f"vs {baseline} [95% CI]"]
        headers += ["90% of worlds", "first in", "max regret"] if ensemble else []
        return f"**{title}**\n\n{markdown_table(headers, block_rows(rows, baseline, ensemble))}"
    counts = set(rows["n"])
    runs = f" ({counts.pop()} runs per variant)" if len(counts) == 1 else ""
    return f"{title}{runs}\n{text_block(rows, baseline, ensemble, not runs)}"


def text_block(at_point: pd.DataFrame, baseline: str, ensemble: bool, runs: bool) -> str:
    """The metrics of one point as text: one header, then for each metric a heading line
    (label, unit, which way is better, verdict) above its variants' rows, indented and
    aligned; ``runs``: with a column of each variant's number of runs (when they differ)."""
    headers = ["variant", "n", "mean [95% CI]", f"vs {baseline} [95% CI]"]
    headers += ["90% of worlds", "first in", "max regret"] if ensemble else []
    groups = [
        (heading(str(metric), group), variant_rows(str(metric), group, baseline, ensemble))
        for metric, group in at_point.groupby("metric", sort=False)
    ]
    rows = [row for _, rows in groups for row in rows]
    if not runs:
        headers, rows = headers[:1] + headers[2:], [row[:1] + row[2:] for row in rows]
    aligned = ["  " + line for line in format_table(headers, rows).splitlines()]
    lines, at = aligned[:2], 2
    for title, rows in groups:
        lines.append(textwrap.fill(title, WIDTH, subsequent_indent="  "))
        lines += aligned[at : at + len(rows)]
        at += len(rows)
    return "\n".join(lines)


def heading(metric: str, group: pd.DataFrame) -> str:
    """``Completeness (%), higher is better: winner centralized``."""
    first = group.iloc[0]
    verdict = f"winner {first.winner}" if isinstance(first.winner, str) else first.note
    return f"{metric_heading(metric)}, {first.better} is better: {verdict}"


def variant_rows(
    metric: str, group: pd.DataFrame, baseline: str, ensemble: bool
) -> list[list[str]]:
    """Each variant of one metric: n, mean and interval, difference from the baseline."""
    pp = " pp" if metric_heading(metric).endswith("(%)") else ""
    rows = []
    for row in group.itertuples(index=False):
        cells = [
            str(row.variant),
            str(row.n),
            with_interval(row.mean, *clipped(row, bool(pp)), shown_value(metric)),
            difference_cell(row, metric, baseline, pp),
        ]
        if ensemble:
            fmt = shown_value(metric)
            cells += [f"{fmt(row.p05)} to {fmt(row.p95)}", f"{row.p_first:.0%}"]
            cells += [fmt(row.max_regret)]
        rows.append(cells)
    return rows


def difference_cell(row: Any, metric: str, baseline: str, pp: str) -> str:
    """``+13.7 [+12.8, +15.2] pp *``, ``baseline``, ``from never *``."""
    if row.variant == baseline:
        return "baseline"
    text = with_interval(row.mean_diff, row.diff_ci_low, row.diff_ci_high, shown_diff(metric))
    unit = "" if "never" in text or text == "n/a" else pp
    return text + unit + (" *" if row.significant is True else "")


def block_rows(at_point: pd.DataFrame, baseline: str, ensemble: bool) -> list[list[str]]:
    """Markdown rows: each metric's variants, then a line saying which way is better and the
    verdict."""
    rows = []
    for metric, group in at_point.groupby("metric", sort=False):
        body = variant_rows(str(metric), group, baseline, ensemble)
        for i, cells in enumerate(body):
            rows.append([metric_heading(str(metric)) if i == 0 else "", *cells])
        first = group.iloc[0]
        verdict = f"winner: {first.winner}" if isinstance(first.winner, str) else first.note
        rows.append(["", f"({first.better} is better)", "", "", verdict, *[""] * (3 * ensemble)])
    return rows


def clipped(row: Any, share: bool) -> tuple[float, float]:
    """A share's interval cut at its possible range, as the report and charts cut it."""
    if not share:
        return row.ci_low, row.ci_high
    return max(row.ci_low, 0.0), min(row.ci_high, 1.0)


def point_names(runs: pd.DataFrame, manifest: dict[str, Any]) -> dict[str, str]:
    """Grid point id -> its values in words (``ncb to hub › delay (hours) mean = 6``); a
    sweep without a grid names its one point ``the scenario as given``."""
    from sim.reporting.charts.base import factor_label

    factors = [f for f in manifest.get("factors") or [] if f in runs.columns]
    names = {}
    for point, group in runs.groupby("point_id", sort=True):
        values = [f"{factor_label(f)} = {value_text(group[f].iloc[0])}" for f in factors]
        names[str(point)] = ", ".join(values) or "the scenario as given"
    return names


def value_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def where(point: str, worlds: int | None, points: dict[str, str] | None = None) -> str:
    named = (points or {}).get(str(point), f"point {point}")
    return f"{named}, all {worlds} worlds" if worlds else named


def with_interval(mean: float, low: float, high: float, fmt: Any) -> str:
    """``mean [low, high]``, or the mean alone where there is no interval (one run)."""
    if pd.isna(low) or pd.isna(high):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"
