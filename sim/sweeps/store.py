"""The results directory of a sweep: one JSON file per finished run, tables at the end.

Layout (read by ``pdsa compare``, ``pdsa plot`` and ``pdsa report``)::

    DIR/experiment.yaml        copy of the experiment file
    DIR/manifest.json          hashes, versions, times, counts, failures
    DIR/runs/<run_id>.json     one per finished run, written atomically
    DIR/runs.csv, runs.parquet one row per run: ids, factor values, seed, status, metrics
    DIR/timeseries.parquet     daily series of every run
    DIR/visibility.parquet     visibility curve of every run
    DIR/by_region.parquet      metrics by INTERPOL region of every run
    DIR/outages.parquet        down periods of every run

Every file is written through a temporary file and ``os.replace``: killed at any moment, even
with SIGKILL, the directory holds whole files only.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import ConfigError
from sim.results import json_safe, write_atomic, write_json_atomic

RUNS = "runs"
MANIFEST = "manifest.json"
ID_COLUMNS = ("run_id", "variant", "point_id")


class ResultsDirError(ConfigError):
    """A results directory that cannot take a sweep, or holds no finished one (exit status 2,
    like a bad file)."""


def run_path(out_dir: Path, run_id: str) -> Path:
    return out_dir / RUNS / f"{run_id}.json"


def write_run(out_dir: Path, record: dict[str, Any]) -> None:
    """Compact JSON: a run holds thousands of series rows, and indenting them costs time."""
    text = json.dumps(json_safe(record), allow_nan=False, separators=(",", ":"))
    write_atomic(run_path(out_dir, record["run_id"]), text.encode())


def read_run(out_dir: Path, run_id: str) -> dict[str, Any]:
    return json.loads(run_path(out_dir, run_id).read_text(encoding="utf-8"))


def finished_runs(out_dir: Path) -> dict[str, str]:
    """run_id -> status of every run file in the directory."""
    folder = out_dir / RUNS
    if not folder.is_dir():
        return {}
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8"))["status"] for p in folder.glob("*.json")
    }


def remove_partial_files(out_dir: Path) -> None:
    """Delete temporary files a killed writer left behind (never a finished file)."""
    for folder in (out_dir, out_dir / RUNS):
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    write_json_atomic(out_dir / MANIFEST, manifest)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_atomic(path, buffer.getvalue())


def write_tables(
    out_dir: Path,
    records: Sequence[dict[str, Any]],
    factors: Sequence[str],
    uncertainties: Sequence[str] = (),
) -> pd.DataFrame:
    """Write runs.csv/.parquet and the long tables from the run records; return the runs."""
    runs = runs_frame(records, factors, uncertainties)
    write_atomic(out_dir / "runs.csv", runs.to_csv(index=False).encode())
    write_parquet(out_dir / "runs.parquet", runs)
    write_parquet(out_dir / "timeseries.parquet", long_frame(records, "timeseries"))
    write_parquet(out_dir / "visibility.parquet", long_frame(records, "visibility_curve"))
    write_parquet(out_dir / "outages.parquet", long_frame(records, "outages"))
    write_parquet(out_dir / "by_region.parquet", by_region_frame(records))
    return runs


def runs_frame(
    records: Sequence[dict[str, Any]], factors: Sequence[str], uncertainties: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per run: ids, factor values, (with uncertainties: the world and each
    uncertainty's value in it), replication, seed, status, error, wall time, metrics."""
    rows = []
    for r in records:
        row = {k: r[k] for k in ID_COLUMNS}
        row |= {path: r["point"].get(path) for path in factors}
        if uncertainties:
            row |= {"world": r.get("world")}
            row |= {name: r.get("world_values", {}).get(name) for name in uncertainties}
        row |= {k: r[k] for k in ("replication", "seed", "status", "error", "wall_seconds")}
        rows.append(row | {"metrics": r["metrics"]})
    metric_names = ordered_union(r["metrics"] for r in records)
    frame = pd.DataFrame([{k: v for k, v in row.items() if k != "metrics"} for row in rows])
    metrics = pd.DataFrame(
        [[row["metrics"].get(m) for m in metric_names] for row in rows],
        columns=metric_names,
        dtype=float,
    )
    return pd.concat([frame, metrics], axis=1)


def ordered_union(dicts: Iterable[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for d in dicts:
        names |= dict.fromkeys(d)
    return list(names)


def key_columns(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in (*ID_COLUMNS, "replication")}


def long_frame(records: Sequence[dict[str, Any]], field: str) -> pd.DataFrame:
    """The per-run table ``field`` (stored by column) of every run, keyed by run_id, variant,
    point and replication."""
    keys = [*ID_COLUMNS, "replication"]
    frames = [pd.DataFrame(r[field]).assign(**key_columns(r)) for r in records if r.get(field)]
    if not frames:
        return pd.DataFrame(columns=keys)
    table = pd.concat(frames, ignore_index=True)
    return table[keys + [c for c in table.columns if c not in keys]]


def by_region_frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        key_columns(r) | {"region": region} | metrics
        for r in records
        for region, metrics in r["by_region"].items()
    ]
    columns = [*ID_COLUMNS, "replication", "region"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def read_table(out_dir: Path, name: str) -> pd.DataFrame | None:
    """``name.parquet`` if present, else ``name.csv``, else None."""
    if (out_dir / f"{name}.parquet").is_file():
        return pd.read_parquet(out_dir / f"{name}.parquet")
    if (out_dir / f"{name}.csv").is_file():
        return pd.read_csv(out_dir / f"{name}.csv")
    return None


def read_sweep(out_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The runs table and the manifest of a finished sweep: the one reader of a results
    directory that ``compare``, ``sensitivity``, the charts and the report share."""
    manifest = read_manifest(out_dir)
    runs = read_table(out_dir, "runs")
    if manifest is None or runs is None:
        raise ResultsDirError(
            str(out_dir), "", "no finished sweep here (manifest.json, runs.parquet)"
        )
    return runs, manifest
