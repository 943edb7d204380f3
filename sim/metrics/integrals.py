"""Exact time integrals of counting functions built from many weighted intervals."""

from __future__ import annotations

import numpy as np


class IndexedIntervals:
    """Intervals ``[a, b)`` in groups, located once on a grid of time points so that several
    subsets of them can be integrated without searching again."""

    def __init__(
        self, group: np.ndarray, a: np.ndarray, b: np.ndarray, points: np.ndarray, n_groups: int
    ) -> None:
        self.points = points
        self.n_groups = n_groups
        self.a = a
        self.b = np.where(np.isfinite(b), b, 0.0)
        n = points.size
        spare = n_groups * n
        # An end at or after the last point never counts: it goes to a spare last bin.
        ja = np.searchsorted(points, a, side="right")
        jb = np.where(np.isfinite(b), np.searchsorted(points, self.b, side="right"), n)
        self.flat_a = np.where(ja < n, group * n + ja, spare)
        self.flat_b = np.where(jb < n, group * n + jb, spare)

    def cumulative(self, mask: np.ndarray | None = None, weight: float = 1.0) -> np.ndarray:
        """F[g, j] = sum over selected intervals i of group g of w |[a_i, b_i) ∩ [0, t_j)|.

        With n(t) the number of intervals covering t, F is the integral of n up to t_j:
        sum_{a_i < t} (t - a_i) - sum_{b_i < t} (t - b_i), one bincount per end and a
        cumulative sum over the sorted points. An infinite end never closes its interval.
        """
        n, n_groups = self.points.size, self.n_groups
        sel = np.ones(self.a.size) if mask is None else mask.astype(float)
        out = np.zeros((n_groups, n))
        size = n_groups * n + 1
        for flat, ends, sign in ((self.flat_a, self.a, 1.0), (self.flat_b, self.b, -1.0)):
            count = np.bincount(flat, weights=sel, minlength=size)[: n_groups * n]
            moment = np.bincount(flat, weights=sel * ends, minlength=size)[: n_groups * n]
            count = np.cumsum(count.reshape(n_groups, n), axis=1)
            moment = np.cumsum(moment.reshape(n_groups, n), axis=1)
            out += sign * (self.points[None, :] * count - moment)
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
    return IndexedIntervals(group, a, b, points, n_groups).cumulative(None, weight)


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
