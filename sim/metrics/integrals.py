"""Exact time integrals of counting functions built from many weighted intervals."""

from __future__ import annotations

import numpy as np


def cumulative_counts(
    group: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray | float,
    n_groups: int,
    points: np.ndarray,
) -> np.ndarray:
    """F[g, j] = sum over intervals i of group g of w_i * |[a_i, b_i) ∩ [0, points_j)|.

    With n(t) the weighted number of intervals covering t, F[g, j] is the integral of n over
    [0, points_j): sum_{a_i < t} w_i (t - a_i) - sum_{b_i < t} w_i (t - b_i), computed with one
    bincount per end and a cumulative sum over the sorted ``points``.
    """
    w = np.broadcast_to(np.asarray(weight, dtype=float), a.shape)
    n_points = points.size
    out = np.zeros((n_groups, n_points))
    for ends, sign in ((a, 1.0), (b, -1.0)):
        finite = np.isfinite(ends)
        j = np.searchsorted(points, ends[finite], side="right")
        flat = group[finite] * (n_points + 1) + j
        size = n_groups * (n_points + 1)
        count = np.bincount(flat, weights=w[finite], minlength=size).reshape(n_groups, -1)
        moment = np.bincount(flat, weights=w[finite] * ends[finite], minlength=size).reshape(
            n_groups, -1
        )
        count = np.cumsum(count, axis=1)[:, :n_points]
        moment = np.cumsum(moment, axis=1)[:, :n_points]
        out += sign * (points[None, :] * count - moment)
    return out


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, qs: list[float]
) -> list[float | None]:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if values.size == 0:
        return [None for _ in qs]
    order = np.argsort(values)
    values, cdf = values[order], np.cumsum(weights[order])
    cdf /= cdf[-1]
    idx = np.searchsorted(cdf, np.asarray(qs), side="left")
    return [float(values[min(i, values.size - 1)]) for i in idx]
