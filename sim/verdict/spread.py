"""The spread across plausible worlds: what may happen, not how precisely the mean is known.

Over sampled worlds, a decision maker needs the range of outcomes ("in 90 % of plausible
worlds today misses between 29,000 and 113,000 hits a year"), which the confidence interval
of the mean (narrow, and narrower with every world added) does not give. Per variant, grid
point and metric: the 5th, 50th and 95th percentiles of the metric over the worlds (each
world's value the mean of its replications), with the lowest and highest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.robustness import WORLD

LOW, HIGH = 0.05, 0.95
"""The band of the worlds in the middle 90 %."""

COLUMNS = ["variant", "point_id", "metric", "worlds", "p05", "p50", "p95", "min", "max"]


def per_world(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per variant, grid point and world: the metric over the world's replications."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    keys = ["variant", "point_id", WORLD]
    return ok.groupby(keys, sort=False)[metric].mean().reset_index()


def spread(runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Percentiles over worlds per variant, grid point and metric (empty without worlds).
    ``runs`` keep a ``world`` column (pooled or not: the grid point is ``point_id``)."""
    if WORLD not in runs:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for metric in metrics:
        if metric not in runs:
            continue
        table = per_world(runs, metric)
        for (variant, point), group in table.groupby(["variant", "point_id"], sort=False):
            values = pd.to_numeric(group[metric], errors="coerce").dropna().to_numpy(float)
            rows.append([variant, point, metric, *band(values)])
    return pd.DataFrame(rows, columns=COLUMNS)


def band(values: np.ndarray) -> list[float | int]:
    """(worlds, p05, p50, p95, min, max); NaN where no world has a value."""
    if values.size == 0:
        return [0, *[np.nan] * 5]
    p05, p50, p95 = np.quantile(values, [LOW, 0.5, HIGH])
    return [
        values.size,
        float(p05),
        float(p50),
        float(p95),
        float(values.min()),
        float(values.max()),
    ]
