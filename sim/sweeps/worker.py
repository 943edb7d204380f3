"""What runs in a worker: a chunk of runs, each one turned into its results record.

These are top-level functions so that spawned processes and Dask workers can import them
(``import mesa`` makes multiprocessing spawn). A run that raises, or outlives its time limit,
becomes a ``failed`` record naming the cause; it never stops the chunk.
"""

from __future__ import annotations

import ctypes
import functools
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweeps.plan import RunSpec
from sim.sweeps.store import write_run


class RunTimeout(Exception):
    """A run stopped at its time limit (``--run-timeout``, ``run_timeout_seconds``)."""


def run_chunk(
    specs: list[RunSpec], out_dir: str | None = None, timeout: float | None = None
) -> list[dict[str, Any]]:
    """Run every spec; write each record under ``out_dir`` as soon as it exists, and under
    each of the spec's twins (a copy in the worker costs a write; in the parent, after the
    runs, a read and a write on one core).

    Returns:
        With ``out_dir``, one short status per run (run_id, status, error, wall_seconds, and
        the twins written with it: ``RunSpec.twins``); with None (the Dask case: workers may
        not share the filesystem), the full records, the twins left to the caller.
    """
    out: list[dict[str, Any]] = []
    for spec in specs:
        record = run_record(spec, timeout)
        if out_dir is None:
            out.append(record)
        else:
            write_run(Path(out_dir), record)
            for identity in spec.twins:
                write_run(Path(out_dir), record | identity)
            out.append(status_of(record) | {"twins": [t["run_id"] for t in spec.twins]})
    return out


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`RunTimeout` in this thread once ``seconds`` have passed.

    The main thread (``--workers 1``, each process of a pool) uses a real-time timer signal;
    any other thread (a Dask worker's) is interrupted by an exception set on it from a timer
    thread. Either way the exception arrives between Python instructions: a single numpy
    call finishes first.
    """
    if seconds is None:
        yield
    elif threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM"):
        with _alarm(seconds):
            yield
    else:
        with _thread_timer(seconds):
            yield


def _stopped(seconds: float) -> RunTimeout:
    return RunTimeout(f"stopped after {seconds:g} s, the run time limit")


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def on_alarm(signum: int, frame: Any) -> None:
        raise _stopped(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _thread_timer(seconds: float) -> Iterator[None]:
    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def interrupt() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, ctypes.py_object(RunTimeout))

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except RunTimeout:
        raise _stopped(seconds) from None  # the async exception carries no message
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["fired"]:  # fired as the run ended: drop it if not yet raised
                ctypes.pythonapi.PyThreadState_SetAsyncExc(target, None)


def status_of(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("run_id", "status", "error", "wall_seconds")}


@functools.cache
def warmed_up() -> None:
    """Once per process, before the first run held to a time limit: the compiled kernels
    loaded, so that loading them (about half a second) does not count against that run."""
    from sim.runner import warm_up

    warm_up()


def run_record(spec: RunSpec, timeout: float | None = None) -> dict[str, Any]:
    """The record of one run (the content of ``runs/<run_id>.json``)."""
    from sim.config import scenario_from_dict
    from sim.runner import run_one

    if timeout is not None:
        warmed_up()
    started = time.perf_counter()
    record = header(spec)
    try:
        with time_limit(timeout):
            result = run_one(scenario_from_dict(spec.scenario), spec.seed)
    except Exception as exc:  # a failed run is data; the sweep goes on
        error = f"{type(exc).__name__}: {exc}"
        return record | empty_body(error, time.perf_counter() - started)
    return record | {
        "status": "ok",
        "error": None,
        "metrics": result.scalar_metrics(),
        "by_region": result.by_region,
        "by_kind": result.by_kind,
        "counts": result.counts,
        "wall_seconds": result.wall_seconds,
        "timeseries": columns_of(result.timeseries),
        "visibility_curve": columns_of(result.visibility_curve),
        "outages": columns_of(result.outages),
        "daily": columns_of(result.daily),
    }


def header(spec: RunSpec) -> dict[str, Any]:
    """The run's identity; a run in a sampled world also names the world and its values."""
    world = (
        {"world": spec.world, "world_values": spec.world_values} if spec.world is not None else {}
    )
    return {
        "run_id": spec.run_id,
        "variant": spec.variant,
        "point_id": spec.point_id,
        "point": spec.point,
        "replication": spec.replication,
        "seed": spec.seed,
        "scenario_sha256": spec.scenario_sha256,
    } | world


def empty_body(error: str, wall_seconds: float) -> dict[str, Any]:
    return {
        "status": "failed",
        "error": error,
        "metrics": {},
        "by_region": {},
        "by_kind": {},
        "counts": {},
        "wall_seconds": wall_seconds,
        "timeseries": {},
        "visibility_curve": {},
        "outages": {},
        "daily": {},
    }


def columns_of(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A table as {column: values}, plain Python values (floats keep every bit): written and
    read back much faster than a list of rows, which repeats every column name."""
    return {name: frame[name].tolist() for name in frame.columns}
