"""The results directory of a sweep: one JSON file per finished run, tables at the end.

Layout (read by ``pdsa compare``, ``pdsa plot`` and ``pdsa report``)::

    DIR/experiment.yaml        copy of the experiment file
    DIR/manifest.json          hashes, versions, times, counts, failures
    DIR/runs/<run_id>.json     one per finished run, written atomically
    DIR/runs.csv, runs.parquet one row per run: ids, factor values, seed, status, metrics
    DIR/timeseries.parquet     daily series of every run
    DIR/visibility.parquet     visibility curve of every run
    DIR/by_region.parquet      metrics by INTERPOL region of every run
    DIR/by_kind.parquet        metrics by record kind of every run
    DIR/daily.parquet          each day's additive parts of the metrics, world, region, kind
    DIR/outages.parquet        down periods of every run

Every file is written through a temporary file and ``os.replace``: killed at any moment, even
with SIGKILL, the directory holds whole files only.
"""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config import ConfigError
from sim.config.errors import cut
from sim.config.overrides import value_type
from sim.results import json_safe, write_atomic, write_json_atomic
from sim.sweeps.longtables import LongTable, part_path, write_part
from sim.textsafe import csv_bytes, from_csv

RUNS = "runs"
MANIFEST = "manifest.json"
ID_COLUMNS = ("run_id", "variant", "point_id")


class ResultsDirError(ConfigError):
    """A results directory that cannot take a sweep, or holds no finished one (exit status 2,
    like a bad file)."""


class NoResults(ResultsDirError):
    """A results directory where no run succeeded (or none finished): nothing to compare,
    plot or report (exit status 1)."""


def run_path(out_dir: Path, run_id: str) -> Path:
    return out_dir / RUNS / f"{run_id}.json"


def write_run(out_dir: Path, record: dict[str, Any]) -> None:
    """Compact JSON: a run holds thousands of series rows, and indenting them costs time."""
    write_atomic(run_path(out_dir, record["run_id"]), record_bytes(record))


RECORD_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def record_bytes(record: dict[str, Any]) -> bytes:
    """A record as compact JSON, NaN and infinities as null (``json_safe``): by orjson, or by
    the standard library for what orjson refuses (an integer beyond 64 bits). The two write
    the same values; a float may be spelt differently (``5.7e-05`` or ``0.000057``)."""
    try:
        return orjson.dumps(record, option=RECORD_OPTIONS)
    except TypeError:
        text = json.dumps(json_safe(record), allow_nan=False, separators=(",", ":"))
        return text.encode()


def read_json(path: Path) -> Any:
    """The JSON in ``path``; a file that cannot be read or parsed is a :class:`ResultsDirError`
    naming it (a truncated or corrupt file must stop a command with one line, not a trace)."""
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ResultsDirError(str(path), "", "missing") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else type(exc).__name__
        raise ResultsDirError(str(path), "", f"corrupt or truncated ({reason})") from None


def read_run(out_dir: Path, run_id: str) -> dict[str, Any]:
    record = read_json(run_path(out_dir, run_id))
    if not is_run_record(record):
        path = run_path(out_dir, run_id)
        raise ResultsDirError(str(path), "", "not a run record (no run_id and status)")
    return record


def is_run_record(record: Any) -> bool:
    return isinstance(record, dict) and record.get("status") in ("ok", "failed")


def finished_runs(out_dir: Path, on_corrupt: Callable[[str], None] | None = None) -> dict[str, str]:
    """run_id -> status of every run file in the directory.

    Args:
        on_corrupt: with it (``--resume``), a run file that cannot be read is moved aside to
            ``runs/<run_id>.json.corrupt`` and reported to it, and the run counts as not done;
            without it, such a file is a :class:`ResultsDirError`.
    """
    folder = out_dir / RUNS
    if not folder.is_dir():
        return {}
    statuses = {}
    for path in sorted(folder.glob("*.json")):
        try:
            statuses[path.stem] = read_run(out_dir, path.stem)["status"]
        except ResultsDirError as error:
            if on_corrupt is None:
                raise
            on_corrupt(f"{error}; moved to {move_aside(path).name}, the run will be done again")
    return statuses


def written_runs(out_dir: Path) -> int:
    """Run files in the directory, without reading them: each is whole (written atomically),
    and a stopped sweep says how many in a moment, not after re-reading gigabytes of them."""
    folder = out_dir / RUNS
    return sum(1 for _ in folder.glob("*.json")) if folder.is_dir() else 0


