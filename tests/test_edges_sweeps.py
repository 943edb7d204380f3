"""Sweeps at the edge (issue 12, findings 2, 7, 8 and 10): one sweep per directory, corrupt
files recovered or named, a dead worker costs one retried run, a dead sweep leaves no
workers, and --resume refuses another version of pdsa unless told."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.sweeps import run_sweep
from sim.sweeps.lock import LOCK_FILE
from tests.test_sweep import SCENARIO, runs_csv, write_experiment

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def sweep_command(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sim.cli", "sweep", str(experiment), "--out", str(out), *extra]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """(experiment, results directory) of a finished 8-run sweep."""
    folder = tmp_path_factory.mktemp("finished")
    experiment = write_experiment(folder)
    run_sweep(experiment, folder / "out", workers=1)
    return experiment, folder / "out"


def copy_of(out: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(out), str(target)], check=True)
    return target


# --- finding 2: one sweep per directory ------------------------------------------------------


def test_a_second_sweep_is_refused_naming_the_first(tmp_path: Path) -> None:
    """Before: both were accepted and the directory held a mix."""
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from sim.sweeps.lock import sweep_lock
            with sweep_lock(Path({str(out)!r})):
                print("held", flush=True)
                time.sleep(60)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = invoke("sweep", str(write_experiment(tmp_path)), "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    line = one_line(result.output)
    assert line.startswith(f"{out}: another sweep is running here (pid {holder.pid} on ")
    assert "started 20" in line and line.endswith("wait for it, or use another --out")
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]


def test_a_lock_left_by_a_dead_sweep_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).write_text('{"pid": 999999999, "started": "2020-01-01T00:00:00+00:00"}')
    experiment = write_experiment(tmp_path, {"replications": 1, "grid": {}})
    result = invoke("sweep", str(experiment), "--out", str(out), "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((out / LOCK_FILE).read_text())["pid"] == os.getpid()


@pytest.mark.slow
def test_two_real_sweeps_on_one_directory(tmp_path: Path) -> None:
    slow = {"variants": {"long": {"horizon_days": 4000}}, "grid": {}, "replications": 1}
    first = write_experiment(tmp_path / "a", slow)
    second = write_experiment(tmp_path / "b", {"seed": 99})
    out = tmp_path / "out"
    process = subprocess.Popen(sweep_command(first, out, "--workers", "1", "--quiet"))
    deadline = time.monotonic() + 60
    while str(process.pid) not in lock_text(out) and time.monotonic() < deadline:
        time.sleep(0.02)
    result = invoke("sweep", str(second), "--out", str(out), "--quiet")
    assert process.wait(timeout=120) == 0
    assert result.exit_code == 2
    assert f"another sweep is running here (pid {process.pid} on " in one_line(result.output)
    assert runs_csv(out)["variant"].tolist() == ["long"]


def lock_text(out: Path) -> str:
    try:
        return (out / LOCK_FILE).read_text()
    except FileNotFoundError:
        return ""


# --- finding 7: corrupt and truncated files ----------------------------------------------------


def test_resume_moves_corrupt_run_files_aside_and_runs_them_again(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    experiment, whole = finished
    out = copy_of(whole, tmp_path)
    runs = sorted((out / "runs").glob("*.json"))
    runs[0].write_bytes(runs[0].read_bytes()[:100])  # truncated
    runs[1].write_text("[1, 2, 3]")  # valid JSON, not a run
    result = invoke("sweep", str(experiment), "--out", str(out), "--resume", "--workers", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert f"{runs[0]}: corrupt or truncated" in warnings[0]
    assert "will be done again" in warnings[0]
    assert (out / "runs" / (runs[0].name + ".corrupt")).is_file()
    pd.testing.assert_frame_equal(runs_csv(out), runs_csv(whole))


def test_rerun_of_a_truncated_run_names_the_file(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    out = copy_of(finished[1], tmp_path)
    path = out / "runs" / "centralized--p000--r000.json"
    path.write_bytes(path.read_bytes()[:50])
    result = invoke("rerun", str(out), "centralized--p000--r000")
    assert result.exit_code == 2
    line = one_line(result.output)
    assert line.startswith(f"{path}: corrupt or truncated") and "--resume" in line


@pytest.mark.parametrize("name", ["manifest.json", "runs.parquet"])
def test_a_corrupt_manifest_or_table_is_one_line_naming_it(
    finished: tuple[Path, Path], tmp_path: Path, name: str
) -> None:
    out = copy_of(finished[1], tmp_path)
    (out / name).write_bytes((out / name).read_bytes()[:40])
    commands = [["compare", str(out)], ["plot", str(out)], ["report", str(out)]]
    if name == "manifest.json":
        commands += [["rerun", str(out), "centralized--p000--r000"]]
        commands += [["sweep", str(finished[0]), "--out", str(out), "--resume"]]
    for command in commands:
        result = invoke(*command)
        assert result.exit_code == 2, (command, result.output)
        assert one_line(result.output).startswith(f"{out / name}: "), command
    assert not (out / "plots").exists()


# --- finding 10: --resume and versions, preset modifiers -----------------------------------------


def test_resume_refuses_another_pdsa_version_unless_told(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    experiment, whole = finished
    out = copy_of(whole, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["version"], manifest["dependencies"]["numpy"] = "0.0.1", "1.0.0"
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = invoke("sweep", str(experiment), "--out", str(out), "--resume")
    assert result.exit_code == 2
    line = one_line(result.output)
    assert "started with pdsa 0.0.1 (now " in line and "numpy 1.0.0 (now " in line
    assert "--allow-version-change" in line
    allowed = invoke("sweep", str(experiment), "--out", str(out), "--resume",
                     "--allow-version-change", "--quiet")  # fmt: skip
    assert allowed.exit_code == 0, allowed.output
    history = json.loads((out / "manifest.json").read_text())["version_history"]
    assert [h["version"] for h in history] == ["0.0.1"]


def test_rerun_rebuilds_a_variant_that_modifies_a_world_preset(tmp_path: Path) -> None:
    scenario = {
        **SCENARIO,
        "horizon_days": 6,
        "warmup_days": 1,
        "world": {"preset": "interpol-2023", "regions": ["europe"]},
        "records": {"creation_per_country_per_day": 0.5},
        "queries": {"per_country_per_day": 0.5},
    }
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario))
    experiment = tmp_path / "exp.yaml"
    experiment.write_text(
        "name: regions\nscenario: scenario.yaml\nvariants:\n  europe: {}\n"
        "  africa: {world: {regions: [africa]}}\n"
    )
    out = tmp_path / "out"
    assert (
        invoke("sweep", str(experiment), "--out", str(out), "--workers", "1", "--quiet").exit_code
        == 0
    )
    result = invoke("rerun", str(out), "africa--p000--r000")
    assert result.exit_code == 0, result.output
    assert "match the stored run exactly" in result.output
    result = invoke("sensitivity", str(out))
    assert result.exit_code == 2
    assert "needs an experiment with sample method sobol or morris" in result.output


# --- finding 8: workers ------------------------------------------------------------------------

KILLER = """
import os, signal, sys
if os.environ.get("PDSA_TEST_KILL") and "spawn_main" in " ".join(sys.orig_argv):
    import sim.sweeps.worker as worker
    original = worker.run_record
    once, always = os.environ["PDSA_TEST_KILL"].split(",")

    def run_record(spec, timeout=None):
        marker = os.path.join(os.environ["PDSA_TEST_KILL_MARKERS"], spec.run_id)
        if spec.run_id == always or (spec.run_id == once and not os.path.exists(marker)):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return original(spec, timeout)

    worker.run_record = run_record
