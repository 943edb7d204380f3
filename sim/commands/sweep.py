"""``pdsa sweep``, ``pdsa compare``, ``pdsa rerun`` and ``pdsa sensitivity``.

Configuration problems (a bad experiment file, a results directory that cannot take the sweep)
end as one line on stderr and exit status 2 before any run starts. A sweep with failed runs
exits 1 after listing them.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim.commands import RUN_FAILED_EXIT, fail
from sim.config import ConfigError

FORMATS = ("table", "csv", "json", "markdown")
DRY_RUN_LISTED = 40


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressPrinter:
    """A bar redrawn in place on a terminal; a plain line at most every few seconds otherwise."""

    WIDTH = 30
    PLAIN_EVERY_SECONDS = 5.0

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.last_line = 0.0

    def __call__(self, progress: Any) -> None:
        text = (
            f"{progress.done}/{progress.total} runs  {progress.failed} failed"
            f"  elapsed {duration(progress.elapsed)}  ETA {duration(progress.eta)}"
        )
        if self.tty:
            filled = int(self.WIDTH * progress.done / max(1, progress.total))
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if progress.done == progress.total else ""
            click.echo(f"\r[{bar}] {text}", nl=False, err=True)
            click.echo(end, nl=False, err=True)
            return
        finished = progress.done == progress.total
        if finished or time.monotonic() - self.last_line >= self.PLAIN_EVERY_SECONDS:
            self.last_line = time.monotonic()
            click.echo(text, err=True)


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
    on_progress = None if quiet else ProgressPrinter(sys.stderr.isatty())
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
    from sim.sweeps.api import calibrate, estimate_seconds
    from sim.sweeps.executors import default_workers

    n_points = len({spec.point_index for spec in plan})
    click.echo(
        f"{experiment.name}: {len(experiment.variants)} variants x {n_points} points"
        f" x {experiment.replications} replications = {len(plan)} runs"
    )
    for spec in plan[:DRY_RUN_LISTED]:
        point = " ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in spec.point.items()
        )
        click.echo(f"  {spec.run_id}  seed {spec.seed}  {point}".rstrip())
    if len(plan) > DRY_RUN_LISTED:
        click.echo(f"  ... and {len(plan) - DRY_RUN_LISTED} more")
    per_run = calibrate(plan[0])
    n = workers or default_workers()
    total = estimate_seconds(per_run, len(plan), n)
    click.echo(
        f"estimate: about {per_run:.2f} s per run (calibrated on a short run of {plan[0].run_id}),"
        f" {duration(per_run * len(plan))} of CPU, about {duration(total)} on {n} worker(s)"
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


# --- reading a results directory ---------------------------------------------------------------


def read_results(out_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    manifest_path, runs_path = out_dir / "manifest.json", out_dir / "runs.parquet"
    if not manifest_path.is_file() or not runs_path.is_file():
        fail(ConfigError(str(out_dir), "", "no finished sweep here (manifest.json, runs.parquet)"))
    return pd.read_parquet(runs_path), json.loads(manifest_path.read_text(encoding="utf-8"))


def checked_metrics(runs: pd.DataFrame, metrics: tuple[str, ...], out_dir: Path) -> list[str]:
    from sim.analysis import default_metrics
    from sim.config.errors import unknown_key_message

    known = [c for c in runs.columns if pd.api.types.is_float_dtype(runs[c])]
    for metric in metrics:
        if metric not in known:
            message = unknown_key_message(metric, known).replace("key", "metric")
            fail(ConfigError(str(out_dir), "--metric", message))
    return list(metrics) or default_metrics(runs)


def emit(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", indent=2, double_precision=15))
    elif fmt == "markdown":
        click.echo(markdown(frame))
    else:
        click.echo(frame.to_string(index=False))


def markdown(frame: pd.DataFrame) -> str:
    from sim.cli import format_value

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + "|".join("---" for _ in frame.columns) + "|")
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(format_value(v) for v in row) + " |")
    return "\n".join(lines)


# --- compare ----------------------------------------------------------------------------------


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
    summary = summarise(runs, names)
    diffs = paired_differences(runs, baseline, names)
    table = comparison_table(summary, diffs, winners(runs, names))
    if fmt == "table":
        click.echo(human_table(table, baseline))
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


def human_table(table: pd.DataFrame, baseline: str) -> str:
    from sim.cli import format_table, format_value

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
                rows.append(
                    [
                        metric,
                        row.variant,
                        str(row.n),
                        with_interval(row.mean, row.ci_low, row.ci_high, format_value),
                        diff,
                    ]
                )
            first = group.iloc[0]
            verdict = f"winner: {first.winner}" if isinstance(first.winner, str) else first.note
            rows.append(["", f"({first.better} is better)", "", "", verdict])
        headers = ["metric", "variant", "n", "mean [95% CI]", f"vs {baseline} [95% CI]"]
        blocks.append(f"point {point}\n" + format_table(headers, rows))
    return "\n\n".join(blocks) + "\n* paired difference significant at 95 %"


def with_interval(mean: float, low: float, high: float, fmt: Any) -> str:
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


# --- rerun ------------------------------------------------------------------------------------


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_id")
def rerun(out_dir: Path, run_id: str) -> None:
    """Run one run of a sweep again and check its metrics match the stored ones."""
    from sim.sweeps.api import rerun as rerun_one

    try:
        stored, fresh, differ = rerun_one(out_dir, run_id)
    except ConfigError as error:
        fail(error)
    if fresh["status"] != stored["status"]:
        click.echo(
            f"{run_id}: status {fresh['status']} now, {stored['status']} stored ({fresh['error']})"
        )
        sys.exit(RUN_FAILED_EXIT)
    if differ:
        click.echo(f"{run_id}: {len(differ)} metric(s) differ from the stored run:")
        for name in differ:
            before, after = stored["metrics"].get(name), fresh["metrics"].get(name)
            click.echo(f"  {name}: stored {before!r}, now {after!r}")
        sys.exit(RUN_FAILED_EXIT)
    what = "all metrics" if fresh["status"] == "ok" else f"the same failure ({fresh['error']})"
    click.echo(f"{run_id}: seed {fresh['seed']}, {what} match the stored run exactly")


# --- sensitivity ------------------------------------------------------------------------------


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--metric", "metrics", multiple=True, help="Metric to analyse (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def sensitivity(out_dir: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Sobol (first-order, total) or Morris indices of each metric per sampled parameter."""
    from sim.analysis import sensitivity as indices
    from sim.sweeps.api import plan_for_rerun
    from sim.sweeps.design import grid_points
    from sim.sweeps.experiment import SENSITIVITY_METHODS

    runs, _ = read_results(out_dir)
    try:
        experiment, _ = plan_for_rerun(out_dir)
    except ConfigError as error:
        fail(error)
    sample = experiment.sample
    if sample is None or sample.method not in SENSITIVITY_METHODS:
        method = sample.method if sample else "none"
        message = f"needs an experiment with sample method sobol or morris, this one has {method}"
        fail(ConfigError(str(out_dir), "sample.method", message))
    names = checked_metrics(runs, metrics, out_dir)
    table = indices(runs, sample.method, sample.ranges, len(grid_points(experiment.grid)), names)
    emit(table, fmt)
