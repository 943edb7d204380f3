"""Outputs and results at the edge (issue 12, findings 6, 9 and 10): an unwritable --out is
refused before simulating, a full disk is one line and leaves the previous files whole, a run's
files always belong to one run, files have the user's umask, and a directory with no
successful run or a corrupt file is one line."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import sim.results
from sim.cli import main
from sim.results import UMASK
from sim.sweeps import run_sweep
from tests.test_sweep import write_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "two-countries-centralized.yaml")
SHORT = ["--set", "horizon_days=60", "--set", "warmup_days=10"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def run(out: Path, *extra: str):
    return invoke("run", SCENARIO, *SHORT, "--out", str(out), "--quiet", *extra)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def fail_on_write(monkeypatch, error: int, after: int = 0) -> None:
    """The file system refuses the write after ``after`` files, as a full or read-only disk."""
    calls = {"n": 0}
    original = sim.results.write_synced

    def refusing(path: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(error, os.strerror(error), str(path))
        original(path, data)

    monkeypatch.setattr(sim.results, "write_synced", refusing)


# --- --out checked before simulating ----------------------------------------------------------


def test_out_under_a_regular_file_is_refused_before_running(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(blocker / "out")
    assert result.exit_code == 2
    assert (
        one_line(result.stderr) == f"{blocker}: is a file, so no directory can be created under it"
    )


def test_read_only_out_is_refused_before_running(tmp_path: Path, monkeypatch) -> None:
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(tmp_path))

    monkeypatch.setattr(sim.results.tempfile, "mkdtemp", read_only)
    monkeypatch.setattr("sim.runner.run_one", lambda *a: pytest.fail("simulated anyway"))
    result = run(tmp_path / "out")
    assert result.exit_code == 2
    assert one_line(result.stderr).endswith("cannot write: Read-only file system")
    assert not (tmp_path / "out").exists()


def test_a_directory_holding_other_files_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = run(tmp_path / "out")
    assert result.exit_code == 2
    assert "notes.txt" in one_line(result.stderr)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"


# --- a run's files, whole -------------------------------------------------------------------


def test_a_full_disk_leaves_the_previous_run_whole(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    assert run(out, "--seed", "1").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    fail_on_write(monkeypatch, errno.ENOSPC, after=1)  # summary.json written, then full
    result = run(out, "--seed", "2")
    assert result.exit_code == 1
    assert one_line(result.stderr).endswith("cannot write: No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left behind


def test_a_rerun_replaces_every_file_of_the_previous_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run(out, "--seed", "1").exit_code == 0
    assert run(out, "--seed", "2").exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 2
    rows = (out / "timeseries.csv").read_text()
    assert run(tmp_path / "fresh", "--seed", "2").exit_code == 0
    assert rows == (tmp_path / "fresh" / "timeseries.csv").read_text()


def assert_umask_modes(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        expected = (0o777 if path.is_dir() else 0o666) & ~UMASK
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_files_get_the_users_umask(tmp_path: Path) -> None:
    """Before: mkstemp's 0600."""
    out = tmp_path / "out"
    assert run(out).exit_code == 0
    assert_umask_modes(out)


def test_sweep_files_get_the_users_umask(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(write_experiment(tmp_path, {"replications": 1, "grid": {}}), out, workers=1)
    expected = 0o666 & ~UMASK
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == expected for p in files)


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 64 kB tmpfs, where the machine allows mounting one (root on Linux)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the injected ENOSPC tests cover it")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_really_full_disk(tiny_disk: Path) -> None:
    result = invoke("run", SCENARIO, "--out", str(tiny_disk / "out"), "--quiet")  # 100 kB
    assert result.exit_code == 1
    assert "No space left on device" in one_line(result.stderr)
    assert list(tiny_disk.iterdir()) == []


# --- reports and plots ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    assert run(out).exit_code == 0
    return out


