"""The scenario library and experiments: every file validates, world-2023 runs, CLI lists them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.config import load_scenario, resolved_dict
from sim.data import REGIONS

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
WORLD_2023 = [
    "fragmented",
    "centralized",
    "federated",
    "federated-index",
    "hybrid-push",
    "hybrid-batch-weekly",
]
SHORT = ["horizon_days=40", "warmup_days=10"]


def world_file(name: str) -> Path:
    return ROOT / "scenarios" / f"world-2023-{name}.yaml"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_file_validates_and_opens_with_its_question(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem or path.stem == "demo-default"
    assert path.read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_every_experiment_names_an_existing_scenario_and_plans(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (path.parent / raw["scenario"]).is_file()
    from sim.sweeps import build_plan, load_experiment

    plan = build_plan(load_experiment(path))  # every variant and point validated
    assert len(plan) >= raw["replications"] * len(raw["variants"])


def test_the_world_2023_files_differ_only_in_their_architecture() -> None:
    def rest(name: str) -> dict:
        resolved = resolved_dict(load_scenario(world_file(name)))
        return {
            k: v for k, v in resolved.items() if k not in ("name", "description", "architecture")
        }

    first = rest(WORLD_2023[0])
    assert all(rest(name) == first for name in WORLD_2023[1:])
    assert len(first["world"]["countries"]) == 196


@pytest.mark.parametrize("name", WORLD_2023)
def test_world_2023_runs_a_short_horizon_with_five_regions(name: str) -> None:
    from sim.runner import run_one

    result = run_one(load_scenario(world_file(name), SHORT))
    assert sorted(result.by_region) == sorted(REGIONS)
    assert 0.5 < result.metrics["completeness"] <= 1.0
    assert result.counts["records_created"] > 1000  # scaled back to real volumes


def test_the_scheduled_hub_outage_takes_the_hub_down_in_a_run() -> None:
    from sim.runner import run_one

    file = ROOT / "scenarios" / "world-2023-hub-outage.yaml"
    quiet = [*SHORT, "outages.hub.mtbf_days=100000"]
    forced = run_one(load_scenario(file, [*quiet, "outages.hub.scheduled.0.start_day=20"]))
    calm = run_one(load_scenario(file, quiet))
    hub = forced.outages[forced.outages["store"] == "hub"]
    assert hub[["start_day", "end_day"]].values.tolist() == [[20.0, 23.0]]
    assert forced.metrics["query_availability"] < calm.metrics["query_availability"] - 0.05


def test_scenarios_list_shows_every_file_with_its_question() -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, ["scenarios", "list"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    for path in SCENARIOS:
        assert f"scenarios/{path.name}" in result.output
    line = next(x for x in result.output.splitlines() if "world-2023-hybrid-batch-weekly " in x)
    assert "hybrid batch 7d" in line and "What does a weekly batch" in line
    assert "sim/scenarios/default.yaml" in result.output


def test_scenarios_show_prints_the_file_and_the_resolved_facts() -> None:
    result = CliRunner().invoke(main, ["scenarios", "show", str(world_file("fragmented"))])
    assert result.exit_code == 0, result.output
    assert "# Question: how complete" in result.output
    assert "196: africa 49, americas 38" in result.output
    assert "kind travel_documents" in result.output
    missing = CliRunner().invoke(main, ["scenarios", "show", "no-such-scenario"])
    assert missing.exit_code == 2
