"""Exact time integrals of counting functions built from many weighted intervals."""

from __future__ import annotations

import numpy as np


class IndexedIntervals:
    """Intervals ``[a, b)`` in groups, located once on a grid of time points so that several
    subsets of them can be integrated without searching again."""

    def __init__(
        self,
        group: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        points: np.ndarray,
        n_groups: int,
        located: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """``located``: the ends' grid positions (``searchsorted(points, x, "right")``) when
        the caller already knows them."""
        self.points = points
        self.n_groups = n_groups
        n = points.size
        spare = n_groups * n
        finite = np.isfinite(b)
        b = np.where(finite, b, 0.0)
        # An end at or after the last point never counts: it goes to a spare last bin.
        if located is None:
            ja = grid_positions(points, a)
            jb = np.where(finite, grid_positions(points, b), n)
        else:
            ja, jb = located
        self.start_bin = np.where(ja < n, group * n + ja, spare)
        self.end_bin = np.where(jb < n, group * n + jb, spare)
        self.a, self.b = a, b

    def increments(self, mask: np.ndarray | None = None) -> Increments:
        """What the selected intervals add at each grid point (see ``Increments``)."""
        n, n_groups = self.points.size, self.n_groups
        bins = n_groups * n + 1
        start_bin, end_bin, a, b = self.start_bin, self.end_bin, self.a, self.b
        if mask is not None:
            sel = np.flatnonzero(mask)  # often few: gather them rather than weigh them all
            start_bin, end_bin, a, b = start_bin[sel], end_bin[sel], a[sel], b[sel]
        count = np.bincount(start_bin, minlength=bins) - np.bincount(end_bin, minlength=bins)
        moment = np.bincount(start_bin, weights=a, minlength=bins) - np.bincount(
            end_bin, weights=b, minlength=bins
        )
        return Increments(  # float both: bincount of no intervals gives integers
            count[:-1].reshape(n_groups, n).astype(float),
            moment[:-1].reshape(n_groups, n).astype(float),
            self.points,
        )

    def cumulative(self, mask: np.ndarray | None = None, weight: float = 1.0) -> np.ndarray:
        """F[g, j] = sum over selected intervals i of group g of w |[a_i, b_i) ∩ [0, t_j)|."""
        return self.increments(mask).cumulative(weight)


class Increments:
    """Starts minus ends (``count``) and their time moments, binned at the first grid point
    after them: sums of these over many batches of intervals give the integral of them all.

    With n(t) the number of intervals covering t, its integral up to t_j is
    sum_{a_i < t} (t - a_i) - sum_{b_i < t} (t - b_i) = t C(t) - M(t), C and M the cumulative
    sums of ``count`` and ``moment``. An infinite end never closes its interval.
    """

    def __init__(self, count: np.ndarray, moment: np.ndarray, points: np.ndarray) -> None:
        self.count, self.moment, self.points = count, moment, points

    def __sub__(self, other: Increments) -> Increments:
        return Increments(self.count - other.count, self.moment - other.moment, self.points)

    def __iadd__(self, other: Increments) -> Increments:
        self.count += other.count
        self.moment += other.moment
        return self

    def cumulative(self, weight: float = 1.0) -> np.ndarray:
        out = self.points[None, :] * np.cumsum(self.count, axis=1) - np.cumsum(self.moment, axis=1)
        return weight * out if weight != 1.0 else out


def grid_positions(points: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``searchsorted(points, t, side="right")`` (how many points are at or before each time),
    exactly, but from a table of buckets over the grid and a few vectorised steps forward: a
    binary search per time costs more when there are millions of times."""
    n = points.size
    if n < 2 or t.size < 4 * n:
        return np.searchsorted(points, t, side="right")
    n_buckets = 4 * n
    with np.errstate(divide="ignore", over="ignore"):
        scale = n_buckets / (points[-1] - points[0])
    if not np.isfinite(scale):  # a grid too narrow to bucket: search instead
        return np.searchsorted(points, t, side="right")
    bucket = np.clip((t - points[0]) * scale, 0, n_buckets - 1).astype(np.int64)
    # Start one bucket early, so that rounding never starts a time past its position.
    floor = np.searchsorted(points, points[0] + (np.arange(n_buckets) - 1) / scale, side="right")
    position = floor[bucket]
    ahead = np.r_[points, np.nan]  # never at or before any time: stops at the end
    moving = np.flatnonzero(ahead[position] <= t)
    while moving.size:
        position[moving] += 1
        moving = moving[ahead[position[moving]] <= t[moving]]
    return position


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
    order = np.argsort(values)
    return sorted_weighted_quantiles(values[order], weights[order], qs)


def sorted_weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, qs: list[float]
) -> list[float | None]:
    """``weighted_quantiles`` of values already in ascending order (no sort again), weights
    not negative. Zero weights stay in the cumulative sum, where they add exactly nothing, so
    no copy of the sample without them is made; the answer is always a value of positive
    weight (the first or last of them beyond the ends)."""
    positive = weights > 0
    if not positive.any():
        return [None for _ in qs]
    first = int(np.argmax(positive))
    last = values.size - 1 - int(np.argmax(positive[::-1]))
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    idx = np.clip(np.searchsorted(cdf, np.asarray(qs), side="left"), first, last)
    return [float(values[i]) for i in idx]
