"""Uncertainties, ``set`` and scoped grids in experiment files: every lever runs in the same
sampled worlds with the same seeds (paired world by world), keys a lever lacks are skipped for
it, and a sweep with worlds resumes after SIGKILL like any other."""

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

from sim.cli import main
from sim.sweeps import build_plan, load_experiment, run_sweep
from sim.sweeps.design import world_draws
from sim.sweeps.plan import skipped_keys
from sim.sweeps.seeds import design_seed
from tests.test_sweep import SCENARIO

HUB_ENTRY = "architecture.entry_probability.hub"
HUB_DELAY = "links.ncb_to_hub.delay_hours.mean"

EXPERIMENT = {
    "name": "worlds",
    "scenario": "scenario.yaml",
    "replications": 1,
    "seed": 5,
    "variants": {
        "fragmented": {"architecture": {"kind": "fragmented"}},
        "centralized": {"architecture": {"kind": "centralized"}},
    },
    "uncertainties": {
        "design": "lhs",
        "worlds": 6,
        "parameters": {
            HUB_ENTRY: {"range": [0.8, 0.99]},
            "delays": {
                "keys": {
                    HUB_DELAY: {"range": [1, 96]},
                    "records.creation_per_country_per_day": {"range": [5, 15]},
                }
            },
            "stores.hub.servers": {"range": [1, 3]},
        },
    },
}


