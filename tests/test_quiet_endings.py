"""Quiet endings (issue 25): a sweep stopped by SIGTERM or Ctrl-C, a Dask scheduler that dies or
cannot be reached, and a port already in use each end in one line (with the command that
resumes the sweep), never a traceback; the runs written so far are whole and resumed.

Before (main at 9f6ade0): SIGTERM ended the sweep with no word (status -15), Ctrl-C with
click's "Aborted!", a dying scheduler printed Dask's tracebacks and recorded every run not yet
finished as failed, and a second ``pdsa explore`` on a taken port printed a 40-line traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim.sweeps.executors
import sim.sweeps.longtables
import sim.sweeps.store
from sim.cli import main
from sim.sweeps.executors import SchedulerLost, dask_statuses
from sim.sweeps.plan import RunSpec
from tests.test_sweep import runs_csv, write_experiment

ROOT = Path(__file__).resolve().parents[1]
LONGER = {"replications": 3, "variants": {"long": {"horizon_days": 400}, "short": {}}}
"""12 runs (two grid points), about a second each: time to stop the sweep
part-way."""


RUNS = 2 * 2 * 3
"""Variants x grid points x replications."""


def command(*args: object) -> list[str]:
    return [sys.executable, "-m", "sim.cli", *(str(a) for a in args)]


def written(out: Path) -> int:
    return len(list((out / "runs").glob("*.json")))


def wait_for_runs(process: subprocess.Popen, out: Path, n: int = 2) -> None:
    deadline = time.monotonic() + 120
    while written(out) < n:
        assert process.poll() is None, "the sweep ended before it could be stopped"
        assert time.monotonic() < deadline, "no run written in time"
        time.sleep(0.05)


@pytest.mark.parametrize(("stop", "workers"), [(signal.SIGTERM, "2"), (signal.SIGINT, "1")])
def test_a_stopped_sweep_says_how_to_resume_in_one_line(tmp_path, stop, workers):
    experiment = write_experiment(tmp_path, LONGER)
    out = tmp_path / "out"
    sweep = command("sweep", experiment, "--out", out, "--quiet", "--chunk-size", "1")
    process = subprocess.Popen(
        [*sweep, "--workers", workers], stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    wait_for_runs(process, out)
    process.send_signal(stop)
    stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 128 + stop
    (line,) = stderr.strip().splitlines()
    done = written(out)
    assert 2 <= done < RUNS
    assert line == (
        f"stopped by {stop.name}; {done} of {RUNS} runs written to {out}, every one whole; resume"
        f" with: pdsa sweep {experiment} --out {out} --resume"
    )
    resumed = subprocess.run([*sweep, "--resume", "--workers", "1"], cwd=ROOT, check=False)
    assert resumed.returncode == 0
    runs = runs_csv(out)
    assert len(runs) == RUNS and (runs["status"] == "ok").all()


def test_a_sweep_stopped_while_writing_its_tables_ends_at_once_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGTERM arrives once the runs are done, while the second chunk of the tables is written:
    the sweep ends with the usual line, leaves no table and no part file, and does not read
    the run files again to count them (the robustness experiment's 9 GB took 30 s to re-read
    before it could say so)."""
    experiment, out = write_experiment(tmp_path), tmp_path / "out"
    monkeypatch.setattr(sim.sweeps.store, "CHUNK_RUNS", 2)
    reads_after_signal: list[Path] = []
    signalled = False
    written, read_json = sim.sweeps.longtables.LongTable.written, sim.sweeps.store.read_json

    def add_then_signal(self, index, empty):
        nonlocal signalled
        written(self, index, empty)
        if len(self.parts) == 2 and not signalled:
            signalled = True
            os.kill(os.getpid(), signal.SIGTERM)  # the handler raises at the next bytecode

    def counted_read(path):
        if signalled:
            reads_after_signal.append(path)
        return read_json(path)

    monkeypatch.setattr(sim.sweeps.longtables.LongTable, "written", add_then_signal)
    monkeypatch.setattr(sim.sweeps.store, "read_json", counted_read)
    result = CliRunner().invoke(
        main, ["sweep", str(experiment), "--out", str(out), "--quiet", "--workers", "1"]
    )
    assert signalled and result.exit_code == 128 + signal.SIGTERM
    assert result.output.strip() == (
        f"stopped by SIGTERM; 8 of 8 runs written to {out}, every one whole; resume with:"
        f" pdsa sweep {experiment} --out {out} --resume"
    )
    assert reads_after_signal == []
    left = [p.name for p in out.iterdir() if p.suffix in (".parquet", ".csv") or ".part" in p.name]
    assert left == []


