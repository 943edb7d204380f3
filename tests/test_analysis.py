"""sim.analysis on hand-made runs tables: intervals, pairing, winners."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis import paired_differences, summarise, t_interval, winners
from sim.catalogue import Tie


def runs_table(values: dict[str, list[float]], metric: str = "completeness") -> pd.DataFrame:
    rows = [
        {"variant": v, "point_id": "p000", "replication": i, "status": "ok", metric: x}
        for v, xs in values.items()
        for i, x in enumerate(xs)
    ]
    return pd.DataFrame(rows)


def test_t_interval_matches_scipy():
    x = np.array([0.9, 0.92, 0.95, 0.91])
    mean, low, high, n = t_interval(x)
    expected = stats.t.interval(0.95, 3, loc=x.mean(), scale=stats.sem(x))
    assert n == 4 and mean == x.mean()
    assert np.allclose((low, high), expected)


def test_one_value_has_no_interval_and_nan_is_left_out():
    assert np.isnan(t_interval([0.5])[1])
    assert t_interval([0.5, np.nan, 0.7])[3] == 2


def test_identical_variants_differ_by_exactly_zero_with_zero_width():
    xs = [0.81, 0.87, 0.79, 0.9]
    diffs = paired_differences(runs_table({"a": xs, "b": list(xs)}), "a", ["completeness"])
    row = diffs.iloc[0]
    assert (row.mean_diff, row.ci_low, row.ci_high, row.n) == (0.0, 0.0, 0.0, 4)
    assert not row.significant


def test_pairing_removes_the_shared_noise():
    # b is a plus 0.01 on every replication: the paired interval is exact although the
    # replications spread far more than 0.01.
    a = [0.5, 0.9, 0.6, 0.8]
    diffs = paired_differences(
        runs_table({"a": a, "b": [x + 0.01 for x in a]}), "a", ["completeness"]
    )
    row = diffs.iloc[0]
    assert np.isclose(row.mean_diff, 0.01) and row.significant
    assert row.ci_high - row.ci_low < 1e-9
    summary = summarise(runs_table({"a": a, "b": [x + 0.01 for x in a]}), ["completeness"])
    assert (summary["ci_high"] - summary["ci_low"] > 0.2).all()


def test_failed_runs_are_left_out_pairwise():
    table = runs_table({"a": [0.5, 0.6, 0.7], "b": [0.6, 0.7, 0.8]})
    table.loc[(table["variant"] == "b") & (table["replication"] == 2), "status"] = "failed"
    assert paired_differences(table, "a", ["completeness"]).iloc[0].n == 2


def test_winner_needs_a_significant_lead_and_respects_direction():
    clear = runs_table({"a": [0.5, 0.6, 0.7], "b": [0.6, 0.7, 0.8], "c": [0.1, 0.2, 0.3]})
    assert winners(clear, ["completeness"]).iloc[0].winner == "b"
    lags = runs_table({"a": [5.0, 6.0, 7.0], "b": [8.0, 9.0, 10.0]}, metric="lag_p50_hours")
    row = winners(lags, ["lag_p50_hours"]).iloc[0]
    assert (row.winner, row.better) == ("a", "lower")
    noisy = runs_table({"a": [0.5, 0.6, 0.7], "b": [0.55, 0.58, 0.78]})
    row = winners(noisy, ["completeness"]).iloc[0]
    assert row.winner is None and row.note == "no significant difference"


def test_means_within_the_materiality_threshold_are_equivalent_not_ranked():
    """b leads a by 0.33 points of completeness, significantly or not: within the 0.5-point
    threshold the two are equivalent; a one-hour lead in lag is within its hour too. A
    threshold of zero ranks them again."""
    close = runs_table({"a": [0.5, 0.6, 0.7], "b": [0.51, 0.58, 0.72]})
    row = winners(close, ["completeness"]).iloc[0]
    assert row.winner is None and row.note.startswith("equivalent: b, a (within 0.5 percentage")
    lags = runs_table({"a": [5.0, 6.0, 7.0], "b": [6.0, 7.0, 8.0]}, metric="lag_p50_hours")
    assert winners(lags, ["lag_p50_hours"]).iloc[0].note.startswith("equivalent: a, b")
    exact = winners(lags, ["lag_p50_hours"], {"lag_p50_hours": Tie()}).iloc[0]
    assert exact.winner == "a"
    tie = runs_table({"a": [0.5, 0.6, 0.7], "b": [0.5, 0.6, 0.7]})
    row = winners(tie, ["completeness"]).iloc[0]
    assert row.winner is None and row.note == "tie: a, b"  # identical runs: a tie, not noise
    ties_above = runs_table(
        {"a": [0.0, 0.0, 0.0], "b": [0.0, 0.0, 0.0], "c": [0.3, 0.5, 0.4]}, "conflict_rate"
    )
    row = winners(ties_above, ["conflict_rate"]).iloc[0]
    assert row.winner is None and row.note == "tie: a, b"
