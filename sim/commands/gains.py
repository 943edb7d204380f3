"""``pdsa gains``: what each gain over the baseline costs, per lever.

Hits gained and missed and false hits avoided a year, against the extra servers, bandwidth,
staff hours, copies held, interfaces and euros; the euros a year per missed hit avoided with
a bootstrap interval. Paired on common seeds, world by world over sampled worlds (with the
5th to 95th percentile over them).
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from sim.commands import echo, fail
from sim.commands.formatting import FORMATS, emit, format_table
from sim.commands.reading import read_results
from sim.config import ConfigError
from sim.reporting.tables import markdown_table


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--baseline", help="Variant the gains are counted against (default: the first).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def gains(out_dir: Path, baseline: str | None, fmt: str) -> None:
    """What each gain over the baseline costs: hits against servers, staff, euros."""
    from sim.config.errors import unknown_tag_message
    from sim.robustness import pooled_over_worlds
    from sim.verdict.gains import gains_and_costs, prices_per_hit

    runs, manifest = read_results(out_dir)
    baseline = baseline or manifest["baseline"]
    variants = [str(v) for v in manifest["variants"]]
    if baseline not in variants:
        message = unknown_tag_message("variant", baseline, variants)
        fail(ConfigError(str(out_dir), "--baseline", message))
    if manifest.get("uncertainties"):
        runs = pooled_over_worlds(runs, manifest)
    table = gains_and_costs(runs, baseline, variants)
    prices = pd.DataFrame(
        [[p.lever, "EUR a year per missed hit avoided", "cost_per_year", p.pairs, p.value,
          p.low, p.high] for p in prices_per_hit(runs, baseline, variants)],
        columns=["lever", "item", "metric", "pairs", "mean", "ci_low", "ci_high"],
    )  # fmt: skip
    if fmt in ("table", "markdown"):
        echo(human(table, prices, baseline, bool(manifest.get("uncertainties")), fmt))
    else:
        emit(pd.concat([table, prices], ignore_index=True), fmt)


def human(table: pd.DataFrame, prices: pd.DataFrame, baseline: str, worlds: bool, fmt: str) -> str:
    """One row per lever and item: the mean, and the 5-95 % range over the pairs (worlds)."""
    from sim.reporting.outcome_text import approx
    from sim.reporting.verdict_text import signed

    rows = []
    for row in table.itertuples():
        spread = f"{signed(row.p05)} to {signed(row.p95)}" if pd.notna(row.p05) else ""
        rows.append(
            [row.lever, row.item, signed(row.mean) if pd.notna(row.mean) else "n/a", spread]
        )
    for p in prices.itertuples():
        value = "avoids none" if pd.isna(p.mean) else approx(p.mean)
        interval = "" if pd.isna(p.ci_low) else f"95% CI {approx(p.ci_low)} to {approx(p.ci_high)}"
        rows.append([p.lever, p.item, value, interval])
    what = "5-95% of worlds" if worlds else "5-95% of replications"
    headers = ["lever", f"against {baseline}", "mean", what]
    body = markdown_table(headers, rows) if fmt == "markdown" else format_table(headers, rows)
    note = (
        "\nEach lever minus the baseline, paired on common seeds; euros per missed hit avoided:"
        " the mean extra cost a year over the mean missed hits avoided a year, bootstrap 95 %"
        " interval over the pairs (prices are assumptions: scenarios/README.md)."
    )
    return body + note