def test_a_scheduler_that_cannot_be_reached_is_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sim.sweeps.executors, "CONNECT_SECONDS", 1)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    experiment, out = write_experiment(tmp_path), tmp_path / "out"
    address = f"tcp://127.0.0.1:{port}"
    result = CliRunner().invoke(
        main, ["sweep", str(experiment), "--out", str(out), "--scheduler", address, "--quiet"]
    )
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"cannot reach the Dask scheduler {address}: ")
    assert line.endswith(
        f"0 of 8 runs written to {out}, every one whole; resume with: pdsa sweep {experiment}"
        f" --out {out} --resume --scheduler {address}"
    )


@pytest.mark.skipif(shutil.which("dask") is None, reason="needs the dask command (the dask extra)")
def test_a_scheduler_that_dies_stops_the_sweep_in_one_line(tmp_path: Path) -> None:
    """The scheduler is killed part-way: one line, the runs already written kept and none of
    the others recorded as failed; ``--resume`` on local workers finishes the sweep."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        ["dask", "scheduler", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = subprocess.Popen(
        ["dask", "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    try:
        experiment = write_experiment(tmp_path, LONGER)
        out = tmp_path / "out"
        sweep = command("sweep", experiment, "--out", out, "--quiet", "--chunk-size", "1")
        process = subprocess.Popen(
            [*sweep, "--scheduler", address], stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        wait_for_runs(process, out)
        scheduler.terminate()
        stderr = process.communicate(timeout=120)[1]
    finally:
        for helper in (scheduler, worker):
            helper.terminate()
        for helper in (scheduler, worker):
            try:
                helper.wait(timeout=20)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.wait()
    assert process.returncode == 1
    (line,) = stderr.strip().splitlines()
    assert line.startswith("lost the Dask scheduler (")
    assert line.endswith(f"resume with: pdsa sweep {experiment} --out {out} --resume"
                         f" --scheduler {address}")  # fmt: skip
    records = [json.loads(p.read_text()) for p in (out / "runs").glob("*.json")]
    failed = {r["run_id"]: r["error"] for r in records if r["status"] != "ok"}
    assert records and not failed
    resumed = subprocess.run([*sweep, "--resume", "--workers", "1"], cwd=ROOT, check=False)
    assert resumed.returncode == 0 and len(runs_csv(out)) == RUNS


class FakeClient:
    def __init__(self, status: str) -> None:
        self.status = status


class FakeFuture:
    """A finished Dask future whose ``result()`` raises ``error``, its client in ``status``."""

    def __init__(self, error: Exception, status: str = "running") -> None:
        self.error, self.client = error, FakeClient(status)

    def result(self) -> list:
        raise self.error


def lost_chunk() -> list[RunSpec]:
    return [RunSpec(f"v--p000--r00{i}", "v", 0, {}, i, i, {}, f"sha-{i}") for i in range(2)]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OSError("Stream is closed"), "running"),  # CommClosedError is an OSError
        (RuntimeError("gather failed"), "connecting"),  # the client lost its scheduler
    ],
)
def test_a_result_lost_with_the_scheduler_stops_the_sweep_and_records_nothing(
    tmp_path: Path, error: Exception, status: str
) -> None:
    """A chunk that finished just as the scheduler died cannot be fetched: the sweep stops
    (its runs are retried on --resume), none recorded failed. CI once saw a run recorded
    failed this way, the scheduler's death racing the chunk's end."""
    (tmp_path / "runs").mkdir()
    with pytest.raises(SchedulerLost, match=r"^lost the Dask scheduler \("):
        dask_statuses(FakeFuture(error, status), lost_chunk(), tmp_path)
    assert not list((tmp_path / "runs").iterdir())


def test_a_chunk_dask_gave_up_on_is_recorded_failed_run_by_run(tmp_path: Path) -> None:
    """A worker that died (Dask's KilledWorker, the client still connected): each run of the
    chunk is recorded failed with the cause, for --resume to retry."""
    (tmp_path / "runs").mkdir()
    killed = type("KilledWorker", (Exception,), {})("attempted to run task 3 times")
    statuses = dask_statuses(FakeFuture(killed), lost_chunk(), tmp_path)
    assert [s["status"] for s in statuses] == ["failed", "failed"]
    assert statuses[0]["error"] == "worker lost: KilledWorker: attempted to run task 3 times"
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    pytest.importorskip("panel")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            command("explore", "--port", port), capture_output=True, text=True, timeout=120,
            cwd=tmp_path, check=False,
        )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"cannot listen on 127.0.0.1:{port}: Address already in use; choose another --port"
        " (or --host)"
    )
