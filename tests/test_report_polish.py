"""From results to a slide: footers naming the scenario, the bottom line, stable colours, the
human ``pdsa compare``, slide sizes and the pptx deck."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from sim.reporting import load_results
from sim.reporting.charts import CHARTS
from sim.reporting.footer import footer, illustrative
from tests.test_reporting import BASE, REPLICATIONS, run_dir, sweep_dir  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def sweep(sweep_dir: Path):  # noqa: F811
    return load_results(sweep_dir)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_carries_the_footer(name: str, sweep) -> None:
    """Scenario, NCBs, window and replications on every chart (placeholders included), and
    the two-NCB test world flagged as illustrative on the chart itself."""
    fig, _ = CHARTS[name](sweep)
    texts = [flat(t.get_text()) for t in fig.texts]
    assert any(footer(sweep) in t for t in texts), texts
    measured = BASE["horizon_days"] - BASE["warmup_days"]
    assert footer(sweep).startswith("ILLUSTRATIVE world of 2 NCBs")
    assert f"{measured} days measured after {BASE['warmup_days']} days' warm-up" in footer(sweep)
    assert f"{REPLICATIONS} replications" in footer(sweep)


def test_footer_of_a_world_scale_sweep(sweep) -> None:
    """The scale the sweep recorded (its ``set`` applied) wins over the base scenario's."""
    scale = {"scenario": "world-2023-fragmented", "ncbs": 196, "sample_fraction": 0.0015,
             "horizon_days": 425, "warmup_days": 60}  # fmt: skip
    world = dataclasses.replace(sweep, manifest=sweep.manifest | {"scale": scale})
    assert not illustrative(world)
    text = footer(world)
    assert re.match(
        r"Scenario: world-2023-fragmented \(experiment architectures-test\), 196 NCBs, volumes"
        r" sampled at 0.15 %, one year measured after 60 days' warm-up, 3 replications\.$",
        text,
    ), text


def test_single_run_footer_says_one_run(run_dir: Path) -> None:  # noqa: F811
    text = footer(load_results(run_dir))
    assert text.endswith("one run.") and "Scenario: two-regions-test," in text
