"""Scheduled outages and creation surges: the two stress keys scenario files use."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config import ConfigError
from sim.config.schema import OutageSpec, Records
from sim.engine.outages import Availability
from sim.records import _creations
from sim.world import WorldIndex
from tests.helpers import scenario

RARE = {"mtbf_days": 1e9, "mttr_hours": 1}


def test_scheduled_window_is_down_exactly_then() -> None:
    spec = OutageSpec(**RARE, scheduled=[{"start_day": 10, "duration_hours": 72}])
    a = Availability.draw(spec, 100.0, np.random.default_rng(0), "hub")
    assert a.starts.tolist() == [10.0] and a.ends.tolist() == [13.0]
    assert a.is_up(np.array([9.99, 10.0, 12.99, 13.0])).tolist() == [True, False, False, True]
    assert a.down_time(0, 100) == pytest.approx(3.0)


def test_scheduled_window_hits_only_the_named_stores() -> None:
    window = {"start_day": 5, "duration_hours": 24, "only": ["SIS"]}
    spec = OutageSpec(**RARE, scheduled=[window])
    rng = np.random.default_rng(0)
    assert Availability.draw(spec, 50.0, rng, "platform.SIS").has_outages
    assert not Availability.draw(spec, 50.0, rng, "platform.WAPIS").has_outages


def test_scheduled_windows_merge_with_random_ones_and_keep_their_draws() -> None:
    plain = OutageSpec(mtbf_days=5, mttr_hours=12)
    forced = OutageSpec(
        mtbf_days=5, mttr_hours=12, scheduled=[{"start_day": 40, "duration_hours": 240}]
    )
    a = Availability.draw(plain, 200.0, np.random.default_rng(3), "hub")
    b = Availability.draw(forced, 200.0, np.random.default_rng(3), "hub")
    assert np.all(b.starts[1:] > b.ends[:-1])  # sorted and disjoint
    # The union of the random windows and [40, 50): |A| + |W| - |A ∩ W|, exactly.
    expected = a.down_time(0, 200) + 10.0 - a.down_time(40, 50)
    assert b.down_time(0, 200) == pytest.approx(expected, abs=1e-9)
    outside = (a.ends <= 40) | (a.starts >= 50)
    assert set(a.starts[outside]) <= set(b.starts)  # the random draws are unchanged
    assert not b.is_up(np.array([40.0, 45.0, 49.99])).any()


def test_a_scheduled_outage_of_an_unknown_platform_is_a_config_error() -> None:
    window = {"start_day": 5, "duration_hours": 24, "only": ["SISS"]}
    with pytest.raises(ConfigError, match=r"outages.platform.scheduled.0.only.0: 'SISS'"):
        scenario({"outages": {"platform": {**RARE, "scheduled": [window]}}})


def _world(n: int = 3) -> WorldIndex:
    s = scenario(
        {"world": {"countries": [{"code": f"C{i}", "region": "europe"} for i in range(n)]}}
    )
    return WorldIndex.from_schema(s.world, s.records.denials)


def test_surge_multiplies_creations_inside_its_window_only() -> None:
    spec = Records(
        creation_per_country_per_day=200, surges=[{"start_day": 20, "days": 14, "factor": 5}]
    )
    owner, t = _creations(spec, _world(), 100.0, np.random.default_rng(1))
    inside = np.mean((t >= 20) & (t < 34)) * t.size / 14
    outside = np.mean((t < 20) | (t >= 34)) * t.size / 86
    assert inside / outside == pytest.approx(5.0, rel=0.05)
    assert np.all(np.diff(t) >= 0) and owner.size == t.size


def test_a_neutral_surge_draws_exactly_as_none_and_a_lull_thins() -> None:
    """A surge of factor 1, or one that starts after the horizon, changes nothing: not even
    the random draws (so adding one to a scenario leaves every other result as it was)."""
    base = _creations(Records(), _world(), 100.0, np.random.default_rng(2))
    for surge in (
        {"start_day": 10, "days": 20, "factor": 1.0},
        {"start_day": 150, "days": 20, "factor": 3.0},
    ):
        same = _creations(Records(surges=[surge]), _world(), 100.0, np.random.default_rng(2))
        assert np.array_equal(base[0], same[0]) and np.array_equal(base[1], same[1])
    lull = Records(
        creation_per_country_per_day=200, surges=[{"start_day": 0, "days": 50, "factor": 0.5}]
    )
    _, t = _creations(lull, _world(), 100.0, np.random.default_rng(2))
    assert np.sum(t < 50) / np.sum(t >= 50) == pytest.approx(0.5, rel=0.05)
