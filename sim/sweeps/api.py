"""Running a sweep: plan, prepare the results directory, execute, tabulate.

:func:`run_sweep` is what ``pdsa sweep`` calls; :func:`sweep` is the notebook entry point that
returns the runs as a DataFrame. Neither prints: progress goes to an ``on_progress`` callback.
"""

from __future__ import annotations

import math
import platform
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.config import ConfigError, resolved_dict, scenario_from_dict, scenario_sha256
from sim.sweeps import executors, store
from sim.sweeps.experiment import Experiment, load_experiment
from sim.sweeps.plan import RunSpec, build_plan
from sim.sweeps.worker import empty_body, header, run_record

DEPENDENCIES = (
    "mesa",
    "simpy",
    "numpy",
    "pandas",
    "scipy",
    "pydantic",
    "pyarrow",
    "SALib",
    "dask",
    "distributed",
)


class ResultsDirError(ConfigError):
    """A results directory that cannot take this sweep (exit status 2, like a bad file)."""


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
    todo = [spec for spec in plan if spec.run_id not in kept]
    progress = Progress(total=len(plan), skipped=len(plan) - len(todo), done=len(plan) - len(todo))
    execute(todo, out, progress, workers, scheduler, chunk, on_progress)
    return finish(out, experiment, plan, manifest)


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


def prepare(out: Path, experiment: Experiment, resume: bool) -> dict[str, Any]:
    """Check ``out`` can take this sweep; write the experiment copy and a first manifest."""
    previous = store.read_manifest(out)
    holds_runs = bool(store.finished_runs(out))
    manifest = new_manifest(experiment)
    if previous is None and holds_runs:
        raise ResultsDirError(str(out), "", "holds runs but no manifest.json; use another --out")
    if previous is not None and not resume:
        message = "already holds a sweep; use --resume to complete it, or another --out"
        raise ResultsDirError(str(out), "", message)
    if previous is not None:
        check_same(out, previous, manifest)
        manifest["started"] = previous["started"]
    out.mkdir(parents=True, exist_ok=True)
    store.remove_partial_files(out)
    store.write_atomic(out / "experiment.yaml", experiment_text(experiment).encode())
    store.write_manifest(out, manifest)
    return manifest


def check_same(out: Path, previous: Mapping[str, Any], manifest: Mapping[str, Any]) -> None:
    for key, what in (("experiment_sha256", "experiment"), ("scenario_sha256", "scenario")):
        if previous.get(key) != manifest[key]:
            message = (
                f"the {what} changed since this sweep started ({key} {str(previous.get(key))[:12]}"
                f" -> {manifest[key][:12]}); refusing to mix results: use another --out"
            )
            raise ResultsDirError(str(out), "", message)


def experiment_text(experiment: Experiment) -> str:
    if experiment.file is not None:
        return Path(experiment.file).read_text(encoding="utf-8")
    return yaml.safe_dump(experiment.raw, sort_keys=False)


def new_manifest(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment": experiment.name,
        "experiment_file": str(Path(experiment.file).resolve()) if experiment.file else None,
        "experiment_sha256": experiment.sha256,
        "scenario_file": experiment.scenario_file,
        "scenario_sha256": scenario_sha256(experiment.base),
        "scenario": resolved_dict(experiment.base),
        "variants": list(experiment.variants),
        "baseline": experiment.baseline,
        "factors": experiment.factors,
        "sample_method": experiment.sample.method if experiment.sample else None,
        "replications": experiment.replications,
        "seed": experiment.seed,
        "version": package_version("pdsa"),
        "python": platform.python_version(),
        "dependencies": {name: package_version(name) for name in DEPENDENCIES},
        "started": now(),
        "finished": None,
        "counts": None,
        "failures": [],
    }


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def finish(out: Path, experiment: Experiment, plan: list[RunSpec], manifest: dict) -> SweepOutcome:
    records = [store.read_run(out, spec.run_id) for spec in plan]
    runs = store.write_tables(out, records, experiment.factors)
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


# --- dry run and rerun ----------------------------------------------------------------------

CALIBRATION_SHARES = (0.05, 0.1)


def calibrate(spec: RunSpec) -> float:
    """Estimated seconds of one full run, extrapolated linearly in the horizon from runs of
    5 % and 10 % of it (after one untimed run that pays for imports and caches)."""
    times = [timed_share(spec, share) for share in (CALIBRATION_SHARES[0], *CALIBRATION_SHARES)]
    (a, b), (t_a, t_b) = CALIBRATION_SHARES, times[1:]
    slope = max(0.0, (t_b - t_a) / (b - a))
    return t_b + slope * (1 - b)


def timed_share(spec: RunSpec, share: float) -> float:
    full = scenario_from_dict(spec.scenario)
    raw = dict(spec.scenario)
    raw |= {"horizon_days": full.horizon_days * share, "warmup_days": full.warmup_days * share}
    started = time.perf_counter()
    run_record(RunSpec(**{**spec.__dict__, "scenario": raw}))
    return time.perf_counter() - started


def estimate_seconds(per_run: float, n_runs: int, workers: int) -> float:
    return per_run * math.ceil(n_runs / max(1, workers))


def plan_for_rerun(out_dir: str | Path) -> tuple[Experiment, list[RunSpec]]:
    """The experiment and plan of a results directory, from its own copy and manifest."""
    out = Path(out_dir)
    manifest = store.read_manifest(out)
    if manifest is None:
        raise ResultsDirError(str(out), "", "no manifest.json here; is it a sweep's --out?")
    experiment = load_experiment(out / "experiment.yaml", base_raw=manifest["scenario"])
    return experiment, build_plan(experiment)


def rerun(out_dir: str | Path, run_id: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Run ``run_id`` again: (stored record, new record, names of metrics that differ)."""
    out = Path(out_dir)
    _, plan = plan_for_rerun(out)
    spec = next((s for s in plan if s.run_id == run_id), None)
    if spec is None or not store.run_path(out, run_id).exists():
        from sim.config.errors import closest

        guess = closest(run_id, [s.run_id for s in plan])
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise ResultsDirError(str(out), run_id, f"no such run in this sweep{hint}")
    stored, fresh = store.read_run(out, run_id), run_record(spec)
    fresh_metrics = fresh["metrics"]
    names = sorted(set(stored["metrics"]) | set(fresh_metrics))
    differ = [m for m in names if not same(stored["metrics"].get(m), fresh_metrics.get(m))]
    return stored, fresh, differ


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit, None (stored NaN) matching NaN."""

    def norm(x: Any) -> Any:
        return None if isinstance(x, float) and math.isnan(x) else x

    return norm(a) == norm(b)
