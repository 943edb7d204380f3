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
    return {
        "metrics": result.scalar_metrics(),
        "by_region": result.by_region,
        "by_kind": result.by_kind,
        "counts": result.counts,
    }


def differences(observed, pinned, at: str = "") -> list[str]:
    """Every key path where ``observed`` differs from ``pinned``, with both values."""
    if isinstance(pinned, dict) and isinstance(observed, dict):
        out = [f"{at}{k}: missing (pinned {pinned[k]!r})" for k in pinned if k not in observed]
        out += [f"{at}{k}: new key ({observed[k]!r})" for k in observed if k not in pinned]
        for key in pinned.keys() & observed.keys():
            out += differences(observed[key], pinned[key], f"{at}{key}.")
        return sorted(out)
    if observed is None or pinned is None or isinstance(pinned, str):
        same = observed == pinned
    else:
        same = math.isclose(observed, pinned, rel_tol=1e-9, abs_tol=1e-12)
    return [] if same else [f"{at.rstrip('.')}: {observed!r}, pinned {pinned!r}"]


def test_differences_name_the_key_that_changed():
    pinned = {"metrics": {"completeness": 0.9, "ghost_rate": None}, "counts": {"queries": 4}}
    observed = {"metrics": {"completeness": 0.8, "ghost_rate": None}, "counts": {"sent": 4}}
    assert differences(observed, pinned) == [
        "counts.queries: missing (pinned 4)",
        "counts.sent: new key (4)",
        "metrics.completeness: 0.8, pinned 0.9",
    ]
    assert differences(pinned, pinned) == []


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_metrics_match_the_pinned_values(name):
    pinned = json.loads((HERE / f"{name}.json").read_text())
    changed = differences(json.loads(json.dumps(observed(name))), pinned)
    assert not changed, f"{name}: {len(changed)} value(s) changed:\n" + "\n".join(changed[:20])


if __name__ == "__main__":
    for name in GOLDEN:
        (HERE / f"{name}.json").write_text(json.dumps(observed(name), indent=1, sort_keys=True))


@pytest.mark.parametrize("name", ["hybrid-batch-outages", "mixed-kinds"])
def test_the_metrics_do_not_depend_on_how_many_classes_a_block_holds(name, monkeypatch):
    """The segment sweep works a block of record classes at a time to bound its memory: one
    class a block gives the pinned values all the same."""
    import sim.metrics.segments as segments

    monkeypatch.setattr(segments, "BLOCK_BYTES", 1)
    pinned = json.loads((HERE / f"{name}.json").read_text())
    changed = differences(json.loads(json.dumps(observed(name))), pinned)
    assert not changed, f"{name}: {len(changed)} value(s) changed:\n" + "\n".join(changed[:20])
