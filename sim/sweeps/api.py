"""Running a sweep: plan, prepare the results directory, execute, tabulate.

:func:`run_sweep` is what ``pdsa sweep`` calls; :func:`sweep` is the notebook entry point that
returns the runs as a DataFrame. Neither prints: progress goes to an ``on_progress`` callback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.config import ConfigError, scenario_from_dict
from sim.sizing import HOW_TO_PROCEED, check_size, default_max_memory, shared_limit_hint
from sim.sweeps import executors, store
from sim.sweeps.conversion import written_chunks
from sim.sweeps.experiment import Experiment, load_experiment
from sim.sweeps.lock import sweep_lock
from sim.sweeps.manifest import now, prepare
from sim.sweeps.plan import RunSpec, build_plan
from sim.sweeps.worker import header


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
    max_memory: float | Literal["auto"] | None = "auto",
    run_timeout: float | None = None,
    allow_version_change: bool = False,
    on_warning: Callable[[str], None] | None = None,
    plan: list[RunSpec] | None = None,
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
        max_memory: refuse the sweep if a run's estimated peak memory is above this many
            bytes (:mod:`sim.sizing`); "auto": 80 % of this machine's memory shared by the
            local workers; None accepts any size.
        run_timeout: seconds after which a run is stopped and recorded as failed (default:
            the experiment's ``run_timeout_seconds``, else no limit).
        allow_version_change: resume a sweep started by another version of pdsa or of its
            dependencies (recorded in the manifest).
        on_warning: called with a line for each thing worth knowing that does not stop the
            sweep (a corrupt run file moved aside, a worker that died).
        plan: ``build_plan`` of this experiment, when the caller has it (planning the
            robustness experiment takes about 10 s).

    Raises:
        ConfigError: a bad experiment, a run too large, or a results directory that cannot
            take it (another sweep holds it, another version started it...); raised before
            any run starts.
        OutputError: the results directory cannot be written.
    """
    experiment = as_experiment(source)
    plan = build_plan(experiment) if plan is None else plan
    local = 1 if scheduler is not None else workers or executors.default_workers()
    if max_memory == "auto":
        max_memory = default_max_memory(local)
        check_plan_size(experiment, plan, max_memory, shared_limit_hint(local))
    else:
        check_plan_size(experiment, plan, max_memory)
    out = Path(out_dir)
    timeout = run_timeout if run_timeout is not None else experiment.run_timeout_seconds
    with sweep_lock(out):
        manifest = prepare(out, experiment, resume, allow_version_change, on_warning)
        kept = {
            rid for rid, status in store.finished_runs(out, on_warning).items() if status == "ok"
        }
        copies = twins(plan)
        todo = [spec for spec in plan if spec.run_id not in kept and spec.run_id not in copies]
        skipped = len(plan) - len(todo)
        progress = Progress(total=len(plan), skipped=skipped, done=skipped)
        written = execute(
            with_twins(todo, plan, copies, kept),
            out,
            progress,
            Execution(workers, scheduler, chunk, timeout),
            on_progress,
            on_warning,
        )
        write_twins(out, plan, copies, kept | written)
        return finish(out, experiment, plan, manifest, local)


def check_plan_size(
    experiment: Experiment, plan: list[RunSpec], limit: float | None, hint: str = HOW_TO_PROCEED
) -> None:
    """Refuse the sweep, before anything is written, if one of its runs is too large."""
    if limit is None:
        return
    for spec in unique_scenarios(plan):
        try:
            check_size(scenario_from_dict(spec.scenario), limit, hint=hint)
        except ConfigError as exc:
            raise ConfigError(
                experiment.file, f"variants.{spec.variant}", f"{spec.run_id}: {exc.message}"
            ) from None


def unique_scenarios(plan: list[RunSpec]) -> list[RunSpec]:
    """One spec per distinct scenario of each variant: replications share theirs, and so do a
    variant's twins at the grid values outside its scope (``twins``)."""
    first: dict[tuple[str, str], RunSpec] = {}
    for spec in plan:
        first.setdefault((spec.variant, spec.scenario_sha256), spec)
    return list(first.values())


