"""``pdsa sweep``: every run of an experiment, crash-safe and resumable.

Configuration problems (a bad experiment file, a results directory that cannot take the sweep)
end as one line on stderr and exit status 2 before any run starts. A sweep with failed runs
exits 1 after listing them. A sweep stopped part-way (SIGTERM, Ctrl-C, a Dask scheduler that
went away) ends with one line saying how far it got and the command that resumes it: every run
written so far is whole and kept.
"""

from __future__ import annotations

import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from sim.commands import RUN_FAILED_EXIT, echo, fail
from sim.commands.formatting import duration
from sim.commands.limits import Seconds, size_limit, size_limit_options
from sim.config import ConfigError
from sim.results import OutputError
from sim.sizing import shared_limit_hint

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
@click.option(
    "--set", "assignments", multiple=True, metavar="PATH=VALUE",
    help="Override a scenario key in every run, e.g. --set horizon_days=120 (repeatable; added"
    " to the experiment's set:, recorded in the manifest).",
)  # fmt: skip
@click.option(
    "--worlds", type=click.IntRange(min=2),
    help="Sample this many plausible worlds in place of the experiment's uncertainties.worlds"
    " (recorded in the manifest).",
)  # fmt: skip
@click.option("--resume", is_flag=True, help="Complete the sweep already in --out.")
@click.option(
    "--allow-version-change",
    is_flag=True,
    help="With --resume: go on although pdsa or a dependency changed version (recorded).",
)
@click.option("--dry-run", is_flag=True, help="List the runs and estimate the time; run nothing.")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Runs per task (default: auto).")
@click.option(
    "--run-timeout",
    type=Seconds(),
    metavar="SECONDS",
    help="Stop a run after this long and record it as failed (default: the experiment's"
    " run_timeout_seconds, else none).",
)
@size_limit_options
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--plot", is_flag=True, help="Also write the standard charts to DIR/plots.")
def sweep(
    experiment_file: str,
    out_dir: Path,
    workers: int | None,
    scheduler: str | None,
    assignments: tuple[str, ...],
    worlds: int | None,
    resume: bool,
    allow_version_change: bool,
    dry_run: bool,
    chunk_size: int | None,
    run_timeout: float | None,
    max_memory: int | None,
    accept_any_size: bool,
    quiet: bool,
    plot: bool,
) -> None:
    """Run every variant x point x replication of an experiment, crash-safe and resumable."""
    from sim.sweeps import build_plan, load_experiment, run_sweep
    from sim.sweeps.api import check_plan_size
    from sim.sweeps.executors import SchedulerLost, WorkersFailing, default_workers

    concurrent = 1 if scheduler is not None else workers or default_workers()
    limit = size_limit(max_memory, accept_any_size, concurrent)
    shared = max_memory is None and concurrent > 1
    try:
        experiment = load_experiment(experiment_file, assignments=assignments, worlds=worlds)
        plan = build_plan(experiment)
        if shared:
            check_plan_size(experiment, plan, limit, shared_limit_hint(concurrent))
        else:
            check_plan_size(experiment, plan, limit)
    except ConfigError as error:
        fail(error)
    if dry_run:
        dry_run_report(experiment, plan, workers)
        return
    from sim.commands.progress import SweepProgress, is_terminal

    on_progress = None if quiet else SweepProgress(is_terminal())
    resume_hint = resume_command(experiment_file, out_dir, scheduler)
    if scheduler is not None:
        hush_dask()
    try:
        with stopped_by_signals():
            outcome = run_sweep(
                experiment,
                out_dir,
                workers=workers,
                scheduler=scheduler,
                resume=resume,
                chunk=chunk_size,
                on_progress=on_progress,
                max_memory=None,  # checked above
                run_timeout=run_timeout,
                allow_version_change=allow_version_change,
                on_warning=warn,
                plan=plan,
            )
    except ConfigError as error:  # before any run
        fail(error)
    except (OutputError, WorkersFailing) as error:  # runs kept for --resume
        fail(error, RUN_FAILED_EXIT)
    except SchedulerLost as error:
        fail(f"{error}; {progress_words(out_dir, len(plan))}: {resume_hint}", RUN_FAILED_EXIT)
    except Interrupted as stop:
        name = signal.Signals(stop.signum).name
        fail(f"stopped by {name}; {progress_words(out_dir, len(plan))}: {resume_hint}",
             128 + stop.signum)  # fmt: skip
    if plot:
        write_plots(outcome, out_dir, quiet)
    report_outcome(outcome, quiet)


