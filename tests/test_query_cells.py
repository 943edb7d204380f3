"""The search metrics' breakdowns come from one pass over the searches: the daily counts per
(region, kind, day) cell and the daily latency percentiles by partition. Each is checked
against an independent computation on the same searches: masked sums for the counts (the
formulas the metrics used before the cells), pandas' groupby quantile for the percentiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.metrics.queries import daily_quantiles, query_cells


def searches(seed: int, n: int, n_days: int, n_countries: int = 7, n_kinds: int = 3) -> dict:
    """A query table of ``n`` random searches: some not sent, some not answered (latency
    NaN), some timed out, answer shares NaN where nothing was asked."""
    rng = np.random.default_rng(seed)
    sent = rng.random(n) < 0.9
    answered = sent & (rng.random(n) < 0.8)
    share = np.where(sent, rng.random(n), np.nan)
    share[rng.random(n) < 0.05] = np.nan
    return {
        "querier": rng.integers(0, n_countries, n),
        "day": np.sort(rng.integers(10, 10 + n_days, n)),
        "kind": rng.integers(0, n_kinds, n),
        "sent": sent,
        "answered": answered,
        "answer_share": share,
        "timeout": sent & (rng.random(n) < 0.1),
        "latency": np.where(answered, rng.lognormal(0.0, 1.0, n), np.nan),
    }


def masked_counts(table: dict, mask: np.ndarray) -> dict[str, float]:
    """The counts over the searches of ``mask``, summed directly."""
    sent = table["sent"] & mask
    latency = table["latency"][table["answered"] & mask]
    share = table["answer_share"][sent]
    share = share[~np.isnan(share)]
    return {
        "queries": float(mask.sum()),
        "queries_answered": float(table["answered"][mask].sum()),
        "queries_sent": float(sent.sum()),
        "queries_timed_out": float(table["timeout"][sent].sum()),
        "answer_share_sum": float(share.sum()),
        "answer_share_n": float(share.size),
        "latency_sum_seconds": float(latency.sum()),
        "latency_n": float(latency.size),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_add_up_to_each_breakdown_and_each_day(seed):
    table = searches(seed, 5000, 30)
    region_of = np.array([0, 0, 1, 2, 2, 2, 1])
    cells = query_cells(table, region_of, 3, 10, 30)
    region = region_of[table["querier"]]
    breakdowns = [(None, None), (0, None), (1, None), (2, None), (None, 0), (None, 2), (1, 1)]
    for r, k in breakdowns:
        mask = np.ones(region.size, dtype=bool)
        if r is not None:
            mask &= region == r
        if k is not None:
            mask &= table["kind"] == k
        expected = masked_counts(table, mask)
        assert cells.totals(r, k) == pytest.approx(expected, rel=1e-12)
        by_day = cells.by_day(r, k)
        for day in (0, 7, 29):
            on_day = masked_counts(table, mask & (table["day"] == 10 + day))
            assert {name: v[day] for name, v in by_day.items()} == pytest.approx(on_day)


def pandas_quantiles(values, day, mask, n_days, qs) -> np.ndarray:
    """The reference: pandas' groupby quantile of each day's values (NaN skipped)."""
    frame = pd.DataFrame({"day": day[mask], "v": values[mask]}).groupby("day")["v"]
    out = np.full((len(qs), n_days), np.nan)
    for i, q in enumerate(qs):
        per_day = frame.quantile(q)
        out[i, per_day.index.to_numpy()] = per_day.to_numpy()
    return out


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    n_days=st.integers(1, 12),
    nan_share=st.sampled_from([0.0, 0.3, 1.0]),
    ties=st.booleans(),
)
def test_daily_quantiles_are_pandas_groupby_quantiles(seed, n, n_days, nan_share, ties):
    """Days without values, days with one, every value NaN, ties, rows out of day order."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 4, n).astype(float) if ties else rng.lognormal(0.0, 2.0, n)
    values[rng.random(n) < nan_share] = np.nan
    day = rng.integers(0, n_days, n)
    groups = [np.ones(n, dtype=bool), rng.random(n) < 0.5, np.zeros(n, dtype=bool)]
    qs = [0.0, 0.05, 0.5, 0.95, 1.0]
    got = daily_quantiles(values, day, groups, n_days, qs)
    for group, quantiles in zip(groups, got, strict=True):
        expected = pandas_quantiles(values, day, group, n_days, qs)
        np.testing.assert_allclose(quantiles, expected, rtol=1e-13, atol=0.0)