@dataclass(frozen=True)
class Execution:
    """How runs are executed: where, in chunks of how many, for how long at most."""

    workers: int | None = None
    scheduler: Any = None
    chunk: int | None = None
    timeout: float | None = None


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


def with_twins(
    todo: list[RunSpec], plan: list[RunSpec], copies: dict[str, str], kept: set[str]
) -> list[RunSpec]:
    """``todo``, each run carrying the identities of its twins not yet written, for the
    worker to write its record under them too."""
    unwritten = twins_to_write(plan, copies, kept)
    return [
        dataclasses.replace(spec, twins=tuple(header(t) for t in unwritten.get(spec.run_id, ())))
        for spec in todo
    ]


def twins_to_write(
    plan: list[RunSpec], copies: dict[str, str], kept: set[str]
) -> dict[str, list[RunSpec]]:
    """Per original run, its twins not in ``kept`` (those already written)."""
    out: dict[str, list[RunSpec]] = {}
    for spec in plan:
        if spec.run_id in copies and spec.run_id not in kept:
            out.setdefault(copies[spec.run_id], []).append(spec)
    return out


def write_twins(out: Path, plan: list[RunSpec], copies: dict[str, str], kept: set[str]) -> None:
    """Each twin's record not written yet (``kept``: those already written): its original's
    results under the twin's own identity (an original read once for all its twins). The
    workers write most (``with_twins``); this writes those of runs done on Dask, of runs a
    dead worker lost, and of originals kept from an earlier sweep."""
    for original, specs in twins_to_write(plan, copies, kept).items():
        record = store.read_run(out, original)
        for spec in specs:
            store.write_run(out, record | header(spec))


def execute(
    todo: list[RunSpec],
    out: Path,
    progress: Progress,
    how: Execution,
    on_progress: Callable[[Progress], None] | None,
    on_warning: Callable[[str], None] | None = None,
) -> set[str]:
    """Run ``todo``; the twins the workers wrote (``RunSpec.twins``)."""
    written: set[str] = set()

    def on_done(statuses: list[dict[str, Any]]) -> None:
        for status in statuses:
            progress.done += 1
            progress.failed += status["status"] != "ok"
            written.update(status.get("twins", ()))
        if on_progress is not None:
            on_progress(progress)

    if on_progress is not None:
        on_progress(progress)
    n = how.workers or executors.default_workers()
    todo, group = by_world(todo)
    size = how.chunk or executors.chunk_size(len(todo), n)
    size = group * max(1, round(size / group)) if not how.chunk else size
    if how.scheduler is not None:
        executors.run_dask(todo, out, on_done, how.scheduler, size, how.timeout)
    elif n <= 1 or len(todo) <= 1:
        executors.run_serial(todo, out, on_done, how.timeout)
    else:
        workers = min(n, len(todo))
        executors.run_processes(todo, out, on_done, workers, size, how.timeout, on_warning)
    return written


def by_world(todo: list[RunSpec]) -> tuple[list[RunSpec], int]:
    """The runs one world after another (its seed and sampled values: every variant of a
    replication of a world), and how many runs a world has at most: a worker given a world's
    runs in turn draws its records and searches once (``sim.builder.Draws``); results do not
    depend on the order."""
    key = {id(spec): (spec.world or 0, spec.replication, spec.seed) for spec in todo}
    ordered = sorted(todo, key=lambda spec: key[id(spec)])
    sizes: dict[tuple[int, int, int], int] = {}
    for spec in ordered:
        sizes[key[id(spec)]] = sizes.get(key[id(spec)], 0) + 1
    return ordered, max(sizes.values(), default=1)


def finish(
    out: Path, experiment: Experiment, plan: list[RunSpec], manifest: dict, processes: int = 1
) -> SweepOutcome:
    """Write the tables from the run records (read once, a chunk at a time, by ``processes``
    processes) and the manifest's counts and failures."""
    run_ids = [spec.run_id for spec in plan]
    with contextlib.closing(written_chunks(out, run_ids, processes)) as parts:
        runs = store.write_chunked(out, parts, experiment.factors, experiment.uncertainty_keys)
    failed = runs[runs["status"] != "ok"]
    failures = [
        {"run_id": rid, "error": error}
        for rid, error in zip(failed["run_id"], failed["error"], strict=True)
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