class Interrupted(BaseException):
    """A signal asked the sweep to stop. A BaseException, like KeyboardInterrupt, so that no
    run records it as its own failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` in this process (once: a second signal
    while the workers are being stopped is ignored, so the ending stays one line)."""

    def stop(signum: int, frame: object) -> None:
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {each: signal.signal(each, stop) for each in STOP_SIGNALS}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def progress_words(out_dir: Path, total: int) -> str:
    """``5 of 12 runs written to DIR, whole``: what a stopped sweep leaves behind."""
    from sim.sweeps import store

    done = store.written_runs(out_dir)
    return f"{done} of {total} runs written to {out_dir}, every one whole; resume with"


def resume_command(experiment_file: str, out_dir: Path, scheduler: str | None) -> str:
    """The command that completes the sweep."""
    words = ["pdsa", "sweep", experiment_file, "--out", str(out_dir), "--resume"]
    words += ["--scheduler", scheduler] if scheduler else []
    return " ".join(shlex.quote(w) for w in words)


def hush_dask() -> None:
    """Dask logs a lost scheduler with a traceback on stderr, also from its background tasks
    after the sweep has stopped; the sweep says it in one line instead (this process only)."""
    import logging

    try:
        import distributed  # noqa: F401  (its import sets up the handlers hushed here)
    except ImportError:
        return
    for name in ("distributed", "tornado"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        for handler in logger.handlers:  # child loggers with levels of their own log here
            handler.setLevel(logging.CRITICAL + 1)


def warn(message: str) -> None:
    echo(f"warning: {message}", err=True)


def write_plots(outcome: Any, out_dir: Path, quiet: bool) -> None:
    """The standard charts, when some run succeeded (else the outcome says why there are none)."""
    if not outcome.manifest["counts"]["ok"]:
        return
    from sim.reporting import ResultsError, write_standard_charts

    try:
        written = write_standard_charts(out_dir, out_dir / "plots")
    except (ResultsError, OutputError) as error:
        fail(error, RUN_FAILED_EXIT)
    if not quiet:
        echo(f"wrote {len(written)} charts to {out_dir / 'plots'}")


def dry_run_report(experiment: Any, plan: list[Any], workers: int | None) -> None:
    from sim.config import scenario_from_dict
    from sim.sizing import size_of
    from sim.sweeps.api import twins, unique_scenarios
    from sim.sweeps.estimate import estimate
    from sim.sweeps.executors import default_workers
    from sim.sweeps.plan import skipped_keys

    n_points = len({spec.point_index for spec in plan})
    u = experiment.uncertainties
    worlds = f" ({n_points // u.worlds} grid point(s) x {u.worlds} worlds, {u.design})" if u else ""
    copies = twins(plan)
    copied = f", {len(copies)} of them copies of an identical run" if copies else ""
    echo(
        f"{experiment.name}: {len(experiment.variants)} variants x {n_points} points{worlds}"
        f" x {experiment.replications} replications = {len(plan)} runs{copied}"
    )
    for path, variants in skipped_keys(experiment).items():
        echo(f"  {path}: skipped for {', '.join(variants)} (not a key of their scenario)")
    for spec in plan[:DRY_RUN_LISTED]:
        point = " ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in spec.point.items()
        )
        echo(f"  {spec.run_id}  seed {spec.seed}  {point}".rstrip())
    if len(plan) > DRY_RUN_LISTED:
        echo(f"  ... and {len(plan) - DRY_RUN_LISTED} more")
    sizes = {
        spec.run_id: size_of(scenario_from_dict(spec.scenario)) for spec in unique_scenarios(plan)
    }
    largest = max(sizes, key=lambda rid: sizes[rid].memory_bytes)
    echo(f"size: largest run {largest}: {sizes[largest].describe()}")
    n = workers or default_workers()
    todo = [spec for spec in plan if spec.run_id not in copies]
    calibrated = estimate(todo)
    per_variant = ", ".join(f"{v} {t:.1f} s" for v, t in calibrated.per_run.items())
    echo(f"calibrated on short runs of each variant, seconds per run: {per_variant}")
    echo(
        f"estimate: {duration(calibrated.cpu_seconds)} of runs,"
        f" about {duration(calibrated.wall_seconds(n))} on {n} worker(s)"
    )


def report_outcome(outcome: Any, quiet: bool) -> None:
    counts = outcome.manifest["counts"]
    if not quiet:
        echo(
            f"{counts['ok']}/{counts['total']} runs ok, {counts['failed']} failed;"
            f" wrote {outcome.out_dir}"
        )
    if outcome.failures:
        echo(f"{len(outcome.failures)} run(s) failed:", err=True)
        for failure in outcome.failures:
            echo(f"  {failure['run_id']}: {failure['error']}", err=True)
        sys.exit(RUN_FAILED_EXIT)
