"""The ``pdsa`` command line: the only place in the package that prints.

Configuration problems end as one line on stderr and exit status 2, before anything is run or
written. The simulation itself is imported only by the commands that run it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml

from sim.catalogue import HEADLINE_METRICS
from sim.commands import CONFIG_ERROR_EXIT, fail
from sim.config import ConfigError, Scenario, apply_overrides, scenario_from_dict
from sim.config.loading import load_scenario
from sim.results import write_run_outputs

if TYPE_CHECKING:
    from sim.results import RunResult

DEMO_SCENARIOS = {
    "world-2023": "scenarios/world-2023.yaml",
    "small": "scenarios/default.yaml",
}
"""Embedded demo scenarios: the whole world (default) and twelve NCBs (a few seconds)."""

DEMO_ARCHITECTURES: dict[str, dict[str, Any] | None] = {
    "centralized": {"kind": "centralized"},
    "federated": {"kind": "federated"},
    "hybrid push": {"kind": "hybrid", "sync": "push"},
    "fragmented": None,  # as in the default scenario, with its entry and update probabilities
}
"""The demo's columns: architecture replacing the default scenario's, or None to keep it."""


# --- formatting ------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """A metric for a table: ``n/a`` for missing, fewer decimals for bigger numbers."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or value == 0:
        return f"{value:,}" if isinstance(value, int) else "0"
    magnitude = abs(value)
    if magnitude <= 1:  # shares and rates: enough digits to tell architectures apart
        return f"{value:.4f}"
    return f"{value:,.0f}" if magnitude >= 1000 else f"{value:.2f}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned value columns."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def metrics_table(columns: Mapping[str, RunResult]) -> str:
    """Headline metrics as rows, one column per run."""
    rows = [
        [name, *(format_value(r.metrics.get(name)) for r in columns.values())]
        for name in HEADLINE_METRICS
    ]
    return format_table(["metric", *columns], rows)


# --- commands --------------------------------------------------------------------------------


@click.group(name="pdsa")
@click.version_option(package_name="pdsa", prog_name="pdsa")
def main() -> None:
    """Simulate police data-sharing architectures and compare what officers see."""


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario key, e.g. --set records.scope.global=0.9 (repeatable).",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed (default: the scenario's).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write summary.json and the CSV series here (default: print only).",
)
@click.option("--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--plot", is_flag=True, help="Also write the standard charts to OUT/plots.")
def run(
    scenario_file: str,
    assignments: tuple[str, ...],
    seed: int | None,
    out_dir: Path | None,
    quiet: bool,
    plot: bool,
) -> None:
    """Run one scenario and print its headline metrics."""
    if plot and out_dir is None:
        raise click.UsageError("--plot needs --out DIR: the charts are drawn from what it holds")
    try:
        scenario = load_scenario(scenario_file, assignments)
    except ConfigError as error:
        fail(error)
    from sim.runner import run_one

    result = run_one(scenario, seed)
    if out_dir is not None:
        write_run_outputs(result, out_dir)
        if plot:
            from sim.reporting import write_standard_charts

            write_standard_charts(out_dir, out_dir / "plots")
    if quiet:
        return
    click.echo(
        f"{scenario.name}  seed {result.seed}  sha256 {result.scenario_sha256[:12]}"
        f"  {result.wall_seconds:.1f} s"
    )
    click.echo(metrics_table({scenario.architecture.kind: result}))
    if out_dir is not None:
        click.echo(f"wrote {out_dir}")


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check scenario files; print 'ok FILE' or the first error of each."""
    bad = 0
    for file in files:
        try:
            load_scenario(file)
        except ConfigError as error:
            click.echo(str(error), err=True)
            bad += 1
        else:
            click.echo(f"ok {file}")
    if bad:
        sys.exit(CONFIG_ERROR_EXIT)


@main.command()
@click.option("--seed", type=click.IntRange(min=0), help="Seed (default: the scenario's).")
@click.option(
    "--horizon-days",
    type=click.FloatRange(min=0, min_open=True),
    help="Simulated days (must exceed the scenario's 60-day warm-up).",
)
@click.option(
    "--scenario", "which", type=click.Choice(list(DEMO_SCENARIOS)), default="world-2023",
    show_default=True, help="world-2023: all 196 NCBs; small: twelve NCBs, three regions.",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="Print only the table, no progress.")
def demo(seed: int | None, horizon_days: float | None, which: str, quiet: bool) -> None:
    """Run the four architectures on an embedded scenario, side by side."""
    try:
        variants = demo_scenarios(horizon_days, which)
    except ConfigError as error:
        fail(error)
    from sim.runner import run_one

    results: dict[str, RunResult] = {}
    for label, scenario in variants.items():
        if not quiet:
            click.echo(f"running {label} ...", err=True)
        results[label] = run_one(scenario, seed)
    if not quiet:
        first = next(iter(variants.values()))
        days = first.horizon_days - first.warmup_days
        click.echo(f"{first.name}: {len(first.world.countries)} countries, {days:g} days measured")
    click.echo(metrics_table(results))


def demo_scenarios(horizon_days: float | None = None, which: str = "small") -> dict[str, Scenario]:
    """An embedded scenario under each of the demo's architectures."""
    file = f"sim/{DEMO_SCENARIOS[which]}"
    text = resources.files("sim").joinpath(DEMO_SCENARIOS[which]).read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if horizon_days is not None:
        raw = apply_overrides(raw, {"horizon_days": horizon_days}, file)
    scenarios = {}
    for label, architecture in DEMO_ARCHITECTURES.items():
        variant = raw if architecture is None else {**raw, "architecture": architecture}
        try:
            scenarios[label] = scenario_from_dict(variant, file)
        except ConfigError as error:
            raise error.with_origin("--horizon-days") if horizon_days else error from None
    return scenarios


from sim.commands.sweep import compare, rerun, sensitivity, sweep  # noqa: E402 (after main)

main.add_command(sweep)
main.add_command(compare)
main.add_command(rerun)
main.add_command(sensitivity)

from sim.commands.report import plot, report  # noqa: E402 (after main)

main.add_command(plot)
main.add_command(report)

from sim.commands.scenarios import scenarios  # noqa: E402 (after main)

main.add_command(scenarios)

if __name__ == "__main__":
    main()