def test_a_report_is_written_atomically(run_dir: Path, tmp_path: Path, monkeypatch) -> None:
    report = tmp_path / "report.html"
    report.write_text("previous report")

    def full(path: Path, data: bytes) -> None:
        raise sim.results.problem(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))

    monkeypatch.setattr("sim.reporting.report.write_atomic", full)
    result = invoke("report", str(run_dir), "-o", str(report), "--quiet")
    assert result.exit_code == 1
    assert one_line(result.stderr) == f"{report}: cannot write: No space left on device"
    assert report.read_text() == "previous report"


def test_plot_of_a_run_with_nothing_created(tmp_path: Path) -> None:
    """Before: the regions chart crashed on all-n/a completeness, after half of plots/."""
    out = tmp_path / "out"
    result = run(out, "--set", "records.creation_per_country_per_day=0", "--plot")
    assert result.exit_code == 0, result.output
    assert (out / "plots" / "comparison.png").is_file()
    assert not (out / "plots" / "regions.png").exists()  # nothing to show: no empty chart
    assert_umask_modes(out)


@pytest.fixture(scope="module")
def failed_sweep(tmp_path_factory) -> Path:
    """A sweep where every run failed (each outlives a 0.01 s time limit)."""
    folder = tmp_path_factory.mktemp("failed")
    experiment = write_experiment(folder, {"replications": 1, "grid": {}})
    out = folder / "out"
    result = invoke("sweep", str(experiment), "--out", str(out), "--workers", "1",
                    "--run-timeout", "0.01", "--quiet")  # fmt: skip
    assert result.exit_code == 1
    return out


@pytest.mark.parametrize(
    "command",
    [["plot"], ["report"], ["report", "--format", "md"], ["compare"], ["sensitivity"]],
    ids=lambda c: " ".join(c),
)
def test_no_successful_run_is_one_line_and_writes_nothing(failed_sweep: Path, command) -> None:
    before = sorted(p.name for p in failed_sweep.iterdir())
    result = invoke(command[0], str(failed_sweep), *command[1:])
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert line == f"{failed_sweep}: no successful run to show (all 2 runs failed)"
    assert sorted(p.name for p in failed_sweep.iterdir()) == before


def test_a_sweep_killed_before_its_tables(failed_sweep: Path, tmp_path: Path) -> None:
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / "manifest.json").write_bytes((failed_sweep / "manifest.json").read_bytes())
    for command in ("plot", "report", "compare"):
        result = invoke(command, str(killed))
        assert result.exit_code == 1
        assert "pdsa sweep --resume" in one_line(result.stderr)
    assert sorted(p.name for p in killed.iterdir()) == ["manifest.json"]


def test_a_corrupt_summary_is_one_line_naming_it(run_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in run_dir.iterdir():
        if path.is_file():
            (broken / path.name).write_bytes(path.read_bytes())
    (broken / "summary.json").write_text('{"metrics": {"completeness": 0.')
    for command in ("plot", "report"):
        result = invoke(command, str(broken))
        assert result.exit_code == 2
        assert one_line(result.stderr).startswith(f"{broken / 'summary.json'}: corrupt")
    assert not (broken / "plots").exists() and not (broken / "report.html").exists()


# --- the scenario library ------------------------------------------------------------------


def test_scenarios_list_and_show_survive_odd_files(tmp_path: Path, monkeypatch) -> None:
    library = tmp_path / "scenarios"
    library.mkdir()
    (library / "latin1.yaml").write_bytes("# Qu\xe9bec?\nname: x\n".encode("latin-1"))
    (library / "folder.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    listed = invoke("scenarios", "list")
    assert listed.exit_code == 0, listed.output
    assert "latin1" in listed.output and "INVALID" in listed.output
    shown = invoke("scenarios", "show", "latin1")
    assert shown.exit_code == 2
    assert "not UTF-8 text (byte 4)" in one_line(shown.stderr)
    assert invoke("scenarios", "show", "folder").exit_code == 2