def move_aside(path: Path) -> Path:
    """Rename a corrupt file to ``NAME.corrupt`` (``NAME.corrupt.1``... if taken)."""
    target, n = path.with_name(path.name + ".corrupt"), 0
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt.{n}")
    os.replace(path, target)
    return target


def remove_partial_files(out_dir: Path) -> None:
    """Delete temporary files a killed writer left behind (never a finished file)."""
    for folder in (out_dir, out_dir / RUNS):
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when there is none; a corrupt one is a ResultsDirError."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return None
    manifest = read_json(path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("variants"), list):
        raise ResultsDirError(str(path), "", "not a sweep manifest (no list of variants)")
    return manifest


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    write_json_atomic(out_dir / MANIFEST, manifest)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_atomic(path, buffer.getvalue())


LONG_TABLES = {
    "timeseries": "timeseries",
    "visibility_curve": "visibility",
    "outages": "outages",
    "daily": "daily",
}
"""Each run's long tables (their field in the run record) and the sweep's table of each."""

CHUNK_RUNS = 64
"""Run records held at once while the tables are written (about 0.4 GB at world scale)."""


def write_tables(
    out_dir: Path,
    records: Iterable[dict[str, Any]],
    factors: Sequence[str],
    uncertainties: Sequence[str] | Mapping[str, str] = (),
) -> pd.DataFrame:
    """Write runs.csv/.parquet and the long tables from the run records; return the runs.

    The records are read once, ``CHUNK_RUNS`` at a time (``write_chunked``)."""
    parts = (
        written_chunk(out_dir, chunk, index)
        for index, chunk in enumerate(chunks(records, CHUNK_RUNS))
    )
    return write_chunked(out_dir, parts, factors, uncertainties)


@dataclass(frozen=True)
class Written:
    """A chunk of run records whose long tables are written as their parts (``empty``: per
    table, None, or the columns of a chunk without rows), and the records without them."""

    empty: dict[str, list[str] | None]
    slim: list[dict[str, Any]]


def written_chunk(out_dir: Path, records: Sequence[dict[str, Any]], index: int) -> Written:
    """Write chunk ``index`` of every long table from its records."""
    empty = {
        field: write_part(part_path(out_dir, name, index), long_frame(records, field))
        for field, name in LONG_TABLES.items()
    }
    slim = [{k: v for k, v in r.items() if k not in LONG_TABLES} for r in records]
    return Written(empty, slim)


def chunk_of_runs(out_dir: Path, run_ids: Sequence[str], index: int) -> Written:
    """``written_chunk`` of the finished runs ``run_ids`` of a results directory."""
    return written_chunk(out_dir, [read_run(out_dir, run_id) for run_id in run_ids], index)


def write_chunked(
    out_dir: Path,
    parts: Iterable[Written],
    factors: Sequence[str],
    uncertainties: Sequence[str] | Mapping[str, str] = (),
) -> pd.DataFrame:
    """``write_tables`` from the chunks written one after another (chunk i is ``parts``'
    i-th): the long tables are joined from their parts (``sim.sweeps.longtables``), and only
    the runs' metrics are kept for the runs table, so memory does not grow with the number
    of runs."""
    tables = {field: LongTable(out_dir, name) for field, name in LONG_TABLES.items()}
    slim: list[dict[str, Any]] = []
    try:
        for index, part in enumerate(parts):
            for field, table in tables.items():
                table.written(index, part.empty[field])
            slim += part.slim
        runs = runs_frame(slim, factors, uncertainties)
        write_atomic(out_dir / "runs.csv", csv_bytes(runs))
        write_parquet(out_dir / "runs.parquet", runs)
        for table in tables.values():
            table.close()
    finally:
        for table in tables.values():
            table.discard()
    write_parquet(out_dir / "by_region.parquet", breakdown_frame(slim, "by_region"))
    write_parquet(out_dir / "by_kind.parquet", breakdown_frame(slim, "by_kind"))
    return runs


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def runs_frame(
    records: Sequence[dict[str, Any]],
    factors: Sequence[str],
    uncertainties: Sequence[str] | Mapping[str, str] = (),
) -> pd.DataFrame:
    """One row per run: ids, factor values, (with uncertainties: the world and each
    uncertainty's value in it), replication, seed, status, error, wall time, metrics.

    ``uncertainties`` maps each uncertainty to the key its value is read from (its first),
    whose schema type its column takes like a factor's: a whole distribution is its JSON text,
    never a mapping that parquet would merge with the others' keys."""
    keys = dict(uncertainties) if isinstance(uncertainties, Mapping) else {
        name: name for name in uncertainties
    }  # fmt: skip
    rows = []
    for r in records:
        row = {k: r[k] for k in ID_COLUMNS}
        row |= {path: typed(path, r["point"].get(path)) for path in factors}
        if keys:
            row |= {"world": r.get("world")}
            values = r.get("world_values", {})
            row |= {name: typed(key, values.get(name)) for name, key in keys.items()}
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


