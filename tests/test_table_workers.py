"""The sweep's tables phase on several processes (``sim.sweeps.conversion``) writes the
tables one process writes, and, stopped or failing, leaves no table and no part behind."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.sweeps import conversion, run_sweep, store
from sim.sweeps.longtables import stray_parts
from tests.test_long_tables import TABLES
from tests.test_sweep import write_experiment


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished sweep of eight runs (its tables written by one process)."""
    folder = tmp_path_factory.mktemp("swept")
    out = folder / "out"
    run_sweep(write_experiment(folder), out, workers=1)
    return out


def copy_runs(out: Path, into: Path) -> list[str]:
    into.mkdir()
    shutil.copytree(out / store.RUNS, into / store.RUNS)
    return pd.read_parquet(out / "runs.parquet")["run_id"].tolist()


def rewrite(out: Path, into: Path, processes: int) -> pd.DataFrame:
    run_ids = copy_runs(out, into)
    factors = json.loads((out / "manifest.json").read_text())["factors"]
    with contextlib.closing(conversion.written_chunks(into, run_ids, processes)) as parts:
        return store.write_chunked(into, parts, factors)


def test_two_processes_write_the_tables_one_writes(swept, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "CHUNK_RUNS", 3)  # 8 runs: chunks of 3, 3 and 2
    rewrite(swept, tmp_path / "two", processes=2)
    for name in TABLES:
        one = pd.read_parquet(swept / f"{name}.parquet")
        two = pd.read_parquet(tmp_path / "two" / f"{name}.parquet")
        pd.testing.assert_frame_equal(one, two, check_exact=True)
    daily = pq.ParquetFile(tmp_path / "two" / "daily.parquet")
    assert daily.metadata.num_row_groups == 3  # one part a chunk, joined in order
    assert stray_parts(tmp_path / "two") == []


def test_a_corrupt_record_fails_as_with_one_process_and_leaves_nothing(
    swept, tmp_path, monkeypatch
):
    monkeypatch.setattr(store, "CHUNK_RUNS", 3)
    errors = []
    for processes in (1, 2):
        into = tmp_path / f"p{processes}"
        run_ids = copy_runs(swept, into)
        store.run_path(into, run_ids[4]).write_text('{"run_id": "x"}')  # the second chunk
        with pytest.raises(store.ResultsDirError) as caught:
            rewrite_from(into, run_ids, processes)
        errors.append(str(caught.value).replace(str(into), "DIR"))
        left = sorted(p.name for p in into.iterdir())
        assert left == [store.RUNS], left  # no table, no part
    assert errors[0] == errors[1]
    assert "not a run record" in errors[0]


def rewrite_from(into: Path, run_ids: list[str], processes: int) -> None:
    with contextlib.closing(conversion.written_chunks(into, run_ids, processes)) as parts:
        store.write_chunked(into, parts, [])


def test_stopped_after_one_chunk_the_workers_leave_no_part(swept, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "CHUNK_RUNS", 2)
    into = tmp_path / "stopped"
    run_ids = copy_runs(swept, into)
    parts = conversion.written_chunks(into, run_ids, 2)
    first = next(parts)
    assert first.empty["daily"] is None and len(first.slim) == 2
    assert stray_parts(into)  # written by the workers, ahead of the joining
    parts.close()  # as a signal or an error in the joining would
    assert stray_parts(into) == []
    assert sorted(p.name for p in into.iterdir()) == [store.RUNS]
