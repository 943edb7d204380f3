"""Hybrid copy policy: which platforms the hub passes the global records on to
(``architecture.redistribute``), against a hand count of the copies held, and what it does not
change: officers query the hub as well as their platforms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.metrics import compute_metrics
from sim.metrics.integrals import Increments, IndexedIntervals
from sim.runner import simulate
from tests.helpers import scenario

WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}, {"name": "P3"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P3"]},
        {"code": "DDD", "region": "africa"},
    ],
}

COPIES = {
    "none": [2, 2, 2, 1],
    "region": [3, 3, 2, 2],
    "all": [4, 4, 4, 4],
}
"""Copies outside the owner's country of each owner's global record, counted by hand.

none: its own platform and the hub (DDD, on no platform: the hub alone). region: also the
platforms with a member in its region: AAA's record reaches P2 (BBB is European) and BBB's P1;
Africa has one platform, P3, which CCC is in and DDD's record reaches. all: the hub and every
platform."""


def hybrid(redistribute: str, links: dict | None = None):
    return scenario(
        {
            "horizon_days": 200,
            "warmup_days": 20,
            "architecture": {"kind": "hybrid", "redistribute": redistribute},
            "world": WORLD,
            "links": links or {},
        }
    )


@pytest.mark.parametrize("redistribute", sorted(COPIES))
def test_exposure_is_the_hand_count_of_copies(redistribute):
    """Instant links, no outages: every copy is held exactly while its record is active, so
    exposure = sum over records of copies(owner) x active time in the window / active time."""
    log, _ = simulate(hybrid(redistribute), 1)
    src = log.source
    active = np.clip(
        np.minimum(src.deleted, log.horizon) - np.maximum(src.created, log.warmup), 0, None
    )
    expected = float((np.array(COPIES[redistribute])[src.owner] * active).sum() / active.sum())
    assert compute_metrics(log).metrics["exposure"] == pytest.approx(expected, rel=1e-9)


def test_copies_in_other_platforms_add_no_completeness_while_the_hub_is_up():
    """A platform gets a record from the hub after the hub has it, and its deletion after the
    hub's: while the record is active, a platform copy is never visible where the hub is not.
    Every officer also queries the hub, so completeness is the same under each policy; only
    exposure (and conflicts between the systems) differ."""
    delay = {"dist": "exponential", "mean": 12}
    links = {name: {"delay_hours": delay} for name in ("ncb_to_platform", "ncb_to_hub")}
    links |= {name: {"delay_hours": delay} for name in ("platform_to_hub", "hub_to_platform")}
    metrics = {r: compute_metrics(simulate(hybrid(r, links), 2)[0]).metrics for r in COPIES}
    assert metrics["none"]["completeness"] < 0.99  # the delays matter
    for r in ("region", "all"):
        assert metrics[r]["completeness"] == pytest.approx(metrics["none"]["completeness"], 1e-12)
    assert metrics["none"]["exposure"] < metrics["region"]["exposure"] < metrics["all"]["exposure"]


def test_increments_of_no_intervals_add_as_floats():
    """A chunk of records none of which a store shows gives empty increments; they must add
    to float totals (numpy's bincount of nothing with weights gives integers)."""
    points = np.array([0.0, 1.0, 2.0])
    intervals = IndexedIntervals(
        np.zeros(2, np.int64), np.array([0.5, 1.0]), np.array([1.5, 9.0]), points, 1
    )
    total = intervals.increments(np.array([True, True]))
    total += intervals.increments(np.array([False, False]))
    none = intervals.increments(np.array([False, False]))
    none += total
    assert isinstance(none, Increments)
    np.testing.assert_allclose(none.cumulative(), [[0.0, 0.5, 2.0]])
