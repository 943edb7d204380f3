"""Exact time integrals of counting functions built from many weighted intervals."""

from __future__ import annotations

import numpy as np


class IndexedIntervals:
    """Intervals ``[a, b)`` in groups, located once on a grid of time points so that several
    subsets of them can be integrated without searching again."""

    def __init__(self, group: np.ndarray, a: np.ndarray, b: np.ndarray, points: np.ndarray) -> None:
        self.group, self.a, self.b, self.points = group, a, b, points
        self.ja = np.searchsorted(points, a, side="right")
        finite = np.isfinite(b)
        self.jb = np.where(
            finite, np.searchsorted(points, np.where(finite, b, 0.0), side="right"), points.size
        )

    def cumulative(self, mask: np.ndarray | None, n_groups: int, weight: float = 1.0) -> np.ndarray:
        """F[g, j] = sum over selected intervals i of group g of w |[a_i, b_i) ∩ [0, t_j)|.

        With n(t) the number of intervals covering t, F is the integral of n up to t_j:
        sum_{a_i < t} (t - a_i) - sum_{b_i < t} (t - b_i), one bincount per end and a
        cumulative sum over the sorted points. An infinite end never closes its interval.
        """
        sel = slice(None) if mask is None else mask
        n_points = self.points.size
        out = np.zeros((n_groups, n_points))
        for j, ends, sign in ((self.ja[sel], self.a[sel], 1.0), (self.jb[sel], self.b[sel], -1.0)):
            g = self.group[sel]
            keep = j < n_points
            flat = g[keep] * n_points + j[keep]
            size = n_groups * n_points
            count = np.bincount(flat, minlength=size).reshape(n_groups, n_points)
            moment = np.bincount(flat, weights=ends[keep], minlength=size).reshape(
                n_groups, n_points
            )
            out += sign * (
                self.points[None, :] * np.cumsum(count, axis=1) - np.cumsum(moment, axis=1)
            )
        return weight * out


def cumulative_counts(
    group: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weight: float,
    n_groups: int,
    points: np.ndarray,
) -> np.ndarray:
    """F[g, j] for all the given intervals (see ``IndexedIntervals.cumulative``)."""
    return IndexedIntervals(group, a, b, points).cumulative(None, n_groups, weight)


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
