"""``pdsa demo``: the architectures side by side on an embedded scenario (federated both as a
broadcast to every national node and routed to the issuing country, as travel-document and
vehicle checks are).

One demo, one set of numbers: the demo is an experiment of one replication per architecture,
and ``pdsa demo`` runs its plan as a sweep, one architecture per process on the machine's cores
(``--workers``; one runs them in this process, one after another), into DIR with ``--out`` or
else into a temporary directory removed afterwards. The runs, their seeds and so the table are
the same either way: each run's numbers depend on its scenario and seed alone.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from sim.commands import echo, fail
from sim.commands.formatting import metrics_table
from sim.commands.limits import size_limit, size_limit_options
from sim.config import ConfigError, Scenario, apply_overrides, scenario_from_dict
from sim.config.loading import yaml_mapping
from sim.sizing import check_size

if TYPE_CHECKING:
    import pandas as pd

    from sim.sweeps.experiment import Experiment
    from sim.sweeps.plan import RunSpec

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
@click.option(
    "--seed", type=click.IntRange(min=0),
    help="The demo's seed (default: the scenario's); each run's seed derives from it as a"
    " sweep's does, so that the demo and its --out directory hold the same runs.",
)  # fmt: skip
@click.option(
    "--horizon-days",
    type=click.FloatRange(min=0, min_open=True),
    help="Simulated days (must exceed the scenario's 60-day warm-up).",
)
@click.option(
    "--scenario", "which", type=click.Choice(list(DEMO_SCENARIOS)), default="world-2023",
    show_default=True,
    help="world-2023: all 196 NCBs, one year (a few minutes); small: an illustrative twelve"
    " NCBs in three regions (seconds; not a world result).",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress: the table alone.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Also write the runs into this new directory, as a one-replication sweep that pdsa"
    " plot, report and compare read (the same runs and numbers as without --out).",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(min=1),
    help="Architectures run at once, one per process (default: the machine's cores, at most"
    " one per architecture; 1 runs them in this process). The numbers do not depend on it.",
)  # fmt: skip
@size_limit_options
def demo(
    seed: int | None,
    horizon_days: float | None,
    which: str,
    quiet: bool,
    out_dir: Path | None,
    workers: int | None,
    max_memory: int | None,
    accept_any_size: bool,
) -> None:
    """Run the four architectures side by side on the whole world in 2023 (or, with
    --scenario small, an illustrative twelve-NCB world)."""
    from sim.sweeps import build_plan

    try:
        scenarios = demo_scenarios(horizon_days, which)
        for scenario in scenarios.values():
            check_size(scenario, size_limit(max_memory, accept_any_size), "pdsa demo")
        experiment = demo_loaded(which, horizon_days, seed)
        plan = build_plan(experiment)
    except ConfigError as error:
        fail(error)
    first = next(iter(scenarios.values()))
    n = demo_workers(workers, len(plan))
    if out_dir is not None:
        columns = demo_sweep(experiment, out_dir, quiet, n)
        echo(demo_table(first, columns, daily(columns, out_dir)))
        echo(f"wrote {out_dir} (pdsa plot, report and compare read it)")
    elif n == 1:
        columns = demo_runs(plan, quiet)
        echo(demo_table(first, columns, daily(columns, None)))
    else:
        with tempfile.TemporaryDirectory(prefix="pdsa-demo-") as scratch:
            where = Path(scratch) / "demo"
            columns = demo_sweep(experiment, where, quiet, n, scratch=True)
            echo(demo_table(first, columns, daily(columns, where)))


def demo_workers(asked: int | None, runs: int) -> int:
    """The processes the demo runs on: as asked, else the machine's cores; never more than
    its runs."""
    from sim.sweeps.executors import default_workers

    return max(1, min(asked or default_workers(), runs))


def daily(columns: dict[str, Any], out_dir: Path | None) -> pd.DataFrame:
    """The runs' daily series, keyed by column label: from the runs in memory, or as the
    sweep wrote them into ``out_dir`` (the same numbers)."""
    import pandas as pd

    if out_dir is not None:
        from sim.sweeps.store import read_table

        table = read_table(out_dir, "timeseries")
        if table is None:
            return pd.DataFrame()
        return table.assign(variant=table["variant"].astype(str).map(label_of))
    frames = [r.timeseries.assign(variant=label) for label, r in columns.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def demo_table(
    scenario: Scenario, columns: dict[str, Any], timeseries: pd.DataFrame | None = None
) -> str:
    """The title line (the scenario, its size and window; an illustrative world says so), then
    the headline table, one column per architecture, and its notes (drifts included)."""
    from sim.reporting.footer import caveat

    ncbs = len(scenario.world.countries)
    days = scenario.horizon_days - scenario.warmup_days
    title = f"{scenario.name}: {ncbs} countries, {days:g} days measured"
    if caveat(ncbs):
        title += f"\n{caveat(ncbs)}"
    return f"{title}\n{metrics_table(columns, timeseries)}"


def demo_raw(horizon_days: float | None, which: str) -> tuple[str, dict[str, Any]]:
    """(file name, raw mapping) of the embedded scenario, with its horizon overridden."""
    file = f"sim/{DEMO_SCENARIOS[which]}"
    text = resources.files("sim").joinpath(DEMO_SCENARIOS[which]).read_text(encoding="utf-8")
    raw = yaml_mapping(text, file)
    if horizon_days is not None:
        raw = apply_overrides(raw, {"horizon_days": horizon_days}, file)
    return file, raw


def variant_name(label: str) -> str:
    """A column label as an experiment spells its variant (``federated-broadcast``)."""
    return label.replace(" ", "-")


def demo_experiment(which: str, seed: int, raw: dict[str, Any]) -> dict[str, Any]:
    """The demo as an experiment mapping: one variant per column, one replication, today's
    system (fragmented) the baseline."""
    return {
        "name": f"demo-{which}",
        "description": "pdsa demo: the architectures side by side on the embedded scenario.",
        "replications": 1,
        "seed": seed,
        "variants": {
            variant_name(label): {"architecture": arch}
            for label, arch in demo_architectures(raw).items()
        },
    }


def demo_loaded(which: str, horizon_days: float | None, seed: int | None) -> Experiment:
    """The demo experiment, loaded against the embedded scenario."""
    from sim.sweeps import load_experiment

    _, raw = demo_raw(horizon_days, which)
    chosen = raw.get("seed", 0) if seed is None else seed
    return load_experiment(demo_experiment(which, chosen, raw), base_raw=raw)


def label_of(variant: str) -> str:
    """The column label of a demo variant."""
    from sim.architectures import demo_settings

    return next((label for label in demo_settings() if variant_name(label) == variant), variant)


def demo_runs(plan: list[RunSpec], quiet: bool) -> dict[str, Any]:
    """Each run of the plan in this process, one after the other, with their progress."""
    from sim.commands.progress import RunsProgress, is_terminal
    from sim.runner import run_one

    labels = [label_of(spec.variant) for spec in plan]
    progress = None if quiet else RunsProgress(labels, is_terminal())
    results: dict[str, Any] = {}
    for label, spec in zip(labels, plan, strict=True):
        on_progress = None if progress is None else progress.run(label)
        results[label] = run_one(scenario_from_dict(spec.scenario), spec.seed, on_progress)
        if progress is not None:
            progress.finished()
    return results


@dataclass(frozen=True)
class Measured:
    """A sweep run's metrics, as the table reads a run's."""

    metrics: dict[str, Any]


def demo_sweep(
    experiment: Experiment, out_dir: Path, quiet: bool, workers: int = 1, scratch: bool = False
) -> dict[str, Any]:
    """Run the demo into ``out_dir`` as a sweep on ``workers`` processes, one run a task (the
    demo's runs are one world, which a sweep would otherwise hand to a single worker); its
    columns, from the runs written there."""
    from sim.commands.progress import SweepProgress, is_terminal
    from sim.sweeps import run_sweep

    if not quiet:
        on = f" on {workers} processes" if workers > 1 else ""
        into = "" if scratch else f" into {out_dir}"
        echo(f"running the demo as a sweep{on}{into} ...", err=True)
    try:
        outcome = run_sweep(
            experiment,
            out_dir,
            workers=workers,
            chunk=1,
            max_memory=None,  # checked above
            on_progress=None if quiet else SweepProgress(is_terminal()),
        )
    except ConfigError as error:
        fail(error)
    rows = {str(row["variant"]): row for row in outcome.runs.to_dict("records")}
    return {
        label_of(variant): Measured({k: none_if_nan(v) for k, v in rows[variant].items()})
        for variant in experiment.variants
        if variant in rows
    }


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
