"""``pdsa compare``: means with intervals, paired differences against a baseline, winners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim.commands import fail
from sim.commands.formatting import FORMATS, emit, format_table, format_value
from sim.commands.reading import checked_metrics, read_results
from sim.config import ConfigError


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--baseline", help="Variant the others are compared with (default: the first).")
@click.option("--metric", "metrics", multiple=True, help="Metric to compare (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def compare(out_dir: Path, baseline: str | None, metrics: tuple[str, ...], fmt: str) -> None:
    """Means with 95 % intervals, paired differences against the baseline, and winners."""
    from sim.analysis import paired_differences, summarise, winners
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
    names = checked_metrics(runs, metrics, out_dir)
    summary = summarise(runs, names)
    diffs = paired_differences(runs, baseline, names)
    table = comparison_table(summary, diffs, winners(runs, names))
    if fmt == "table":
        click.echo(human_table(table, baseline))
    else:
        emit(table, fmt)


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


def human_table(table: pd.DataFrame, baseline: str) -> str:
    blocks = []
    for point, at_point in table.groupby("point_id", sort=False):
        rows = []
        for metric, group in at_point.groupby("metric", sort=False):
            for row in group.itertuples(index=False):
                diff = (
                    "baseline"
                    if row.variant == baseline
                    else with_interval(
                        row.mean_diff, row.diff_ci_low, row.diff_ci_high, format_value
                    )
                    + (" *" if row.significant is True else "")
                )
                rows.append(
                    [
                        metric,
                        row.variant,
                        str(row.n),
                        with_interval(row.mean, row.ci_low, row.ci_high, format_value),
                        diff,
                    ]
                )
            first = group.iloc[0]
            verdict = f"winner: {first.winner}" if isinstance(first.winner, str) else first.note
            rows.append(["", f"({first.better} is better)", "", "", verdict])
        headers = ["metric", "variant", "n", "mean [95% CI]", f"vs {baseline} [95% CI]"]
        blocks.append(f"point {point}\n" + format_table(headers, rows))
    return "\n\n".join(blocks) + "\n* paired difference significant at 95 %"


def with_interval(mean: float, low: float, high: float, fmt: Any) -> str:
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"
