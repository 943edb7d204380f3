"""What runs in a worker: a chunk of runs, each one turned into its results record.

These are top-level functions so that spawned processes and Dask workers can import them
(``import mesa`` makes multiprocessing spawn). A run that raises becomes a ``failed`` record;
it never stops the chunk.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim.sweeps.plan import RunSpec
from sim.sweeps.store import write_run


def run_chunk(specs: list[RunSpec], out_dir: str | None = None) -> list[dict[str, Any]]:
    """Run every spec; write each record under ``out_dir`` as soon as it exists.

    Returns:
        With ``out_dir``, one short status per run (run_id, status, error, wall_seconds); with
        None (the Dask case: workers may not share the filesystem), the full records.
    """
    out: list[dict[str, Any]] = []
    for spec in specs:
        record = run_record(spec)
        if out_dir is None:
            out.append(record)
        else:
            write_run(Path(out_dir), record)
            out.append(status_of(record))
    return out


def status_of(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("run_id", "status", "error", "wall_seconds")}


def run_record(spec: RunSpec) -> dict[str, Any]:
    """The record of one run (the content of ``runs/<run_id>.json``)."""
    from sim.config import scenario_from_dict
    from sim.runner import run_one

    started = time.perf_counter()
    record = header(spec)
    try:
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
    }


def columns_of(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """A table as {column: values}, plain Python values (floats keep every bit): written and
    read back much faster than a list of rows, which repeats every column name."""
    return {name: frame[name].tolist() for name in frame.columns}