"""


def killing_env(tmp_path: Path, once: str, always: str) -> dict[str, str]:
    """An environment whose sweep workers SIGKILL themselves when they start run ``once``
    for the first time, and whenever they start run ``always``."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(KILLER)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hooks), str(ROOT)]))
    return env | {"PDSA_TEST_KILL": f"{once},{always}", "PDSA_TEST_KILL_MARKERS": str(hooks)}


@pytest.mark.slow
def test_a_dead_worker_costs_one_run_retried_or_recorded_with_its_cause(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    """Before: one dead worker marked every remaining run "worker lost", naming none."""
    experiment, whole = finished
    out = tmp_path / "out"
    once, always = "hybrid-weekly--p000--r001", "centralized--p001--r000"
    command = sweep_command(experiment, out, "--workers", "2", "--chunk-size", "2", "--quiet")
    done = subprocess.run(command, env=killing_env(tmp_path, once, always),
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    for victim in (once, always):
        line = f"warning: a worker died (killed by SIGKILL) running {victim}; running it again"
        assert line in lines
    assert lines[-2:] == [
        "1 run(s) failed:",
        f"  {always}: worker lost: killed by SIGKILL while running this run, on 2 workers",
    ]
    runs, expected = runs_csv(out), runs_csv(whole)
    ok = runs["run_id"] != always
    assert (runs.loc[ok, "status"] == "ok").all()
    metrics = [c for c in expected.columns if c != "error"]
    pd.testing.assert_frame_equal(runs.loc[ok, metrics], expected.loc[ok, metrics])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent has to reap it


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_workers_end_when_the_sweep_is_killed(tmp_path: Path) -> None:
    """Before: killing the parent left its workers running, about 195 MB each."""
    slow = {"variants": {"long": {"horizon_days": 3000}}, "grid": {}, "replications": 6}
    experiment = write_experiment(tmp_path, slow)
    out = tmp_path / "out"
    process = subprocess.Popen(sweep_command(experiment, out, "--workers", "2", "--quiet"))
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # the resource tracker and two workers
    workers = children(process.pid)
    assert len(workers) >= 2
    os.kill(process.pid, signal.SIGKILL)  # the sweep alone, not its process group
    process.wait()
    # A worker still importing pdsa when its parent dies notices once it serves (spawned
    # workers import numpy, pandas and mesa first): allow for a slow start on a loaded machine.
    deadline = time.monotonic() + 45
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_workers_that_die_as_they_start_stop_the_sweep(
    finished: tuple[Path, Path], tmp_path: Path
) -> None:
    """A broken installation must not make the pool start workers for ever."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        'import os, sys\nif "spawn_main" in " ".join(sys.orig_argv):\n    os._exit(1)\n'
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hooks), str(ROOT)]))
    command = sweep_command(finished[0], tmp_path / "out", "--workers", "2", "--quiet")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert one_line(done.stderr) == "worker processes die as they start (exit status 1)"
