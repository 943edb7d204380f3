"""``pdsa sweep``: every run of an experiment, crash-safe and resumable.

Configuration problems (a bad experiment file, a results directory that cannot take the sweep)
end as one line on stderr and exit status 2 before any run starts. A sweep with failed runs
exits 1 after listing them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sim.commands import RUN_FAILED_EXIT, fail
from sim.commands.formatting import duration
from sim.config import ConfigError

DRY_RUN_LISTED = 40


@click.command()
@click.argument("experiment_file", metavar="EXPERIMENT.yaml")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Results directory (runs/<run_id>.json, runs.csv, runs.parquet, manifest.json...).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Local worker processes (default: all cores; 1 runs in this process).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on a Dask distributed cluster, e.g. tcp://host:8786 (pip install 'pdsa[dask]').",
)
@click.option("--resume", is_flag=True, help="Complete the sweep already in --out.")
@click.option("--dry-run", is_flag=True, help="List the runs and estimate the time; run nothing.")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Runs per task (default: auto).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--plot", is_flag=True, help="Also write the standard charts to DIR/plots.")
def sweep(
    experiment_file: str,
    out_dir: Path,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    dry_run: bool,
    chunk_size: int | None,
    quiet: bool,
    plot: bool,
) -> None:
    """Run every variant x point x replication of an experiment, crash-safe and resumable."""
    from sim.sweeps import build_plan, load_experiment, run_sweep

    try:
        experiment = load_experiment(experiment_file)
        plan = build_plan(experiment)
    except ConfigError as error:
        fail(error)
    if dry_run:
        dry_run_report(experiment, plan, workers)
        return
    from sim.commands.progress import SweepProgress, is_terminal

    on_progress = None if quiet else SweepProgress(is_terminal())
    try:
        outcome = run_sweep(
            experiment,
            out_dir,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            chunk=chunk_size,
            on_progress=on_progress,
        )
    except ConfigError as error:
        fail(error)
    if plot and outcome.manifest["counts"]["ok"]:
        from sim.reporting import write_standard_charts

        written = write_standard_charts(out_dir, out_dir / "plots")
        if not quiet:
            click.echo(f"wrote {len(written)} charts to {out_dir / 'plots'}")
    report_outcome(outcome, quiet)


def dry_run_report(experiment: Any, plan: list[Any], workers: int | None) -> None:
    from sim.sweeps.api import twins
    from sim.sweeps.estimate import estimate
    from sim.sweeps.executors import default_workers
    from sim.sweeps.plan import skipped_keys

    n_points = len({spec.point_index for spec in plan})
    u = experiment.uncertainties
    worlds = f" ({n_points // u.worlds} grid point(s) x {u.worlds} worlds, {u.design})" if u else ""
    copies = twins(plan)
    copied = f", {len(copies)} of them copies of an identical run" if copies else ""
    click.echo(
        f"{experiment.name}: {len(experiment.variants)} variants x {n_points} points{worlds}"
        f" x {experiment.replications} replications = {len(plan)} runs{copied}"
    )
    for path, variants in skipped_keys(experiment).items():
        click.echo(f"  {path}: skipped for {', '.join(variants)} (not a key of their scenario)")
    for spec in plan[:DRY_RUN_LISTED]:
        point = " ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in spec.point.items()
        )
        click.echo(f"  {spec.run_id}  seed {spec.seed}  {point}".rstrip())
    if len(plan) > DRY_RUN_LISTED:
        click.echo(f"  ... and {len(plan) - DRY_RUN_LISTED} more")
    n = workers or default_workers()
    todo = [spec for spec in plan if spec.run_id not in copies]
    calibrated = estimate(todo)
    per_variant = ", ".join(f"{v} {t:.1f} s" for v, t in calibrated.per_run.items())
    click.echo(f"calibrated on short runs of each variant, seconds per run: {per_variant}")
    click.echo(
        f"estimate: {duration(calibrated.cpu_seconds)} of runs,"
        f" about {duration(calibrated.wall_seconds(n))} on {n} worker(s)"
    )


def report_outcome(outcome: Any, quiet: bool) -> None:
    counts = outcome.manifest["counts"]
    if not quiet:
        click.echo(
            f"{counts['ok']}/{counts['total']} runs ok, {counts['failed']} failed;"
            f" wrote {outcome.out_dir}"
        )
    if outcome.failures:
        click.echo(f"{len(outcome.failures)} run(s) failed:", err=True)
        for failure in outcome.failures:
            click.echo(f"  {failure['run_id']}: {failure['error']}", err=True)
        sys.exit(RUN_FAILED_EXIT)