def typed(path: str, value: Any) -> Any:
    """A factor's value as its schema type, so each table column holds one type: a float key
    gives floats (``5`` and ``1e1`` both), a mapping (a whole distribution) its JSON text."""
    kind = value_type(path)
    if value is None:
        return None
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind in (int, bool, str) and type(value) is kind:
        return value
    return json.dumps(value, sort_keys=True, default=str)


def ordered_union(dicts: Iterable[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for d in dicts:
        names |= dict.fromkeys(d)
    return list(names)


KEY_COLUMNS = (*ID_COLUMNS, "replication")
"""The columns that say which run a row of a long table belongs to."""


def key_columns(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in KEY_COLUMNS}


def long_frame(records: Sequence[dict[str, Any]], field: str) -> pd.DataFrame | pa.Table:
    """The per-run table ``field`` (stored by column) of every run, keyed by run_id, variant,
    point and replication: an Arrow table where ``arrow_long_table`` can build it (as it
    can for every record a sweep writes), else a data frame."""
    table = arrow_long_table(records, field)
    return table if table is not None else pandas_long_frame(records, field)


def pandas_long_frame(records: Sequence[dict[str, Any]], field: str) -> pd.DataFrame:
    """``long_frame`` by pandas, which infers each column's type as a whole (the
    reference: every table parses as it did)."""
    keys = list(KEY_COLUMNS)
    frames = [pd.DataFrame(r[field]).assign(**key_columns(r)) for r in records if r.get(field)]
    if not frames:
        return pd.DataFrame(columns=keys)
    table = pd.concat(frames, ignore_index=True)
    return table[keys + [c for c in table.columns if c not in keys]]


ARROW_TYPES = (pa.float64(), pa.int64(), pa.bool_(), pa.string())
"""Column types for which Arrow's conversion of a run's values is what pandas would give."""


def arrow_long_table(records: Sequence[dict[str, Any]], field: str) -> pa.Table | None:
    """``pandas_long_frame`` as Arrow converts it, built without pandas: Arrow converts the
    records' lists several times faster, and the sweep's tables phase, serial after the
    runs, is mostly this conversion. None (use pandas) unless every run has rows and the
    same columns, each of one type in every run, none a key: then the two agree value for
    value and type for type (an integer column with a gap, which pandas makes float, is
    left to pandas too)."""
    runs = [r for r in records if r.get(field)]
    if not runs or not all(plain_keys(r) for r in runs):
        return None
    names = list(runs[0][field])
    if any(name in KEY_COLUMNS for name in names):
        return None
    columns: dict[str, list[pa.Array]] = {name: [] for name in names}
    lengths = []
    for run in runs:
        table = run[field]
        if list(table) != names:
            return None
        try:
            arrays = [pa.array(table[name]) for name in names]
        except (pa.ArrowException, TypeError, ValueError, OverflowError):  # mixed values
            return None
        n = len(arrays[0])
        if n == 0 or any(not arrow_as_pandas(a, n) for a in arrays):
            return None
        for name, array in zip(names, arrays, strict=True):
            columns[name].append(array)
        lengths.append(n)
    text = pandas_text_type()
    out = {
        **{k: repeated([r[k] for r in runs], lengths, text) for k in ID_COLUMNS},
        "replication": repeated([r["replication"] for r in runs], lengths, pa.int64()),
    }
    for name, arrays in columns.items():
        if len({a.type for a in arrays}) != 1:
            return None
        column = pa.chunked_array(arrays).combine_chunks()
        out[name] = column.cast(text) if pa.types.is_string(column.type) else column
    return pa.table(out)


def plain_keys(record: dict[str, Any]) -> bool:
    """The record's keys are text and its replication an integer, as pandas types them."""
    return all(type(record[k]) is str for k in ID_COLUMNS) and type(record["replication"]) is int


def arrow_as_pandas(array: pa.Array, n: int) -> bool:
    """Arrow typed a run's column as pandas would: one of ``ARROW_TYPES``, as long as the
    others, and (but for numbers and text, whose gaps pandas keeps as gaps) with no gap."""
    if len(array) != n or array.type not in ARROW_TYPES:
        return False
    gaps_kept = pa.types.is_floating(array.type) or pa.types.is_string(array.type)
    return gaps_kept or array.null_count == 0


def repeated(values: list[Any], lengths: list[int], kind: pa.DataType) -> pa.Array:
    """Each run's key ``values[i]`` repeated over its ``lengths[i]`` rows."""
    return pa.array(values, kind).take(np.repeat(np.arange(len(values)), lengths))


@functools.cache
def pandas_text_type() -> pa.DataType:
    """The Arrow type pandas gives a text column (``large_string`` under pandas 3)."""
    frame = pd.DataFrame({"text": ["a"]})
    return pa.Table.from_pandas(frame, preserve_index=False).schema.field("text").type


BREAKDOWNS = {"by_region": "region", "by_kind": "kind"}
"""The per-run breakdowns of the metrics, and the column naming each part."""


def breakdown_frame(records: Sequence[dict[str, Any]], field: str) -> pd.DataFrame:
    """One row per run and region (``by_region``) or record kind (``by_kind``); a run from
    before a breakdown existed has no rows in it."""
    part = BREAKDOWNS[field]
    rows = [
        key_columns(r) | {part: name} | metrics
        for r in records
        for name, metrics in (r.get(field) or {}).items()
    ]
    columns = [*KEY_COLUMNS, part]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def read_table(
    out_dir: Path, name: str, where: tuple[str, Any] | None = None
) -> pd.DataFrame | None:
    """``name.parquet`` if present, else ``name.csv``, else None; a file that cannot be read
    is a :class:`ResultsDirError` naming it. ``where`` (column, value): only the rows holding
    that value, if the table has the column (a parquet file's other rows are not read)."""
    for path, reader in ((out_dir / f"{name}.parquet", read_parquet_where),
                         (out_dir / f"{name}.csv", read_csv_where)):  # fmt: skip
        if path.is_file():
            try:
                return reader(path, where)
            except Exception as exc:  # pyarrow and pandas raise many kinds for a bad file
                reason = cut(" ".join(str(exc).split()), 80) or type(exc).__name__
                raise ResultsDirError(str(path), "", f"cannot be read ({reason})") from None
    return None


def read_parquet_where(path: Path, where: tuple[str, Any] | None) -> pd.DataFrame:
    if where is None or where[0] not in pq.read_schema(path).names:
        return pd.read_parquet(path)
    return pd.read_parquet(path, filters=[(where[0], "==", where[1])])


def read_csv_where(path: Path, where: tuple[str, Any] | None) -> pd.DataFrame:
    table = from_csv(path)
    if where is None or where[0] not in table.columns:
        return table
    return table[table[where[0]] == where[1]].reset_index(drop=True)


def read_sweep(out_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The runs table and the manifest of a finished sweep: the one reader of a results
    directory that ``compare``, ``sensitivity``, the charts and the report share."""
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise ResultsDirError(str(out_dir), "", "no sweep here (no manifest.json)")
    runs = read_table(out_dir, "runs")
    if runs is None:
        message = "no finished sweep here yet (no runs table); `pdsa sweep --resume` finishes it"
        raise NoResults(str(out_dir), "", message)
    if not {"run_id", "variant", "point_id", "status"} <= set(runs.columns):
        raise ResultsDirError(str(out_dir / "runs.parquet"), "", "not a runs table")
    return runs, manifest


def successful(runs: pd.DataFrame, out_dir: Path) -> pd.DataFrame:
    """The ok runs of a table; a :class:`NoResults` saying how many failed when none is."""
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        failed = len(runs)
        what = f"all {failed} runs failed" if failed else "it holds no run"
        raise NoResults(str(out_dir), "", f"no successful run to show ({what})")
    return ok
