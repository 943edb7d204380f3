"""The boundary between the model and the architectures: labels, and what every strategy
answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.commands.scenarios import architecture_label
from sim.config.loading import resolved_dict
from sim.reporting.loading import variant_label
from tests.helpers import scenario

LABELS = [
    ({"kind": "centralized"}, "centralized"),
    ({"kind": "federated"}, "federated"),
    ({"kind": "federated", "index": True}, "federated with index"),
    ({"kind": "hybrid"}, "hybrid push"),
    ({"kind": "hybrid", "sync": "batch", "sync_interval_days": 7}, "hybrid batch 7d"),
    ({"kind": "hybrid", "sync": "batch", "sync_interval_days": 0.5}, "hybrid batch 0.5d"),
    ({"kind": "fragmented"}, "fragmented"),
]


@pytest.mark.parametrize(("architecture", "label"), LABELS)
def test_one_label_for_the_scenario_list_and_the_reports(architecture, label):
    """The scenario list reads the validated scenario, the reports its resolved data in a
    summary file: both name the architecture the same way."""
    s = scenario({"architecture": architecture})
    assert architecture_label(s) == label
    assert variant_label(resolved_dict(s)) == label


def test_label_of_a_summary_from_another_version_is_its_kind():
    assert variant_label({"architecture": {"kind": "hybrid", "sync": "daily"}}) == "hybrid"
    assert variant_label({}) == "run"


def test_the_metrics_load_no_architecture_and_no_engine_of_the_model():
    """Metrics are pure functions of the run log: importing them (past the package's own
    ``__init__``) loads no strategy, no agent, no mesa and no simpy."""
    import subprocess
    import sys

    code = (
        "import sys, types\n"
        "package = types.ModuleType('sim'); package.__path__ = ['sim']\n"
        "sys.modules['sim'] = package\n"
        "import sim.metrics\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    root = Path(__file__).parent.parent
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    forbidden = ("sim.architectures", "sim.agents", "sim.behaviour", "sim.model", "mesa", "simpy")
    assert [m for m in loaded if m.startswith(forbidden)] == []
    assert {"sim.metrics.owners", "sim.metrics.cache", "sim.topology"} <= set(loaded)
