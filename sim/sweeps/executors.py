"""Executors: who runs the chunks of a sweep. Serial (in this process), a pool of local
processes, or a Dask distributed cluster.

Each calls :func:`sim.sweeps.worker.run_chunk` and reports each chunk's run statuses through
``on_done`` as it completes, in whatever order chunks finish. Results never depend on the
executor: a run's record is a function of its spec alone.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from sim.sweeps.plan import RunSpec
from sim.sweeps.store import write_run
from sim.sweeps.worker import run_chunk, status_of

OnDone = Callable[[list[dict[str, Any]]], None]

TASKS_PER_WORKER = 4
"""Chunks per worker: enough to balance the load, few enough to keep per-task costs small."""
MAX_CHUNK = 25


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def chunk_size(n_runs: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(n_runs / (workers * TASKS_PER_WORKER))))


def chunks(specs: Sequence[RunSpec], size: int) -> list[list[RunSpec]]:
    return [list(specs[i : i + size]) for i in range(0, len(specs), size)]


def failed_statuses(chunk: Sequence[RunSpec], error: BaseException) -> list[dict[str, Any]]:
    """A chunk lost with its worker: every run in it failed (``--resume`` retries them)."""
    message = f"worker lost: {type(error).__name__}: {error}"
    return [
        {"run_id": s.run_id, "status": "failed", "error": message, "wall_seconds": 0.0}
        for s in chunk
    ]


def run_serial(specs: Sequence[RunSpec], out_dir: Path, on_done: OnDone) -> None:
    """One run at a time in this process; progress after every run."""
    for spec in specs:
        on_done(run_chunk([spec], str(out_dir)))


def run_processes(
    specs: Sequence[RunSpec], out_dir: Path, on_done: OnDone, workers: int, size: int
) -> None:
    """Chunks in a pool of spawned processes; each worker writes its run files itself."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = {pool.submit(run_chunk, c, str(out_dir)): c for c in chunks(specs, size)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk = pending.pop(future)
                error = future.exception()
                on_done(failed_statuses(chunk, error) if error else future.result())


def run_dask(
    specs: Sequence[RunSpec], out_dir: Path, on_done: OnDone, scheduler: Any, size: int
) -> None:
    """Chunks on a Dask cluster (an address or a ``Client``); this process writes the files,
    since the workers may not share its filesystem."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("Dask is not installed: pip install 'pdsa[dask]'") from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(run_chunk, c, None, pure=False): c for c in chunks(specs, size)}
        for future in as_completed(futures):
            on_done(dask_statuses(future, futures[future], out_dir))
    finally:
        if client is not scheduler:
            client.close()


def dask_statuses(future: Any, chunk: Sequence[RunSpec], out_dir: Path) -> list[dict[str, Any]]:
    try:
        records = future.result()
    except Exception as error:  # a lost worker or a broken task
        return failed_statuses(chunk, error)
    for record in records:
        write_run(out_dir, record)
    return [status_of(r) for r in records]
