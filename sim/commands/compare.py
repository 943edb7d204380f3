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
    odds = None
    if manifest.get("uncertainties"):  # one comparison over the ensemble, paired by world
        from sim.robustness import ensemble_odds, pooled_over_worlds

        odds = ensemble_odds(runs, manifest, names)
        runs = pooled_over_worlds(runs, manifest)
    summary = summarise(runs, names)
    diffs = paired_differences(runs, baseline, names)
    table = comparison_table(summary, diffs, winners(runs, names))
    if odds is not None:
        table = table.merge(odds, on=["variant", "point_id", "metric"], how="left")
    if fmt == "table":
        click.echo(human_table(table, baseline, manifest.get("worlds")))
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


def human_table(table: pd.DataFrame, baseline: str, worlds: int | None = None) -> str:
    """One block per point; over sampled worlds, each variant's share of worlds where it ranks
    first and its largest regret as well."""
    ensemble = "p_first" in table.columns
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
                cells = [
                    metric,
                    row.variant,
                    str(row.n),
                    with_interval(row.mean, row.ci_low, row.ci_high, format_value),
                    diff,
                ]
                if ensemble:
                    cells += [f"{row.p_first:.0%}", format_value(row.max_regret)]
                rows.append(cells)
            first = group.iloc[0]
            verdict = f"winner: {first.winner}" if isinstance(first.winner, str) else first.note
            rows.append(
                ["", f"({first.better} is better)", "", "", verdict, *[""] * (2 * ensemble)]
            )
        headers = ["metric", "variant", "n", "mean [95% CI]", f"vs {baseline} [95% CI]"]
        headers += ["first in", "max regret"] if ensemble else []
        blocks.append(f"{where(point, worlds)}\n" + format_table(headers, rows))
    note = "\n* paired difference significant at 95 %"
    if ensemble:
        note += (
            f"; over {worlds} sampled worlds: means and differences pooled over worlds (paired"
            " world by world), 'first in': share of worlds where the variant ranks first,"
            " 'max regret': its largest shortfall from the best variant in a world"
            " (pdsa robustness for more)"
        )
    return "\n\n".join(blocks) + note


def where(point: str, worlds: int | None) -> str:
    return f"grid point {point}, all {worlds} worlds" if worlds else f"point {point}"


def with_interval(mean: float, low: float, high: float, fmt: Any) -> str:
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"
