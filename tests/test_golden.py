"""Pinned full metrics of small scenarios: any change to what the model computes shows here.

If a change is intended, regenerate with ``python -m tests.test_golden`` and say why in the
commit message.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.runner import run_one
from tests.golden_scenarios import GOLDEN
from tests.helpers import scenario

HERE = Path(__file__).parent / "golden"


def observed(name: str) -> dict:
    result = run_one(scenario(GOLDEN[name]), seed=4)
    return {"metrics": result.scalar_metrics(), "by_region": result.by_region,
            "by_kind": result.by_kind, "counts": result.counts}


def close(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_metrics_match_the_pinned_values(name):
    pinned = json.loads((HERE / f"{name}.json").read_text())
    assert close(json.loads(json.dumps(observed(name))), pinned)


if __name__ == "__main__":
    for name in GOLDEN:
        (HERE / f"{name}.json").write_text(json.dumps(observed(name), indent=1, sort_keys=True))
