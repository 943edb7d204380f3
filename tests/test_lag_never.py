"""Lag over every (shareable record, entitled querier) pair: records never entered where a
querier looks count as never visible, not as still on their way."""

from __future__ import annotations

import numpy as np
import pytest

from sim.commands.formatting import metrics_table
from sim.metrics.integrals import sorted_weighted_quantiles
from sim.metrics.lag import LagSample, lag_metrics
from sim.runner import run_one
from tests.helpers import scenario

LONG_LIVED = {
    "horizon_days": 300,
    "records": {"lifetime_days": {"dist": "exponential", "mean": 100_000}},
    "architecture": {
        "kind": "fragmented",
        "entry_probability": {"hub": 0.85},
        "entry_delay_hours": {"hub": {"dist": "exponential", "mean": 48}},
    },
}


def test_never_visible_is_the_share_never_keyed_into_the_hub():
    """Two countries without platforms see only the hub, which 15 % of records never reach:
    with lifetimes far beyond the run, almost none is deleted first, and before this change
    the never-entered ones were counted as censored (never_visible_fraction near 0). About
    12,000 records per seed: a standard error of 0.003."""
    runs = [run_one(scenario(LONG_LIVED), seed=s).metrics for s in (1, 2)]
    assert np.mean([m["never_visible_fraction"] for m in runs]) == pytest.approx(0.15, abs=0.01)
    for m in runs:
        assert m["lag_p50_hours"] is not None
        assert m["lag_p95_hours"] is None  # 95 % falls in the never-visible 15 %


def test_centralized_leaves_nothing_never_visible_with_long_lifetimes():
    metrics = run_one(scenario(LONG_LIVED | {"architecture": {"kind": "centralized"}}), seed=1)
    assert metrics.metrics["never_visible_fraction"] < 0.001
    assert metrics.metrics["lag_p99_hours"] is not None


def sample(lags: list[float], weights: list[float]) -> LagSample:
    """A lag sample of one column per outcome, all queriers in one region."""
    n = len(lags)
    return LagSample(
        lag_days=np.array(lags),
        column=np.arange(n),
        table=np.vstack([np.array(weights), np.zeros(n)]),
        kind=np.zeros(n, dtype=np.int16),
    )


def test_a_percentile_in_the_never_visible_mass_is_never():
    """Lags 1, 2 and 3 days with weights 0.3 each, never with 0.1: the median is 2 days, the
    95th percentile falls in the never-visible tenth."""
    metrics = lag_metrics(sample([1.0, 2.0, 3.0, np.inf], [0.3, 0.3, 0.3, 0.1]), None)
    assert metrics["lag_p50_hours"] == 48.0
    assert metrics["lag_p95_hours"] is None
    assert metrics["never_visible_fraction"] == pytest.approx(0.1)
    assert sorted_weighted_quantiles(np.array([1.0, 2.0]), np.array([1.0, 1.0]), [0.5]) == [1.0]


def test_the_run_table_says_never():
    table = metrics_table(
        {"run": run_one(scenario(LONG_LIVED | {"horizon_days": 120, "warmup_days": 20}), seed=1)}
    )
    rows = dict(line.split(maxsplit=1) for line in table.splitlines()[2:])
    assert rows["lag_p95_hours"].split() == ["hours", "never"]
    assert rows["lag_p50_hours"].split()[-1] not in ("never", "n/a")
    assert any(line.startswith("never: the percentile falls") for line in table.splitlines())
