"""Analysis of a sweep's runs: confidence intervals, paired differences, winners, sensitivity.

Inputs are the runs table of a sweep (``runs.parquet``: one row per run). Intervals are
Student t intervals at 95 %. Differences between variants are paired over the replication
index: replication i ran with the same seed under every variant and point (common random
numbers), so most of the noise cancels. Failed runs are left out, pairwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.catalogue import HEADLINE_METRICS, NEVER_QUANTILES, Tie, better_higher
from sim.verdict.ties import Ties, describe, equivalent_means, tie_of

CONFIDENCE = 0.95
GROUP = ["variant", "point_id"]


def default_metrics(runs: pd.DataFrame) -> list[str]:
    """Headline metrics present in ``runs`` with at least one value."""
    return [m for m in HEADLINE_METRICS if m in runs and runs[m].notna().any()]


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"] if "status" in runs else runs


def with_never(runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """``runs`` with +inf where a lag percentile is *never* (no value because more records than
    its quantile allows never become visible): never is the worst value there is, so that it
    ranks last and counts in every mean and difference, rather than dropping out as missing."""
    never = [m for m in metrics if m in NEVER_QUANTILES and m in runs.columns]
    if not never or "never_visible_fraction" not in runs.columns:
        return runs
    runs = runs.copy()
    share = pd.to_numeric(runs["never_visible_fraction"], errors="coerce")
    for metric in never:
        values = pd.to_numeric(runs[metric], errors="coerce")
        beyond = values.isna() & (share > 1 - NEVER_QUANTILES[metric])
        runs[metric] = values.mask(beyond, np.inf)
    return runs


def t_interval(
    values: Sequence[float] | np.ndarray, level: float = CONFIDENCE
) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the values with a number; a zero spread gives a zero-width
    interval. A *never* (+inf) in some run makes the mean infinite, with no interval."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    if not np.isfinite(x).all():
        return (float(x.mean()), np.nan, np.nan, n)
    mean = float(x.mean())
    if n == 1:
        return (mean, np.nan, np.nan, 1)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf((1 + level) / 2, n - 1)) * sd / np.sqrt(n) if sd > 0 else 0.0
    return (mean, mean - half, mean + half, n)


def summarise(
    runs: pd.DataFrame, metrics: Sequence[str] | None = None, level: float = CONFIDENCE
) -> pd.DataFrame:
    """Per variant, point and metric: mean, ci_low, ci_high, n (long format)."""
    metrics = list(metrics or default_metrics(runs))
    rows = []
    for (variant, point), group in with_never(ok_runs(runs), metrics).groupby(GROUP, sort=False):
        for metric in metrics:
            mean, low, high, n = t_interval(group[metric], level)
            rows.append([variant, point, metric, mean, low, high, n])
    return pd.DataFrame(rows, columns=[*GROUP, "metric", "mean", "ci_low", "ci_high", "n"])


def paired(runs: pd.DataFrame, variant: str, baseline: str, metric: str) -> pd.DataFrame:
    """Per point and replication: the variant's value minus the baseline's (0 where both are
    *never*, +inf where only the variant is, -inf where only the baseline is)."""
    keep = ["point_id", "replication", metric]
    runs = with_never(ok_runs(runs), [metric])
    a = runs.loc[runs["variant"] == variant, keep]
    b = runs.loc[runs["variant"] == baseline, keep]
    joined = a.merge(b, on=["point_id", "replication"], suffixes=("", "_base"))
    x, y = joined[metric].astype(float), joined[f"{metric}_base"].astype(float)
    both_never = np.isinf(x) & np.isinf(y)
    return joined.assign(diff=(x - y).mask(both_never, 0.0))


def paired_differences(
    runs: pd.DataFrame,
    baseline: str,
    metrics: Sequence[str] | None = None,
    level: float = CONFIDENCE,
) -> pd.DataFrame:
    """Per variant (other than ``baseline``), point and metric: mean_diff (variant minus
    baseline), ci_low, ci_high, n, and whether the interval excludes zero (significant)."""
    metrics = list(metrics or default_metrics(runs))
    variants = [v for v in pd.unique(runs["variant"]) if v != baseline]
    rows = []
    for variant in variants:
        for metric in metrics:
            diffs = paired(runs, variant, baseline, metric)
            for point, group in diffs.groupby("point_id", sort=False):
                mean, low, high, n = t_interval(group["diff"], level)
                sure = significant(low, high) or beyond_never(group["diff"])
                rows.append([variant, point, metric, mean, low, high, n, sure])
    columns = [*GROUP, "metric", "mean_diff", "ci_low", "ci_high", "n", "significant"]
    return pd.DataFrame(rows, columns=columns).assign(baseline=baseline)


def significant(low: float, high: float) -> bool:
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


def beyond_never(diffs: pd.Series) -> bool:
    """Paired differences with a *never* in them (infinite) have no t interval; they are
    significant when at least two replications pair and the variant is on the same side in
    every one (as a zero-spread interval away from zero is): never in each, or reached in each
    where the other is never."""
    x = pd.to_numeric(diffs, errors="coerce").to_numpy(dtype=float)
    x = x[~np.isnan(x)]
    if x.size < 2 or np.isfinite(x).all():
        return False
    return bool((x > 0).all() or (x < 0).all())


def winners(
    runs: pd.DataFrame, metrics: Sequence[str] | None = None, ties: Ties | None = None
) -> pd.DataFrame:
    """Per point and metric, the best variant if it beats every other one significantly
    (paired intervals) and by more than the metric's materiality threshold, else None with a
    note: ``tie: a, b`` when several share the best value in every replication (identical,
    so no interval can part them), ``equivalent: a, b`` when their means are within the
    threshold (``ties`` overrides the catalogue's), else ``no significant difference``."""
    metrics = list(metrics or default_metrics(runs))
    summary = summarise(runs, metrics)
    rows = []
    for (point, metric), group in summary.groupby(["point_id", "metric"], sort=False):
        rows.append(winner_row(runs, point, metric, group, tie_of(metric, ties)))
    columns = ["point_id", "metric", "better", "winner", "mean", "note"]
    return pd.DataFrame(rows, columns=columns)


def winner_row(
    runs: pd.DataFrame, point: str, metric: str, group: pd.DataFrame, tie: Tie | None = None
) -> list[Any]:
    higher = better_higher(metric)
    better = "higher" if higher else "lower"
    ranked = group.dropna(subset=["mean"]).sort_values("mean", ascending=not higher)
    if len(ranked) < 2:
        return [point, metric, better, None, np.nan, "fewer than two variants with values"]
    best = ranked.iloc[0]
    at_point = runs[runs["point_id"] == point]
    diffs = paired_differences(at_point, best["variant"], [metric])
    tied = identical(diffs)
    others = diffs[~diffs["variant"].isin(tied)]
    beaten = all(others["significant"]) and len(diffs) == len(ranked) - 1
    if tied:
        names = ", ".join([str(best["variant"]), *tied])
        rest = "" if beaten or others.empty else "; no significant difference from the rest"
        return [point, metric, better, None, best["mean"], f"tie: {names}{rest}"]
    equal = equivalent_means(ranked.set_index("variant")["mean"], metric, tie or Tie())
    if len(equal) > 1:
        note = f"equivalent: {', '.join(equal)} (within {describe(metric, tie or Tie())})"
        return [point, metric, better, None, best["mean"], note]
    if not beaten:
        return [point, metric, better, None, best["mean"], "no significant difference"]
    return [point, metric, better, best["variant"], best["mean"], ""]


def identical(diffs: pd.DataFrame) -> list[str]:
    """Variants whose paired differences are exactly zero in every replication."""
    zero = (diffs["mean_diff"] == 0) & (diffs["ci_low"] == 0) & (diffs["ci_high"] == 0)
    return [str(v) for v in diffs.loc[zero, "variant"]]


# --- sensitivity ----------------------------------------------------------------------------


def sensitivity(
    runs: pd.DataFrame,
    method: str,
    ranges: dict[str, tuple[float, float]],
    n_grid: int,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """SALib indices per variant, grid point, metric and sampled parameter.

    The metric is averaged over replications at each sample point, in design order.
    Sobol gives S1, S1_conf, ST, ST_conf; Morris gives mu_star, mu_star_conf, sigma.

    Args:
        runs: the runs table of a sweep whose sample method is ``sobol`` or ``morris``.
        method: that sample method.
        ranges: the sampled parameters and their bounds, in the experiment's order.
        n_grid: how many grid points the design has (points are grid x sample).
        metrics: metrics to analyse (default: headline metrics with values).
    """
    metrics = list(metrics or default_metrics(runs))
    problem = {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [list(b) for b in ranges.values()],
    }
    index = runs["point_id"].str[1:].astype(int)
    per_grid_point = (int(index.max()) + 1) // max(1, n_grid)
    runs = runs.assign(point_index=index, grid_index=index // per_grid_point)
    rows = []
    for (variant, grid_index), group in runs.groupby(["variant", "grid_index"], sort=False):
        means = group.groupby("point_index", sort=True)
        x = means[list(ranges)].first().to_numpy(dtype=float)
        for metric in metrics:
            y = means[metric].mean().to_numpy(dtype=float)
            for parameter, values in salib_indices(method, problem, x, y).items():
                rows.append(
                    {
                        "variant": variant,
                        "grid_point": int(grid_index),
                        "metric": metric,
                        "parameter": parameter,
                    }
                    | values
                )
    return pd.DataFrame(rows)


def salib_indices(
    method: str, problem: dict[str, Any], x: np.ndarray, y: np.ndarray
) -> dict[str, dict[str, float]]:
    """Indices by parameter; NaN when the metric has gaps (failed runs) or no variance."""
    names = problem["names"]
    if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        keys = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else MORRIS_KEYS
        return {name: dict.fromkeys(keys, np.nan) for name in names}
    if method == "sobol":
        from SALib.analyze import sobol

        result = sobol.analyze(problem, y, calc_second_order=False, seed=0)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        result = morris.analyze(problem, x, y, seed=0)
        keys = MORRIS_KEYS
    return {
        name: {k: float(np.asarray(result[k])[i]) for k in keys} for i, name in enumerate(names)
    }


MORRIS_KEYS = ("mu_star", "mu_star_conf", "sigma")


# --- drift over the measured window -------------------------------------------------------------

DRIFT_METRICS = ("completeness", "inconsistency_rate")
"""The headline shares whose trend over the measured window a reader must be told of."""

DRIFT_ABSOLUTE = 0.05
DRIFT_RELATIVE = 0.25
"""A share drifts when its mean over the last quarter of the measured window differs from its
mean over the first quarter by at least 5 percentage points and a quarter of the larger: the
systems had not settled (a store filling up, ghosts accumulating), and one number over the
window averages a trend."""


def drifts(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per variant and drifting metric: its mean over the first and the last quarter of the
    measured days (the world's series, averaged over the runs); empty when nothing drifts."""
    columns = ["variant", "metric", "first", "last"]
    world = timeseries[timeseries["region"] == "all"] if "region" in timeseries else timeseries
    metrics = [m for m in DRIFT_METRICS if m in world.columns]
    if world.empty or not metrics or "day" not in world.columns:
        return pd.DataFrame(columns=columns)
    rows = []
    for variant, series in world.groupby("variant", sort=False):
        daily = series.groupby("day")[metrics].mean().sort_index()
        quarter = max(1, len(daily) // 4)
        first, last = daily.iloc[:quarter].mean(), daily.iloc[-quarter:].mean()
        for metric in metrics:
            a, b = float(first[metric]), float(last[metric])
            gap = abs(b - a)
            if gap >= DRIFT_ABSOLUTE and gap >= DRIFT_RELATIVE * max(abs(a), abs(b)):
                rows.append([str(variant), metric, a, b])
    return pd.DataFrame(rows, columns=columns)


# --- by region and by kind, over the whole window or a window of days ---------------------------

BY = ("region", "kind")
"""What a comparison may break the metrics down by: the queriers' INTERPOL region, or the
record kind."""

RUN_KEYS = ["run_id", "variant", "point_id", "replication"]


class WindowError(ValueError):
    """A window of days that the runs cannot give (outside the measured days, or empty)."""


def measured_days(daily: pd.DataFrame) -> tuple[int, int]:
    """The first measured day and the day after the last: the widest window there is."""
    if daily.empty:
        raise WindowError("the runs kept no daily parts (a sweep from before daily.parquet)")
    return int(daily["day"].min()), int(daily["day"].max()) + 1


def checked_window(daily: pd.DataFrame, first: int | None, end: int | None) -> tuple[int, int]:
    """``first`` and ``end`` (either None: the measured window's own), within the measured
    days and ``first < end``; a :class:`WindowError` saying which days are measured if not."""
    lo, hi = measured_days(daily)
    first, end = (lo if first is None else first), (hi if end is None else end)
    where = f"the measured days are {lo}:{hi} (warm-up excluded, TO excluded)"
    if first >= end:
        raise WindowError(f"an empty window (FROM must be below TO); {where}")
    if first < lo or end > hi:
        raise WindowError(f"outside the measured days; {where}")
    return first, end


def window_breakdown(
    daily: pd.DataFrame, by: str | None, first: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """Per run and region (``by="region"``) or kind (or the world, region ``all``, for None):
    the ratio, search and outcome metrics of days ``first <= day < end``, exactly: the
    window's daily parts summed, then divided by the run's own formulas
    (:func:`sim.metrics.window_metrics`). Percentiles have no window."""
    from sim.metrics import window_metrics
    from sim.metrics.daily import ALL, SUMMED, window_sums

    sums = window_sums(daily, first, end)
    if by is None:
        by, chosen = "region", (sums["region"] == ALL) & (sums["kind"] == ALL)
    else:
        other = "kind" if by == "region" else "region"
        chosen = (sums[other] == ALL) & (sums[by] != ALL)
    sums = sums[chosen].reset_index(drop=True)
    summed = [c for c in SUMMED if c in sums.columns]
    metrics = [window_metrics(row) for row in sums[summed].to_dict("records")]
    keys = [c for c in RUN_KEYS if c in sums.columns]
    frame = pd.DataFrame(metrics, index=sums.index, dtype=float)
    return pd.concat([sums[[*keys, by]], frame], axis=1)


def breakdown_comparison(
    table: pd.DataFrame,
    by: str,
    baseline: str,
    metrics: Sequence[str],
    ties: Ties | None = None,
) -> pd.DataFrame:
    """Per region (or kind), point, metric and variant: mean and 95 % interval over the runs,
    the paired difference from ``baseline`` (same point and replication: common random
    numbers) with its interval and significance, and the winner, as ``pdsa compare`` gives
    them world-wide; ``table`` is one row per run and region (``by_region.parquet``, or
    :func:`window_breakdown`)."""
    frames = []
    for part, runs in table.groupby(by, sort=False):
        summary = summarise(runs, metrics)
        diffs = paired_differences(runs, baseline, metrics)
        keys = ["variant", "point_id", "metric"]
        merged = summary.merge(
            diffs[[*keys, "mean_diff", "ci_low", "ci_high", "significant"]].rename(
                columns={"ci_low": "diff_ci_low", "ci_high": "diff_ci_high"}
            ),
            on=keys,
            how="left",
        )
        best = winners(runs, metrics, ties)[["point_id", "metric", "better", "winner", "note"]]
        frames.append(merged.merge(best, on=["point_id", "metric"]).assign(**{by: part}))
    order = [by, "point_id", "metric", "variant", "n", "mean", "ci_low", "ci_high", "mean_diff"]
    order += ["diff_ci_low", "diff_ci_high", "significant", "better", "winner", "note"]
    if not frames:
        return pd.DataFrame(columns=order)
    return pd.concat(frames, ignore_index=True)[order]
