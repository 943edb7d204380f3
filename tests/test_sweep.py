"""Sweeps end to end on a tiny two-country scenario (about 0.05 s a run).

Covers the issue's list: executors agree bit for bit (serial, process pool, Dask LocalCluster),
SIGKILL then --resume equals an uninterrupted sweep, a failing run is recorded and the exit
status says so, bad experiment files exit 2 before any run, identical variants differ by
exactly zero.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import sim
from sim.analysis import default_metrics, paired_differences
from sim.cli import main
from sim.sweeps import build_plan, load_experiment, run_sweep
from sim.sweeps.seeds import replication_seeds

SCENARIO = {
    "name": "tiny",
    "seed": 7,
    "horizon_days": 120,
    "warmup_days": 50,
    "architecture": {"kind": "centralized"},
    "world": {
        "platforms": [{"name": "EUR"}],
        "countries": [
            {"code": "AAA", "region": "europe", "platforms": ["EUR"]},
            {"code": "BBB", "region": "europe", "platforms": ["EUR"]},
        ],
    },
    "records": {
        "creation_per_country_per_day": 10,
        "lifetime_days": {"dist": "exponential", "mean": 20},
    },
    "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
    "queries": {"per_country_per_day": 10},
}

EXPERIMENT = {
    "name": "tiny",
    "scenario": "scenario.yaml",
    "replications": 2,
    "seed": 11,
    "variants": {
        "centralized": {},
        "hybrid-weekly": {
            "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7}
        },
    },
    "grid": {"links.ncb_to_hub.delay_hours.mean": [6, 48]},
}

IGNORED = ["wall_seconds"]


def write_experiment(folder: Path, changes: dict | None = None, name: str = "exp.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    path = folder / name
    path.write_text(yaml.safe_dump({**EXPERIMENT, **(changes or {})}, sort_keys=False))
    return path


def runs_csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "runs.csv").drop(columns=IGNORED)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# --- the plan -------------------------------------------------------------------------------


def test_plan_pairs_replications_across_variants_and_points(tmp_path):
    plan = build_plan(load_experiment(write_experiment(tmp_path)))
    assert len(plan) == 2 * 2 * 2
    assert [s.run_id for s in plan[:3]] == [
        "centralized--p000--r000",
        "centralized--p000--r001",
        "centralized--p001--r000",
    ]
    seeds = {(s.variant, s.point_id, s.replication): s.seed for s in plan}
    for replication in (0, 1):
        assert len({v for (_, _, r), v in seeds.items() if r == replication}) == 1
    assert seeds[("centralized", "p000", 0)] != seeds[("centralized", "p000", 1)]


def test_replication_seeds_do_not_depend_on_how_many():
    assert replication_seeds(5, 3) == replication_seeds(5, 10)[:3]
    assert replication_seeds(5, 3) != replication_seeds(6, 3)


def test_variant_naming_a_new_kind_replaces_the_architecture(tmp_path):
    plan = build_plan(load_experiment(write_experiment(tmp_path)))
    hybrid = next(s for s in plan if s.variant == "hybrid-weekly")
    assert hybrid.scenario["architecture"] == {
        "kind": "hybrid",
        "sync": "batch",
        "sync_interval_days": 7,
    }
    assert hybrid.scenario["links"]["ncb_to_hub"]["delay_hours"] == {
        "dist": "exponential",
        "mean": 6,
    }


# --- executors agree ----------------------------------------------------------------------------


@pytest.mark.slow
def test_serial_processes_and_dask_give_identical_metrics(tmp_path):
    from distributed import Client, LocalCluster

    experiment = write_experiment(tmp_path)
    run_sweep(experiment, tmp_path / "one", workers=1)
    run_sweep(experiment, tmp_path / "two", workers=2, chunk=3)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        run_sweep(experiment, tmp_path / "dask", scheduler=client, chunk=2)
    one = runs_csv(tmp_path / "one")
    assert (one["status"] == "ok").all() and len(one) == 8
    pd.testing.assert_frame_equal(one, runs_csv(tmp_path / "two"))
    pd.testing.assert_frame_equal(one, runs_csv(tmp_path / "dask"))
    a = pd.read_parquet(tmp_path / "one" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, pd.read_parquet(tmp_path / "dask" / "timeseries.parquet"))


# --- kill -9 and resume -------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    experiment = write_experiment(tmp_path, {"replications": 6})
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(experiment), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--chunk-size", "1", "--quiet"], start_new_session=True
    )
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its workers, mid-flight
    process.wait()
    done = len(list((out / "runs").glob("*.json")))
    assert 4 <= done < 24, "the sweep should have been killed part-way"
    assert not (out / "runs.csv").exists()
    for path in (out / "runs").glob("*.json"):
        json.loads(path.read_text())  # every file that exists is whole

    resumed = subprocess.run([*command, "--resume", "--workers", "2", "--quiet"], check=False)
    assert resumed.returncode == 0
    run_sweep(experiment, tmp_path / "whole", workers=1)
    killed, whole = runs_csv(out), runs_csv(tmp_path / "whole")
    assert killed["run_id"].is_unique and len(killed) == 24
    pd.testing.assert_frame_equal(killed, whole)
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(
        f"{r}.json" for r in whole["run_id"]
    )


def test_resume_refuses_a_changed_experiment(tmp_path):
    out = tmp_path / "out"
    run_sweep(write_experiment(tmp_path), out, workers=1)
    changed = write_experiment(tmp_path, {"seed": 12})
    result = invoke("sweep", str(changed), "--out", str(out), "--resume", "--quiet")
    assert result.exit_code == 2
    assert "experiment changed" in result.output and "refusing to mix" in result.output
    result = invoke("sweep", str(changed), "--out", str(out), "--quiet")
    assert result.exit_code == 2 and "--resume" in result.output


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path):
    experiment, out = write_experiment(tmp_path), tmp_path / "out"
    run_sweep(experiment, out, workers=1)
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    outcome = run_sweep(experiment, out, workers=1, resume=True)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamps
    assert outcome.manifest["counts"] == {"total": 8, "ok": 8, "failed": 0}


# --- failures -------------------------------------------------------------------------------


def test_a_failing_run_is_recorded_and_the_exit_status_says_so(tmp_path):
    # A century-long run cannot finish within the experiment's time limit of 1.5 s.
    variants = {**EXPERIMENT["variants"], "broken": {"horizon_days": 36500}}
    changes = {"variants": variants, "grid": {}, "replications": 1, "run_timeout_seconds": 1.5}
    experiment = write_experiment(tmp_path, changes)
    out = tmp_path / "out"
    result = invoke("sweep", str(experiment), "--out", str(out), "--workers", "2")
    assert result.exit_code == 1
    assert "broken--p000--r000: RunTimeout: stopped after 1.5 s" in result.output
    runs = pd.read_csv(out / "runs.csv")
    assert dict(zip(runs["variant"], runs["status"], strict=True)) == {
        "centralized": "ok",
        "hybrid-weekly": "ok",
        "broken": "failed",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"total": 3, "ok": 2, "failed": 1}
    assert manifest["failures"][0]["run_id"] == "broken--p000--r000"
    record = json.loads((out / "runs" / "broken--p000--r000.json").read_text())
    assert record["status"] == "failed" and "run time limit" in record["error"]


# --- bad experiment files ---------------------------------------------------------------------


BAD = [
    (
        {"variants": {"a": {"architecure": {"kind": "federated"}}}},
        "variants.a.architecure",
        "did you mean 'architecture'",
    ),
    (
        {"grid": {"links.ncb_to_hub.delay_hours.mean": []}},
        "grid.links.ncb_to_hub.delay_hours.mean",
        "empty list",
    ),
    (
        {"variants": {"a": {"records": {"creation_per_country_per_dya": 5}}}},
        "variants.a.records.creation_per_country_per_dya",
        "did you mean 'creation_per_country_per_day'",
    ),
    (
        {"grid": {"links.ncb_to_hub.delay_hours.mean": 6}},
        "grid.links.ncb_to_hub.delay_hours.mean",
        "expected a list",
    ),
    (
        {
            "sample": {
                "method": "lhs",
                "n": 4,
                "ranges": {"records.creation_per_country_per_day": [50, 5]},
            }
        },
        "sample.ranges.records.creation_per_country_per_day",
        "low must be < high",
    ),
    (
        {"variants": {"a": {"architecture": {"kind": "hybrid", "sync_interval_days": -1}}}},
        "variants.a",
        "architecture.sync_interval_days: must be 0.000694444 to 36,500, got -1",
    ),
    (
        {"grid": {"links.ncb_to_hub.delay_hours.maen": [1]}},
        "grid.links.ncb_to_hub.delay_hours.maen",
        "did you mean 'mean'",
    ),
    (
        {"grid": {"records.creation_per_country_per_day": [-1]}},
        "grid.records.creation_per_country_per_day",
        "must not be negative",
    ),
    ({"replicatoins": 3}, "replicatoins", "did you mean 'replications'"),
    (
        {"sample": {"method": "lhc", "n": 4, "ranges": {"seed": [0, 1]}}},
        "sample.method",
        "did you mean 'lhs'",
    ),
]


@pytest.mark.parametrize(("changes", "key_path", "message"), BAD, ids=[b[1] for b in BAD])
def test_bad_experiment_exits_2_before_any_run(tmp_path, changes, key_path, message):
    experiment = write_experiment(tmp_path, changes)
    out = tmp_path / "out"
    result = invoke("sweep", str(experiment), "--out", str(out))
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line
    assert line.startswith(f"{experiment}: {key_path}: "), line
    assert message in line
    assert not out.exists()


# --- analysis on real runs, rerun, sensitivity, API, dry run ------------------------------------


def test_identical_variants_differ_by_exactly_zero(tmp_path):
    same = {"architecture": {"kind": "hybrid", "sync": "push"}}
    experiment = write_experiment(tmp_path, {"variants": {"a": same, "b": same}, "grid": {}})
    runs = sim.sweep(experiment, workers=1)
    diffs = paired_differences(runs, "a", default_metrics(runs))
    assert len(diffs) >= 5 and (diffs["n"] == 2).all()
    assert (diffs["mean_diff"] == 0).all()
    assert (diffs["ci_low"] == 0).all() and (diffs["ci_high"] == 0).all()
    assert not diffs["significant"].any()


def test_compare_and_rerun(tmp_path):
    out = tmp_path / "out"
    run_sweep(write_experiment(tmp_path), out, workers=1)
    table = invoke("compare", str(out), "--metric", "completeness")
    assert table.exit_code == 0, table.output
    assert "vs centralized" in table.output and "hybrid-weekly" in table.output
    as_csv = invoke("compare", str(out), "--metric", "completeness", "--format", "csv")
    rows = pd.read_csv(pd.io.common.StringIO(as_csv.output))
    assert set(rows["variant"]) == {"centralized", "hybrid-weekly"} and set(rows["point_id"]) == {
        "p000",
        "p001",
    }
    assert invoke("compare", str(out), "--metric", "completenes").exit_code == 2
    rerun = invoke("rerun", str(out), "hybrid-weekly--p001--r001")
    assert rerun.exit_code == 0 and "match the stored run exactly" in rerun.output


@pytest.mark.slow
def test_sobol_sample_and_sensitivity(tmp_path):
    sample = {
        "method": "sobol",
        "n": 8,
        "ranges": {
            "links.ncb_to_hub.delay_hours.mean": [1, 96],
            "records.creation_per_country_per_day": [2, 20],
        },
    }
    changes = {"variants": {"centralized": {}}, "grid": {}, "replications": 1, "sample": sample}
    out = tmp_path / "out"
    outcome = run_sweep(write_experiment(tmp_path, changes), out, workers=2)
    assert len(outcome.runs) == 8 * (2 + 2)
    result = invoke("sensitivity", str(out), "--metric", "lag_p50_hours", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout)).set_index("parameter")
    assert {"S1", "ST"} <= set(table.columns)
    assert (
        table.loc["links.ncb_to_hub.delay_hours.mean", "ST"]
        > table.loc["records.creation_per_country_per_day", "ST"]
    )


def test_output_files_follow_the_contract(tmp_path):
    out = tmp_path / "out"
    run_sweep(write_experiment(tmp_path), out, workers=1)
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[:10]) == [
        "run_id",
        "variant",
        "point_id",
        "links.ncb_to_hub.delay_hours.mean",
        "replication",
        "seed",
        "status",
        "error",
        "wall_seconds",
        "completeness",
    ]
    assert "messages_per_day.ncb_to_hub" in runs
    for name, columns in {
        "timeseries": ["day", "region", "completeness"],
        "visibility": ["hours", "share"],
        "by_region": ["region", "completeness"],
        "outages": [],
    }.items():
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert {"run_id", "variant", "point_id", "replication", *columns} <= set(frame.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["variants"] == ["centralized", "hybrid-weekly"]
    assert manifest["baseline"] == "centralized"
    assert manifest["factors"] == ["links.ncb_to_hub.delay_hours.mean"]
    assert manifest["counts"] == {"total": 8, "ok": 8, "failed": 0}
    assert manifest["dependencies"]["mesa"].startswith("3.3")
    record = json.loads((out / "runs" / "centralized--p001--r000.json").read_text())
    assert record["point"] == {"links.ncb_to_hub.delay_hours.mean": 48}
    assert (
        record["metrics"]["completeness"]
        == runs.set_index("run_id").loc[record["run_id"], "completeness"]
    )
    assert (out / "experiment.yaml").read_text() == (tmp_path / "exp.yaml").read_text()
    assert not list(out.rglob("*.tmp"))


def test_dry_run_lists_runs_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = invoke(
        "sweep", str(write_experiment(tmp_path)), "--out", str(out), "--dry-run", "--workers", "2"
    )
    assert result.exit_code == 0, result.output
    assert "8 runs" in result.output and "hybrid-weekly--p001--r001" in result.output
    assert "estimate:" in result.output and "on 2 worker(s)" in result.output
    assert not out.exists()


@pytest.mark.slow
def test_progress_lines_when_not_a_terminal(tmp_path):
    result = CliRunner()
    out = tmp_path / "out"
    shown = result.invoke(
        main, ["sweep", str(write_experiment(tmp_path)), "--out", str(out), "--workers", "1"]
    )
    assert "8/8 runs  0 failed" in shown.output
    quiet = result.invoke(
        main, ["sweep", str(tmp_path / "exp.yaml"), "--out", str(tmp_path / "q"), "--quiet"]
    )
    assert quiet.output == ""


def test_metric_values_are_finite_for_ok_runs(tmp_path):
    runs = sim.sweep(write_experiment(tmp_path), workers=1)
    assert np.isfinite(runs["completeness"]).all()


def test_sweep_plot_writes_the_standard_charts(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(write_experiment(tmp_path)),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
            "--plot",
        ],
    )
    assert result.exit_code == 0, result.output
    pngs = sorted(p.stem for p in (out / "plots").glob("*.png"))
    csvs = sorted(p.stem for p in (out / "plots").glob("*.csv"))
    assert "comparison" in pngs and "over_time" in pngs and pngs == csvs
