"""Statistics over a sweep's runs: means with confidence intervals, paired differences.

Sits between the sweep (which writes one row per run) and reporting (which draws and words what
this module computes). Intervals are two-sided Student-t intervals over replications, at 95 %
unless asked otherwise; with fewer than two replications the interval is undefined (NaN) and
callers say so rather than draw a zero-width whisker.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

GROUP = ("variant", "point_id")
PAIR = ("point_id", "replication")


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite ``values``; low and high NaN when n < 2."""
    values = values[np.isfinite(values)]
    n = int(values.size)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(values.mean())
    if n < 2:
        return mean, float("nan"), float("nan"), n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"] if "status" in runs.columns else runs


def summarise(
    runs: pd.DataFrame, metrics: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """One row per (variant, point_id, metric): mean, ci_low, ci_high, n over ok replications."""
    rows = []
    for (variant, point), group in ok_runs(runs).groupby(list(GROUP), sort=False):
        for metric in metrics:
            values = pd.to_numeric(group[metric], errors="coerce").to_numpy(dtype=float)
            mean, low, high, n = t_interval(values, level)
            rows.append(
                {"variant": variant, "point_id": point, "metric": metric, "mean": mean,
                 "ci_low": low, "ci_high": high, "n": n}
            )
    return pd.DataFrame(rows, columns=[*GROUP, "metric", "mean", "ci_low", "ci_high", "n"])


def paired_differences(
    runs: pd.DataFrame, baseline: str, metrics: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """Variant minus ``baseline``, paired on (point_id, replication), i.e. on common seeds.

    ``significant`` is True when the interval of the mean difference excludes zero.
    """
    ok = ok_runs(runs)
    base = ok[ok["variant"] == baseline].set_index(list(PAIR))
    rows = []
    for variant, group in ok[ok["variant"] != baseline].groupby("variant", sort=False):
        joined = group.set_index(list(PAIR)).join(base[list(metrics)], rsuffix="__base", how="inner")
        for point, pairs in joined.groupby(level="point_id", sort=False):
            for metric in metrics:
                diff = pd.to_numeric(pairs[metric], errors="coerce") - pd.to_numeric(
                    pairs[f"{metric}__base"], errors="coerce"
                )
                mean, low, high, n = t_interval(diff.to_numpy(dtype=float), level)
                significant = bool(np.isfinite(low) and (low > 0 or high < 0))
                rows.append(
                    {"variant": variant, "point_id": point, "metric": metric, "mean_diff": mean,
                     "ci_low": low, "ci_high": high, "n": n, "significant": significant}
                )
    columns = ["variant", "point_id", "metric", "mean_diff", "ci_low", "ci_high", "n", "significant"]
    return pd.DataFrame(rows, columns=columns)
