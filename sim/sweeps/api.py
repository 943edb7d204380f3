"""Running a sweep: plan, prepare the results directory, execute, tabulate.

:func:`run_sweep` is what ``pdsa sweep`` calls; :func:`sweep` is the notebook entry point that
returns the runs as a DataFrame. Neither prints: progress goes to an ``on_progress`` callback.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweeps import executors, store
from sim.sweeps.experiment import Experiment, load_experiment
from sim.sweeps.manifest import now, prepare
from sim.sweeps.plan import RunSpec, build_plan
from sim.sweeps.worker import empty_body, header


@dataclass
class Progress:
    """Where a sweep stands; handed to ``on_progress`` after every finished chunk."""

    total: int
    skipped: int = 0
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def eta(self) -> float | None:
        ran, remaining = self.done - self.skipped, self.total - self.done
        return self.elapsed / ran * remaining if ran > 0 else None


@dataclass(frozen=True)
class SweepOutcome:
    runs: pd.DataFrame
    manifest: dict[str, Any]
    out_dir: Path

    @property
    def failures(self) -> list[dict[str, str]]:
        return self.manifest["failures"]


def as_experiment(source: str | Path | Mapping[str, Any] | Experiment) -> Experiment:
    return source if isinstance(source, Experiment) else load_experiment(source)


def run_sweep(
    source: str | Path | Mapping[str, Any] | Experiment,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    chunk: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> SweepOutcome:
    """Run every run of the experiment not yet in ``out_dir``, then write the tables.

    Args:
        source: experiment file, mapping or :class:`Experiment`.
        out_dir: the results directory.
        workers: local processes (default: all cores; 1 runs in this process).
        scheduler: a Dask scheduler address or ``distributed.Client``; overrides ``workers``.
        resume: keep the runs already in ``out_dir`` (refused if the experiment changed).
        chunk: runs per task (default: about four tasks per worker, at most 25 runs).
        on_progress: called with a :class:`Progress` after every chunk.

    Raises:
        ConfigError: a bad experiment, or a results directory that cannot take it; raised
            before any run starts.
    """
    experiment = as_experiment(source)
    plan = build_plan(experiment)
    out = Path(out_dir)
    manifest = prepare(out, experiment, resume)
    kept = {rid for rid, status in store.finished_runs(out).items() if status == "ok"}
    copies = twins(plan)
    todo = [spec for spec in plan if spec.run_id not in kept and spec.run_id not in copies]
    progress = Progress(total=len(plan), skipped=len(plan) - len(todo), done=len(plan) - len(todo))
    execute(todo, out, progress, workers, scheduler, chunk, on_progress)
    write_twins(out, plan, copies, kept)
    return finish(out, experiment, plan, manifest)


def twins(plan: list[RunSpec]) -> dict[str, str]:
    """run_id -> the variant's first run with the same scenario and seed. A variant outside a
    scoped grid, or lacking a grid key, has the same scenario at several points: it is run once
    and its record copied, so every variant still has a run at every point (paired analysis).
    Two variants are never merged, even if identical."""
    first: dict[tuple[str, str, int], str] = {}
    out = {}
    for spec in plan:
        key = (spec.variant, spec.scenario_sha256, spec.seed)
        if key in first:
            out[spec.run_id] = first[key]
        else:
            first[key] = spec.run_id
    return out


def write_twins(out: Path, plan: list[RunSpec], copies: dict[str, str], kept: set[str]) -> None:
    """Each twin's record: its original's results under the twin's own identity."""
    for spec in plan:
        if spec.run_id in copies and spec.run_id not in kept:
            record = store.read_run(out, copies[spec.run_id]) | header(spec)
            store.write_run(out, record)


def execute(
    todo: list[RunSpec],
    out: Path,
    progress: Progress,
    workers: int | None,
    scheduler: Any,
    chunk: int | None,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    by_id = {spec.run_id: spec for spec in todo}

    def on_done(statuses: list[dict[str, Any]]) -> None:
        for status in statuses:
            if not store.run_path(out, status["run_id"]).exists():  # lost with its worker
                record = header(by_id[status["run_id"]])
                store.write_run(out, record | empty_body(status["error"], 0.0))
            progress.done += 1
            progress.failed += status["status"] != "ok"
        if on_progress is not None:
            on_progress(progress)

    if on_progress is not None:
        on_progress(progress)
    n = workers or executors.default_workers()
    if scheduler is not None:
        size = chunk or executors.chunk_size(len(todo), n)
        executors.run_dask(todo, out, on_done, scheduler, size)
    elif n <= 1 or len(todo) <= 1:
        executors.run_serial(todo, out, on_done)
    else:
        size = chunk or executors.chunk_size(len(todo), n)
        executors.run_processes(todo, out, on_done, min(n, len(todo)), size)


def finish(out: Path, experiment: Experiment, plan: list[RunSpec], manifest: dict) -> SweepOutcome:
    records = [store.read_run(out, spec.run_id) for spec in plan]
    runs = store.write_tables(out, records, experiment.factors, experiment.uncertainty_names)
    failures = [
        {"run_id": r["run_id"], "error": r["error"]} for r in records if r["status"] != "ok"
    ]
    manifest = manifest | {
        "finished": now(),
        "counts": {"total": len(plan), "ok": len(plan) - len(failures), "failed": len(failures)},
        "failures": failures,
    }
    store.write_manifest(out, manifest)
    return SweepOutcome(runs=runs, manifest=manifest, out_dir=out)


def sweep(
    experiment: str | Path | Mapping[str, Any] | Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
) -> pd.DataFrame:
    """Run an experiment and return its runs (one row per run), for notebooks.

    Args:
        experiment: an experiment file, its mapping, or a loaded :class:`Experiment`.
        out: results directory to keep; by default a temporary one, removed afterwards.
        workers: local processes (default: all cores); scheduler: a Dask address or Client.
        resume: complete the sweep already in ``out``.
    """
    if out is not None:
        return run_sweep(experiment, out, workers=workers, scheduler=scheduler, resume=resume).runs
    folder = tempfile.mkdtemp(prefix="pdsa-sweep-")
    try:
        return run_sweep(experiment, folder, workers=workers, scheduler=scheduler).runs
    finally:
        shutil.rmtree(folder, ignore_errors=True)
