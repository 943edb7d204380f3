"""A sweep's tables written a chunk of runs at a time equal the tables written at once.

The robustness experiment as shipped (5,376 runs) could not finish on a 24 GB machine while
its records were read all at once; they are now read a chunk at a time
(``sim.sweeps.store.CHUNK_RUNS``). These tests compare chunk sizes of one and two runs with
one chunk holding every run, table by table and value by value, and the joining of parts
whose columns differ with what ``pd.concat`` gives.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.sweeps import run_sweep, store
from sim.sweeps.longtables import LongTable
from tests.test_sweep import write_experiment

TABLES = ("runs", "timeseries", "visibility", "outages", "by_region", "by_kind", "daily")


def rewrite(out: Path, into: Path, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables of the sweep in ``out`` written again into ``into``, ``chunk`` runs at a
    time."""
    into.mkdir()
    shutil.copytree(out / store.RUNS, into / store.RUNS)
    runs = pd.read_parquet(out / "runs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    monkeypatch.setattr(store, "CHUNK_RUNS", chunk)
    records = (store.read_run(out, rid) for rid in runs["run_id"])
    store.write_tables(into, records, manifest["factors"])


@pytest.mark.parametrize("chunk", [1, 2])
def test_tables_written_a_few_runs_at_a_time_equal_one_chunk(tmp_path, monkeypatch, chunk):
    out = tmp_path / "out"
    run_sweep(write_experiment(tmp_path), out, workers=1)
    rewrite(out, tmp_path / "all", 10_000, monkeypatch)
    rewrite(out, tmp_path / "chunked", chunk, monkeypatch)
    for name in TABLES:
        whole = pd.read_parquet(tmp_path / "all" / f"{name}.parquet")
        chunked = pd.read_parquet(tmp_path / "chunked" / f"{name}.parquet")
        assert len(whole) > 0 or name == "outages", name  # the tiny world never fails
        pd.testing.assert_frame_equal(whole, chunked, check_exact=True)
        sweep = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(sweep, chunked, check_exact=True)
    assert not [p.name for p in (tmp_path / "chunked").iterdir() if p.name.startswith(".")]


def test_parts_with_different_columns_join_as_concat_would(tmp_path):
    parts = [
        pd.DataFrame({"run_id": ["a", "a"], "x": [1, 2], "note": [None, None]}),
        pd.DataFrame({"run_id": ["b"], "x": [2.5], "note": ["late"], "extra": [True]}),
        pd.DataFrame({"run_id": ["c"], "x": [3], "note": [None]}),
    ]
    table = LongTable(tmp_path, "t")
    for part in parts:
        table.add(part)
    table.close()
    got = pd.read_parquet(tmp_path / "t.parquet")
    expected = pd.concat(parts, ignore_index=True)
    assert list(got.columns) == list(expected.columns)
    assert got["x"].tolist() == [1.0, 2.0, 2.5, 3.0]
    assert got["note"].isna().tolist() == [True, True, False, True]
    assert got["note"][2] == "late"
    assert got["extra"].isna().tolist() == [True, True, False, True]
    assert got["run_id"].tolist() == ["a", "a", "b", "c"]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def keyed(run_id: str, table: dict) -> dict:
    return {"run_id": run_id, "variant": "v", "point_id": "p000", "replication": 0, "t": table}


ARROW_CASES = {
    "numbers, text with gaps, flags": [
        keyed("a", {"day": [0, 1], "x": [0.5, None], "region": ["EU", None], "up": [True, False]}),
        keyed("b", {"day": [0, 1], "x": [1, 2.5], "region": ["AF", "AM"], "up": [False, True]}),
    ],
}
"""Record sets the Arrow path converts (``arrow_long_table``)."""

PANDAS_CASES = {
    "an integer column with a gap": [keyed("a", {"n": [1, None]}), keyed("b", {"n": [2, 3]})],
    "a column of gaps only": [keyed("a", {"x": [None, None]}), keyed("b", {"x": [1.0, 2.0]})],
    "integers in one run, decimals in the other": [
        keyed("a", {"x": [1, 2]}),
        keyed("b", {"x": [0.5, 1.5]}),
    ],
    "columns that differ": [keyed("a", {"x": [1.0]}), keyed("b", {"y": [2.0]})],
    "a column named like a key": [keyed("a", {"variant": ["w"], "x": [1.0]})],
    "a run with no rows": [keyed("a", {"x": []}), keyed("b", {"x": [1.0]})],
    "a flag with a gap": [keyed("a", {"up": [True, None]})],
}
"""Record sets left to pandas, whose inference Arrow's would not match."""


@pytest.mark.parametrize(
    ("name", "records"), [*ARROW_CASES.items(), *PANDAS_CASES.items()], ids=lambda x: str(x)
)
def test_the_arrow_path_writes_what_pandas_would(tmp_path, name, records):
    """The long tables are converted by Arrow where its types are pandas' (a third of the
    time), by pandas otherwise: the table written is the same, value for value and type for
    type, either way."""
    fast = store.arrow_long_table(records, "t")
    assert (fast is not None) == (name in ARROW_CASES)
    for label, frame in (("reference", store.pandas_long_frame(records, "t")),
                         ("chosen", store.long_frame(records, "t"))):  # fmt: skip
        table = LongTable(tmp_path, label)
        table.add(frame)
        table.close()
    reference = pq.read_table(tmp_path / "reference.parquet")
    chosen = pq.read_table(tmp_path / "chosen.parquet")
    assert chosen.schema.equals(reference.schema, check_metadata=True)
    assert chosen.equals(reference)
    assert chosen.column_names[:4] == ["run_id", "variant", "point_id", "replication"]


@pytest.mark.parametrize("values", [[1.0, "late"], [2**70]], ids=["mixed", "beyond 64 bits"])
def test_values_arrow_cannot_convert_are_left_to_pandas(values):
    assert store.arrow_long_table([keyed("a", {"x": values})], "t") is None


def test_a_table_of_no_rows_keeps_its_columns(tmp_path):
    table = LongTable(tmp_path, "t")
    table.add(pd.DataFrame(columns=["run_id", "day"]))
    table.close()
    assert list(pd.read_parquet(tmp_path / "t.parquet").columns) == ["run_id", "day"]


def test_a_failure_while_joining_leaves_no_table_and_no_parts(tmp_path, monkeypatch):
    table = LongTable(tmp_path, "t")
    table.add(pd.DataFrame({"x": [1.0]}))
    table.add(pd.DataFrame({"x": [2.0]}))

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sim.results.os.replace", broken)
    with pytest.raises(Exception, match="No space left on device"):
        table.close()
    assert list(tmp_path.iterdir()) == []


def test_memory_does_not_grow_with_the_runs(tmp_path, monkeypatch):
    """200 records of 20,000 numbers each: held at once as Python objects they take about
    130 MB (what the old way of writing the tables held); written 8 at a time, the Python
    allocations (numpy's included: tracemalloc) peak at a small fraction of that."""
    out = tmp_path / "out"
    (out / store.RUNS).mkdir(parents=True)
    rng = np.random.default_rng(1)
    daily = {f"c{i}": rng.random(2_000).tolist() for i in range(10)}
    for i in range(200):
        store.write_run(out, record(f"r{i:03d}", daily))
    monkeypatch.setattr(store, "CHUNK_RUNS", 8)
    records = (store.read_run(out, f"r{i:03d}") for i in range(200))
    tracemalloc.start()
    try:
        runs = store.write_tables(out, records, [])
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert len(runs) == 200
    assert len(pd.read_parquet(out / "daily.parquet")) == 200 * 2_000
    assert peak_mb < 40, f"{peak_mb:.0f} MB"
    held = [store.read_run(out, f"r{i:03d}") for i in range(200)]
    tracemalloc.start()
    try:
        held = [store.read_run(out, f"r{i:03d}") for i in range(200)]
        at_once_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert len(held) == 200 and at_once_mb > 3 * peak_mb  # the test can tell the two apart


def record(run_id: str, daily: dict[str, list[float]]) -> dict:
    return {
        "run_id": run_id,
        "variant": "v",
        "point_id": "p000",
        "point": {},
        "replication": 0,
        "seed": 1,
        "status": "ok",
        "error": None,
        "wall_seconds": 1.0,
        "metrics": {"completeness": 0.9},
        "by_region": {},
        "by_kind": {},
        "counts": {},
        "timeseries": {},
        "visibility_curve": {},
        "outages": {},
        "daily": daily,
    }
