"""``pdsa demo``: the architectures side by side on an embedded scenario (federated both as a
broadcast to every national node and routed to the issuing country, as travel-document and
vehicle checks are)."""

from __future__ import annotations

from importlib import resources
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

DEMO_ARCHITECTURES: dict[str, dict[str, Any] | None] = {
    "centralized": {"kind": "centralized"},
    "federated broadcast": {"kind": "federated", "routing": "broadcast"},
    "federated issuer": {"kind": "federated", "routing": "issuer"},
    "hybrid push": {"kind": "hybrid", "sync": "push"},
    "fragmented": None,  # as in the default scenario, with its entry and update probabilities
}
"""The demo's columns: architecture replacing the default scenario's, or None to keep it."""


@click.command()
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
@size_limit_options
def demo(
    seed: int | None,
    horizon_days: float | None,
    which: str,
    quiet: bool,
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
    raw = yaml_mapping(text, file)
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
