"""``pdsa run`` and ``pdsa validate``: one scenario run and measured, or files checked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from sim.commands import CONFIG_ERROR_EXIT, RUN_FAILED_EXIT, echo, fail
from sim.commands.formatting import metrics_table
from sim.commands.limits import size_limit, size_limit_options
from sim.config import ConfigError
from sim.config.loading import load_scenario
from sim.results import OutputError, check_run_dir, write_run_outputs
from sim.sizing import check_size


@click.command()
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
@size_limit_options
def run(
    scenario_file: str,
    assignments: tuple[str, ...],
    seed: int | None,
    out_dir: Path | None,
    quiet: bool,
    plot: bool,
    max_memory: int | None,
    accept_any_size: bool,
) -> None:
    """Run one scenario and print its headline metrics."""
    if plot and out_dir is None:
        raise click.UsageError("--plot needs --out DIR: the charts are drawn from what it holds")
    try:
        scenario = load_scenario(scenario_file, assignments)
        check_size(scenario, size_limit(max_memory, accept_any_size), scenario_file)
        if out_dir is not None:
            check_run_dir(out_dir)
    except (ConfigError, OutputError) as error:
        fail(error)
    from sim.commands.progress import RunProgress, is_terminal
    from sim.runner import run_one

    progress = None if quiet else RunProgress(scenario.name, is_terminal())
    result = run_one(scenario, seed, progress)
    if out_dir is not None:
        try:
            write_run_outputs(result, out_dir, charts_writer() if plot else None)
        except OutputError as error:
            fail(error, RUN_FAILED_EXIT)
    if quiet:
        return
    echo(
        f"{scenario.name}  seed {result.seed}  sha256 {result.scenario_sha256[:12]}"
        f"  {result.wall_seconds:.1f} s"
    )
    echo(metrics_table({scenario.architecture.kind: result}))
    if out_dir is not None:
        echo(f"wrote {out_dir}")


def charts_writer() -> Callable[[Path], object]:
    """What ``--plot`` adds to the run's new directory before it is put in place."""
    from sim.reporting import write_standard_charts

    return lambda folder: write_standard_charts(folder, folder / "plots")


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check scenario and experiment files; print 'ok FILE' or the first error of each. An
    experiment (a file with ``scenario`` or ``variants``) is checked as a sweep would check
    it: its scenario, and every variant, grid point and world against the schema."""
    bad = 0
    for file in files:
        try:
            what = checked(file)
        except ConfigError as error:
            echo(str(error), err=True)
            bad += 1
        else:
            echo(f"ok {file}{what}")
    if bad:
        sys.exit(CONFIG_ERROR_EXIT)


EXPERIMENT_ONLY_KEYS = ("scenario", "variants")
"""Keys an experiment file has and a scenario file never does."""


def checked(file: str) -> str:
    """Validate ``file`` as what it is; returns what it was found to be, for the ok line."""
    from sim.config import load_yaml_mapping

    raw = load_yaml_mapping(file)
    if not any(key in raw for key in EXPERIMENT_ONLY_KEYS):
        load_scenario(file)
        return ""
    from sim.sweeps import build_plan, load_experiment
    from sim.sweeps.api import twins

    plan = build_plan(load_experiment(file))
    copies = len(twins(plan))
    if not copies:
        return f" (experiment, {len(plan)} runs)"
    return (
        f" (experiment, {len(plan)} runs, {len(plan) - copies} of them simulated: the others"
        " copy a variant's run at the grid values outside its scope)"
    )
