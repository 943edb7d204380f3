"""``pdsa run`` and ``pdsa validate``: one scenario run and measured, or files checked."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from sim.commands import CONFIG_ERROR_EXIT, RUN_FAILED_EXIT, fail
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
    from sim.runner import run_one

    result = run_one(scenario, seed)
    if out_dir is not None:
        try:
            write_run_outputs(result, out_dir, charts_writer() if plot else None)
        except OutputError as error:
            fail(error, RUN_FAILED_EXIT)
    if quiet:
        return
    click.echo(
        f"{scenario.name}  seed {result.seed}  sha256 {result.scenario_sha256[:12]}"
        f"  {result.wall_seconds:.1f} s"
    )
    click.echo(metrics_table({scenario.architecture.kind: result}))
    if out_dir is not None:
        click.echo(f"wrote {out_dir}")


def charts_writer() -> Callable[[Path], object]:
    """What ``--plot`` adds to the run's new directory before it is put in place."""
    from sim.reporting import write_standard_charts

    return lambda folder: write_standard_charts(folder, folder / "plots")


@click.command()
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
