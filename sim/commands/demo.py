"""``pdsa demo``: the architectures side by side on an embedded scenario (federated both as a
broadcast to every national node and routed to the issuing country, as travel-document and
vehicle checks are)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.commands import fail
from sim.commands.formatting import metrics_table
from sim.commands.limits import size_limit, size_limit_options
from sim.config import ConfigError, Scenario, apply_overrides, scenario_from_dict
from sim.config.loading import yaml_mapping
from sim.sizing import check_size

if TYPE_CHECKING:
    from sim.results import RunResult

DEMO_SCENARIOS = {
    "world-2023": "scenarios/world-2023.yaml",
    "small": "scenarios/default.yaml",
}
"""Embedded demo scenarios: the whole world (default) and twelve NCBs (a few seconds)."""


def demo_architectures(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The demo's columns (the registry's demo settings), each the ``architecture`` of the
    scenario ``raw`` when it runs that kind (the status quo's entry and update probabilities),
    with the setting's own keys."""
    from sim.architectures import demo_settings  # the engine's imports: only when run

    own = raw.get("architecture") or {}
    return {
        label: ({**own} if own.get("kind") == spec["kind"] else {}) | spec
        for label, spec in demo_settings().items()
    }


@click.command()
@click.option("--seed", type=click.IntRange(min=0), help="Seed (default: the scenario's).")
@click.option(
    "--horizon-days",
    type=click.FloatRange(min=0, min_open=True),
    help="Simulated days (must exceed the scenario's 60-day warm-up).",
)
@click.option(
    "--scenario", "which", type=click.Choice(list(DEMO_SCENARIOS)), default="world-2023",
    show_default=True,
    help="world-2023: all 196 NCBs; small: an illustrative twelve NCBs, three regions.",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="Print only the table, no progress.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Run the demo as a one-replication sweep into this new directory, which pdsa plot,"
    " report and compare read (its run seed derives from --seed, as in every sweep).",
)  # fmt: skip
@size_limit_options
def demo(
    seed: int | None,
    horizon_days: float | None,
    which: str,
    quiet: bool,
    out_dir: Path | None,
    max_memory: int | None,
    accept_any_size: bool,
) -> None:
    """Run the four architectures on an embedded scenario, side by side."""
    try:
        variants = demo_scenarios(horizon_days, which)
        for scenario in variants.values():
            check_size(scenario, size_limit(max_memory, accept_any_size), "pdsa demo")
    except ConfigError as error:
        fail(error)
    if out_dir is not None:
        click.echo(demo_sweep(which, horizon_days, seed, out_dir, quiet))
        return
    from sim.commands.progress import RunsProgress, is_terminal
    from sim.runner import run_one

    results: dict[str, RunResult] = {}
    progress = None if quiet else RunsProgress(list(variants), is_terminal())
    for label, scenario in variants.items():
        on_progress = None if progress is None else progress.run(label)
        results[label] = run_one(scenario, seed, on_progress)
        if progress is not None:
            progress.finished()
    if not quiet:
        first = next(iter(variants.values()))
        days = first.horizon_days - first.warmup_days
        click.echo(f"{first.name}: {len(first.world.countries)} countries, {days:g} days measured")
    click.echo(metrics_table(results))


def demo_raw(horizon_days: float | None, which: str) -> tuple[str, dict[str, Any]]:
    """(file name, raw mapping) of the embedded scenario, with its horizon overridden."""
    file = f"sim/{DEMO_SCENARIOS[which]}"
    text = resources.files("sim").joinpath(DEMO_SCENARIOS[which]).read_text(encoding="utf-8")
    raw = yaml_mapping(text, file)
    if horizon_days is not None:
        raw = apply_overrides(raw, {"horizon_days": horizon_days}, file)
    return file, raw


def demo_experiment(which: str, seed: int, raw: dict[str, Any]) -> dict[str, Any]:
    """The demo as an experiment mapping: one variant per column, one replication (variant
    names are the column labels with hyphens, as experiment files spell them)."""
    return {
        "name": f"demo-{which}",
        "description": "pdsa demo: the architectures side by side on the embedded scenario.",
        "replications": 1,
        "seed": seed,
        "variants": {
            label.replace(" ", "-"): {"architecture": arch}
            for label, arch in demo_architectures(raw).items()
        },
    }


@dataclass(frozen=True)
class Measured:
    """A sweep run's metrics, as the table reads a run's."""

    metrics: dict[str, Any]


def demo_sweep(
    which: str, horizon_days: float | None, seed: int | None, out_dir: Path, quiet: bool
) -> str:
    """Run the demo into ``out_dir`` as a sweep; its table, from the runs written there."""
    from sim.sweeps import load_experiment, run_sweep

    file, raw = demo_raw(horizon_days, which)
    try:
        experiment = load_experiment(
            demo_experiment(which, raw.get("seed", 0) if seed is None else seed, raw),
            base_raw=raw,
        )
        if not quiet:
            click.echo(f"running the demo as a sweep into {out_dir} ...", err=True)
        outcome = run_sweep(experiment, out_dir, workers=1)
    except ConfigError as error:
        fail(error)
    columns: dict[str, Any] = {
        str(row["variant"]): Measured({k: none_if_nan(v) for k, v in row.items()})
        for row in outcome.runs.to_dict("records")
    }
    return metrics_table(columns) + f"\nwrote {out_dir} (pdsa plot, report, compare read it)"


def none_if_nan(value: Any) -> Any:
    """A stored NaN is a metric with nothing to count, as None is in a run's metrics."""
    return None if isinstance(value, float) and math.isnan(value) else value


def demo_scenarios(horizon_days: float | None = None, which: str = "small") -> dict[str, Scenario]:
    """An embedded scenario under each of the demo's architectures."""
    file, raw = demo_raw(horizon_days, which)
    scenarios = {}
    for label, architecture in demo_architectures(raw).items():
        variant = {**raw, "architecture": architecture}
        try:
            scenarios[label] = scenario_from_dict(variant, file)
        except ConfigError as error:
            raise error.with_origin("--horizon-days") if horizon_days else error from None
    return scenarios