def write_experiment(folder: Path, changes: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    path = folder / "exp.yaml"
    path.write_text(yaml.safe_dump({**EXPERIMENT, **(changes or {})}, sort_keys=False))
    return path


def plan_of(folder: Path, changes: dict | None = None):
    return build_plan(load_experiment(write_experiment(folder, changes)))


# --- the worlds -------------------------------------------------------------------------------


def test_every_lever_runs_in_the_same_worlds_with_the_same_seeds(tmp_path):
    plan = plan_of(tmp_path, {"replications": 2})
    assert len(plan) == 2 * 6 * 2
    by_lever = {
        v: {(s.world, s.replication): s for s in plan if s.variant == v}
        for v in ("fragmented", "centralized")
    }
    assert by_lever["fragmented"].keys() == by_lever["centralized"].keys()
    for key, frag in by_lever["fragmented"].items():
        central = by_lever["centralized"][key]
        assert frag.seed == central.seed and frag.point_id == central.point_id
        assert frag.world_values == central.world_values
    seeds = {s.seed for s in plan}
    assert len(seeds) == 6 * 2, "each world and replication has a seed of its own"


def test_a_key_a_lever_lacks_is_skipped_for_it_and_set_for_the_others(tmp_path):
    plan = plan_of(tmp_path)
    frag = next(s for s in plan if s.variant == "fragmented" and s.world == 3)
    central = next(s for s in plan if s.variant == "centralized" and s.world == 3)
    assert frag.scenario["architecture"]["entry_probability"]["hub"] == frag.point[HUB_ENTRY]
    assert central.scenario["architecture"] == {"kind": "centralized"}
    assert HUB_ENTRY not in central.point
    assert central.world_values[HUB_ENTRY] == frag.world_values[HUB_ENTRY]
    # the keys both levers have get the same value in both
    for path in (HUB_DELAY, "stores.hub.servers"):
        assert central.point[path] == frag.point[path]
    skipped = skipped_keys(load_experiment(tmp_path / "exp.yaml"))
    assert skipped == {HUB_ENTRY: ["centralized"]}


def test_a_group_moves_its_keys_by_one_draw_and_integer_keys_sample_integers(tmp_path):
    plan = [s for s in plan_of(tmp_path) if s.variant == "fragmented"]
    delays = np.array([s.point[HUB_DELAY] for s in plan])
    volumes = np.array([s.point["records.creation_per_country_per_day"] for s in plan])
    np.testing.assert_allclose((delays - 1) / 95, (volumes - 5) / 10)
    assert [s.world_values["delays"] for s in plan] == list(delays)
    servers = [s.point["stores.hub.servers"] for s in plan]
    assert all(isinstance(n, int) for n in servers) and set(servers) <= {1, 2, 3}
    assert len(set(servers)) == 3, "a Latin hypercube of 6 worlds covers each of 3 integers"


def test_latin_hypercube_worlds_fill_every_stratum_of_every_uncertainty(tmp_path):
    experiment = load_experiment(write_experiment(tmp_path))
    draws = world_draws(experiment.uncertainties, design_seed(experiment.seed))
    assert draws.shape == (6, 3)
    for column in draws.T:
        assert sorted(np.floor(column * 6).astype(int)) == list(range(6))


def test_factorial_worlds_cross_every_level(tmp_path):
    uncertainties = {
        "design": "factorial",
        "levels": 2,
        "parameters": {
            HUB_ENTRY: {"values": [0.8, 0.9, 0.99]},
            HUB_DELAY: {"range": [1, 96]},
        },
    }
    plan = plan_of(tmp_path, {"uncertainties": uncertainties})
    frag = [(s.point[HUB_ENTRY], s.point[HUB_DELAY]) for s in plan if s.variant == "fragmented"]
    assert frag == [(p, d) for p in (0.8, 0.9, 0.99) for d in (1.0, 96.0)]


def test_set_applies_to_every_variant_and_a_scoped_grid_to_the_named_ones(tmp_path):
    changes = {
        "set": {"horizon_days": 90, HUB_ENTRY: 0.7},
        "variants": {
            **EXPERIMENT["variants"],
            "hybrid": {"architecture": {"kind": "hybrid", "sync": "batch"}},
        },
        "grid": {"architecture.sync_interval_days": {"values": [1, 7], "variants": ["hybrid"]}},
        "uncertainties": {
            "design": "lhs",
            "worlds": 2,
            "parameters": {HUB_DELAY: {"range": [1, 9]}},
        },
    }
    plan = plan_of(tmp_path, changes)
    assert {s.scenario["horizon_days"] for s in plan} == {90}
    frag = next(s for s in plan if s.variant == "fragmented")
    assert frag.scenario["architecture"]["entry_probability"]["hub"] == 0.7
    hybrid = {s.point_id: s.scenario["architecture"]["sync_interval_days"] for s in plan
              if s.variant == "hybrid"}  # fmt: skip
    assert hybrid == {"p000": 1, "p001": 1, "p002": 7, "p003": 7}
    central = [s for s in plan if s.variant == "centralized"]
    assert len(central) == 4 and all("architecture.sync_interval_days" not in s.point
                                     for s in central)  # fmt: skip
    assert central[0].scenario == central[2].scenario and central[0].seed == central[2].seed


def scoped_grid(worlds: int) -> dict:
    """Centralized and hybrid over sampled worlds, with a sync interval grid scoped to hybrid:
    centralized has the same scenario at both grid values (its twins)."""
    return {
        "variants": {"centralized": {}, "hybrid": {"architecture": {"kind": "hybrid"}}},
        "grid": {"architecture.sync_interval_days": {"values": [1, 7], "variants": ["hybrid"]}},
        "uncertainties": {
            "design": "lhs",
            "worlds": worlds,
            "parameters": {HUB_DELAY: {"range": [1, 9]}},
        },
    }


def test_a_variant_outside_a_scoped_grid_runs_once_per_world(tmp_path):
    changes = scoped_grid(worlds=2)
    out = tmp_path / "out"
    outcome = run_sweep(write_experiment(tmp_path, changes), out, workers=1)
    runs = outcome.runs.set_index("run_id")
    assert len(runs) == 8 and (runs["status"] == "ok").all()
    # the centralized runs at grid point 1 are copies of those at grid point 0, under their own ids
    assert (
        runs.loc["centralized--p002--r000", "wall_seconds"]
        == runs.loc["centralized--p000--r000", "wall_seconds"]
    )
    record = json.loads((out / "runs" / "centralized--p002--r000.json").read_text())
    assert record["run_id"] == "centralized--p002--r000" and record["world"] == 0


def test_twins_are_written_by_the_worker_as_the_parent_would_copy_them(tmp_path, monkeypatch):
    """A run's twins are written by the worker that ran it, from the record in hand; the
    parent copies only what no worker wrote (here: a twin lost from a finished sweep, copied
    on ``--resume`` from its original read back): the same bytes either way."""
    import sim.sweeps.api

    reads: list[str] = []
    read_run, write_twins = sim.sweeps.api.store.read_run, sim.sweeps.api.write_twins

    def copying(*args):  # the records write_twins reads back
        monkeypatch.setattr(
            sim.sweeps.api.store, "read_run", lambda o, rid: reads.append(rid) or read_run(o, rid)
        )
        write_twins(*args)
        monkeypatch.setattr(sim.sweeps.api.store, "read_run", read_run)

    monkeypatch.setattr(sim.sweeps.api, "write_twins", copying)
    source = write_experiment(tmp_path, scoped_grid(worlds=2))
    out = tmp_path / "out"
    run_sweep(source, out, workers=1)
    twin = out / "runs" / "centralized--p002--r000.json"
    by_worker = twin.read_bytes()
    assert reads == []  # the parent read no record back to copy it
    twin.unlink()
    run_sweep(source, out, workers=1, resume=True)
    assert reads == ["centralized--p000--r000"]
    assert twin.read_bytes() == by_worker


def test_a_scenario_shared_by_several_runs_is_validated_and_sized_once(tmp_path, monkeypatch):
    """Centralized, outside the scoped grid, has one scenario per world at both grid values:
    the plan validates, and the size check estimates, each distinct scenario once (the
    robustness experiment: 2,304 of 5,376 runs; planning and checking took 88 s, now 25 s)."""
    import sim.sweeps.api
    import sim.sweeps.plan

    validated, sized = [], []
    validate, size = sim.sweeps.plan.scenario_from_dict, sim.sweeps.api.check_size
    monkeypatch.setattr(
        sim.sweeps.plan, "scenario_from_dict", lambda raw: validated.append(1) or validate(raw)
    )
    monkeypatch.setattr(
        sim.sweeps.api, "check_size", lambda *a, **k: sized.append(1) or size(*a, **k)
    )
    changes = scoped_grid(worlds=3)
    experiment = load_experiment(write_experiment(tmp_path, changes))
    plan = build_plan(experiment)
    distinct = {s.scenario_sha256 for s in plan}
    assert len(plan) == 12 and len(distinct) == 9  # centralized: 3 worlds; hybrid: 2 x 3
    assert len(validated) == 9
    sim.sweeps.api.check_plan_size(experiment, plan, 1e12)
    assert len(sized) == 9


# --- bad files --------------------------------------------------------------------------------


def lhs(parameters: dict, **block) -> dict:
    return {"uncertainties": {"design": "lhs", "worlds": 4, "parameters": parameters} | block}


BAD = [
    (
        lhs({"architecture.entry_probabilty.hub": {"range": [0, 1]}}),
        "uncertainties.parameters.architecture.entry_probabilty.hub",
        "did you mean 'entry_probability'",
    ),
    (
        lhs({HUB_DELAY: {"range": [1, 2]}}, design="sobol", worlds=100),
        "uncertainties.worlds",
        "use 128 or 64",
    ),
    (
        lhs({HUB_DELAY: {"rnage": [1, 2]}}),
        f"uncertainties.parameters.{HUB_DELAY}.rnage",
        "did you mean 'range'",
    ),
    (
        lhs({HUB_ENTRY: {"range": [0.8, 1.2]}}),
        f"uncertainties.parameters.{HUB_ENTRY}.range",
        "probability must be in [0, 1]",
    ),
    (
        lhs({"stores.hub.servers": {"range": [1, 2.5]}}),
        "uncertainties.parameters.stores.hub.servers.range",
        "whole-number ends",
    ),
    (
        lhs({HUB_DELAY: {"range": [1, 2]}}, design="lhc"),
        "uncertainties.design",
        "did you mean 'lhs'",
    ),
    (
        {"grid": {HUB_DELAY: {"values": [1, 2], "variants": ["centralised"]}}},
        f"grid.{HUB_DELAY}.variants",
        "did you mean 'centralized'",
    ),
    (
        {"set": {"horizon_dyas": 90}},
        "set.horizon_dyas",
        "did you mean 'horizon_days'",
    ),
    (
        lhs({HUB_DELAY: {"range": [0, 96], "scale": "log"}}),
        f"uncertainties.parameters.{HUB_DELAY}.range",
        "a log scale needs a range above 0",
    ),
    (
        lhs({HUB_DELAY: {"range": [1, 96], "scale": "logarithmic"}}),
        f"uncertainties.parameters.{HUB_DELAY}.scale",
        "unknown scale 'logarithmic' (valid: linear, log)",
    ),
    (
        {"grid": {HUB_DELAY: {"range": [1, 96]}}},
        f"grid.{HUB_DELAY}.n",
        "missing required key 'n'",
    ),
    (
        {"grid": {HUB_DELAY: {"range": [1, 96], "n": 3, "values": [1]}}},
        f"grid.{HUB_DELAY}",
        "not both",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "key_path", "message"), BAD, ids=[b[1] for b in BAD])
def test_bad_uncertainties_exit_2_with_one_line(tmp_path, changes, key_path, message):
    experiment = write_experiment(tmp_path, changes)
    result = CliRunner().invoke(main, ["sweep", str(experiment), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line
    assert line.startswith(f"{experiment}: {key_path}: "), line
    assert message in line, line


def test_dry_run_names_the_worlds_and_the_skipped_keys(tmp_path):
    result = CliRunner().invoke(
        main, ["sweep", str(write_experiment(tmp_path)), "--out", str(tmp_path / "o"), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "6 worlds, lhs" in result.output
    assert f"{HUB_ENTRY}: skipped for centralized" in result.output


def test_a_log_scale_draws_each_decade_alike(tmp_path):
    """``scale: log`` follows the draw in the logarithm: a ratio over 0.1 to 1,000 takes, in a
    Latin hypercube of 6 worlds, one value in each sixth of its four decades."""
    ratio = {"queries.deleted_search_ratio": {"range": [0.1, 1000], "scale": "log"}}
    uncertainties = lhs(ratio, worlds=6)
    plan = [s for s in plan_of(tmp_path, uncertainties) if s.variant == "fragmented"]
    ratios = np.array([s.point["queries.deleted_search_ratio"] for s in plan])
    cells = np.floor((np.log10(ratios) + 1) / 4 * 6).astype(int)
    assert sorted(cells) == list(range(6))


def test_keys_under_a_mapping_by_name_are_uncertain_too(tmp_path):
    """A record kind's or a size's key (``records.kinds.<kind>.<key>``,
    ``costs.record_bytes_by_kind.<kind>``) is a dotted path like any other."""
    kinds = {"kinds": {"a": {"share": 0.5}, "b": {"share": 0.5}}}
    scenario = {**SCENARIO, "records": {**SCENARIO["records"], **kinds}}
    folder = tmp_path / "k"
    path = write_experiment(folder)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario))
    raw = yaml.safe_load(path.read_text())
    raw["uncertainties"] = lhs(
        {
            "records.kinds.a.material_update_share": {"range": [0.1, 0.6]},
            "costs.record_bytes_by_kind.b": {"range": [500, 3000]},
        },
        worlds=6,
    )["uncertainties"]
    path.write_text(yaml.safe_dump(raw))
    plan = build_plan(load_experiment(path))
    shares = {s.point["records.kinds.a.material_update_share"] for s in plan}
    assert len(shares) == 6 and all(0.1 <= v <= 0.6 for v in shares)
    assert all(500 <= s.point["costs.record_bytes_by_kind.b"] <= 3000 for s in plan)


def test_a_grid_range_spaces_a_setting_evenly_or_in_its_logarithm(tmp_path):
    """``{range, n, scale}`` in a grid: n settings, ends included; an integer key takes the
    nearest whole values, each once."""
    grid = {
        "architecture.sync_interval_days": {
            "range": [1, 100], "n": 3, "scale": "log", "variants": ["hybrid"],
        },
        HUB_DELAY: {"range": [0, 10], "n": 3},
        "stores.hub.servers": {"range": [1, 8], "n": 4},
    }  # fmt: skip
    experiment = load_experiment(
        write_experiment(
            tmp_path,
            {
                "variants": {"hybrid": {"architecture": {"kind": "hybrid", "sync": "batch"}}},
                "grid": grid,
                # the grid's keys are not also sampled (a key varied twice is refused)
                "uncertainties": {
                    "design": "lhs",
                    "worlds": 6,
                    "parameters": {HUB_ENTRY: {"range": [0.8, 0.99]}},
                },
            },
        )
    )
    assert experiment.grid["architecture.sync_interval_days"] == (1.0, 10.0, 100.0)
    assert experiment.grid[HUB_DELAY] == (0.0, 5.0, 10.0)
    assert experiment.grid["stores.hub.servers"] == (1, 3, 6, 8)
    assert experiment.grid_scope["architecture.sync_interval_days"] == ("hybrid",)


# --- results ----------------------------------------------------------------------------------


def test_runs_table_names_the_world_and_each_uncertainty(tmp_path):
    out = tmp_path / "out"
    two_worlds = {"uncertainties": {**EXPERIMENT["uncertainties"], "worlds": 2}}
    run_sweep(write_experiment(tmp_path, two_worlds), out, workers=1)
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[3:8]) == ["world", HUB_ENTRY, "delays", "stores.hub.servers",
                                       "replication"]  # fmt: skip
    pivot = runs.pivot(index="world", columns="variant", values="delays")
    assert (pivot["fragmented"] == pivot["centralized"]).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["uncertainties"]["delays"] == [
        HUB_DELAY,
        "records.creation_per_country_per_day",
    ]
    assert manifest["worlds"] == 2 and manifest["uncertainty_design"] == "lhs"


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_sweep_with_worlds(tmp_path):
    experiment = write_experiment(tmp_path)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(experiment), "--out", str(out)]
    process = subprocess.Popen([*command, "--workers", "1", "--quiet"], start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((out / "runs").glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 3 <= len(list((out / "runs").glob("*.json"))) < 12
    assert not (out / "runs.csv").exists()
    for path in (out / "runs").glob("*.json"):
        json.loads(path.read_text())  # every file that exists is whole
    resumed = subprocess.run([*command, "--resume", "--workers", "1", "--quiet"], check=False)
    assert resumed.returncode == 0
    run_sweep(experiment, tmp_path / "whole", workers=1)
    killed = pd.read_csv(out / "runs.csv").drop(columns=["wall_seconds"])
    whole = pd.read_csv(tmp_path / "whole" / "runs.csv").drop(columns=["wall_seconds"])
    assert killed["run_id"].is_unique and len(killed) == 12
    pd.testing.assert_frame_equal(killed, whole)


def test_a_rerun_plans_a_set_of_a_preset_modifier_from_the_scenario_file(tmp_path):
    from sim.sweeps.manifest import new_manifest
    from sim.sweeps.rerun import plan_for_rerun
    from sim.sweeps.store import write_manifest

    world = Path(__file__).parents[1] / "scenarios" / "world-2023-fragmented.yaml"
    experiment = {
        "scenario": str(world),
        "variants": {"fragmented": {}},
        "set": {"world": {"regions": ["europe"]}, "horizon_days": 90},
        **lhs({HUB_ENTRY: {"range": [0.8, 0.99]}}, worlds=2),
    }
    (tmp_path / "experiment.yaml").write_text(yaml.safe_dump(experiment))  # as a sweep copies it
    loaded = load_experiment(tmp_path / "experiment.yaml")
    write_manifest(tmp_path, new_manifest(loaded))
    _, plan = plan_for_rerun(tmp_path)
    assert plan == build_plan(loaded)
    assert plan[0].scenario["world"] == {"preset": "interpol-2023", "regions": ["europe"]}
