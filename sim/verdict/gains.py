"""What each gain costs: against the baseline, per lever and world (or replication), the hits
gained, the missed and false hits avoided a year, against the servers, bandwidth, staff hours,
copies held and euros it takes; and the cost of each missed hit avoided.

Pairs are the sweep's common-random-number pairs: the same world (and replication) under the
lever and the baseline. The cost per missed hit avoided is the ratio of the mean extra cost
to the mean missed hits avoided over the pairs (the budget per hit a strategist would pay on
average), with a bootstrap 95 % interval over the pairs; the spread of the per-pair ratio is
not given, since a pair that avoids almost nothing makes its ratio meaningless.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import ok_runs

RESAMPLES = 1000

GAINS: tuple[tuple[str, str, int], ...] = (
    ("extra hits a year", "hits_per_year", +1),
    ("missed hits avoided a year", "missed_hits_per_year", -1),
    ("false hits avoided a year", "false_hits_per_year", -1),
)
"""(what is gained, the metric, +1 if a higher value of the lever is the gain)."""

COSTS: tuple[tuple[str, str], ...] = (
    ("extra servers", "servers_needed_total"),
    ("extra bandwidth (GB/day)", "bandwidth_gb_per_day_total"),
    ("extra NCB staff hours a year", "staff_hours_per_year"),
    ("extra operations staff hours a year", "operations_staff_hours_per_year"),
    ("extra copies held per live record", "exposure"),
    ("extra interfaces", "interfaces_total"),
    ("extra cost a year (EUR)", "cost_per_year"),
)
"""What it takes, each a difference lever minus baseline (positive: the lever needs more)."""

COST = "cost_per_year"
MISSED = "missed_hits_per_year"


def paired_values(runs: pd.DataFrame, lever: str, baseline: str, metric: str) -> pd.DataFrame:
    """Per pair (grid point, replication): the lever's and the baseline's values."""
    keep = ["point_id", "replication", metric]
    runs = ok_runs(runs)
    a = runs.loc[runs["variant"].astype(str) == lever, keep]
    b = runs.loc[runs["variant"].astype(str) == baseline, keep]
    return a.merge(b, on=["point_id", "replication"], suffixes=("", "_base")).dropna()


def differences(
    runs: pd.DataFrame, lever: str, baseline: str, metric: str, sign: int = 1
) -> np.ndarray:
    """Per pair: ``sign`` x (lever - baseline)."""
    pairs = paired_values(runs, lever, baseline, metric)
    return sign * (pairs[metric].to_numpy(float) - pairs[f"{metric}_base"].to_numpy(float))


def row(lever: str, item: str, metric: str, diffs: np.ndarray) -> list[object]:
    if diffs.size == 0:
        return [lever, item, metric, 0, *[math.nan] * 3]
    p05, p95 = np.quantile(diffs, [0.05, 0.95])
    return [lever, item, metric, diffs.size, float(diffs.mean()), float(p05), float(p95)]


def gains_and_costs(runs: pd.DataFrame, baseline: str, levers: Sequence[str]) -> pd.DataFrame:
    """Per lever and item: mean over the pairs, and the 5th and 95th percentiles (the spread
    over worlds when the sweep sampled them)."""
    rows = []
    for lever in levers:
        if lever == baseline:
            continue
        for item, metric, sign in GAINS:
            if metric in runs:
                rows.append(
                    row(lever, item, metric, differences(runs, lever, baseline, metric, sign))
                )
        for item, metric in COSTS:
            if metric in runs:
                rows.append(row(lever, item, metric, differences(runs, lever, baseline, metric)))
    return pd.DataFrame(rows, columns=["lever", "item", "metric", "pairs", "mean", "p05", "p95"])


@dataclass(frozen=True)
class PricePerHit:
    """Euros a year per missed hit avoided a year, of one lever against the baseline."""

    lever: str
    value: float | None
    """Mean extra cost over mean missed hits avoided; None when it avoids none on average
    (or the cost is unknown)."""
    low: float
    high: float
    pairs: int
    saves_money: bool
    """The lever costs less than the baseline on average: every hit avoided comes free."""


def ratio_of_means(cost: np.ndarray, avoided: np.ndarray) -> float | None:
    if avoided.size == 0 or avoided.mean() <= 0:
        return None
    return float(cost.mean() / avoided.mean())


def price_per_hit(runs: pd.DataFrame, lever: str, baseline: str, seed: int = 0) -> PricePerHit:
    """The cost of a missed hit avoided with its bootstrap interval over the pairs."""
    cost_pairs = paired_values(runs, lever, baseline, COST) if COST in runs else pd.DataFrame()
    missed = paired_values(runs, lever, baseline, MISSED) if MISSED in runs else pd.DataFrame()
    if cost_pairs.empty or missed.empty:
        return PricePerHit(lever, None, math.nan, math.nan, 0, False)
    both = cost_pairs.merge(missed, on=["point_id", "replication"])
    cost = both[COST].to_numpy(float) - both[f"{COST}_base"].to_numpy(float)
    avoided = both[f"{MISSED}_base"].to_numpy(float) - both[MISSED].to_numpy(float)
    value = ratio_of_means(cost, avoided)
    saves = bool(cost.size and cost.mean() < 0)
    low, high = interval(cost, avoided, seed) if value is not None else (math.nan, math.nan)
    return PricePerHit(lever, value, low, high, int(cost.size), saves)


def interval(cost: np.ndarray, avoided: np.ndarray, seed: int) -> tuple[float, float]:
    """2.5-97.5 percentiles of the ratio of means over bootstrap resamples of the pairs
    (resamples avoiding nothing on average are left out, and with more than a tenth of them
    out there is no interval)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    ratios = []
    for _ in range(RESAMPLES):
        pick = rng.integers(0, cost.size, cost.size)
        r = ratio_of_means(cost[pick], avoided[pick])
        if r is not None:
            ratios.append(r)
    if len(ratios) < 0.9 * RESAMPLES:
        return math.nan, math.nan
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def prices_per_hit(runs: pd.DataFrame, baseline: str, levers: Sequence[str]) -> list[PricePerHit]:
    return [price_per_hit(runs, lever, baseline) for lever in levers if lever != baseline]
