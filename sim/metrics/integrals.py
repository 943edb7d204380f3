"""Exact time integrals of counting functions built from many weighted intervals."""

from __future__ import annotations

import numba
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
        count, moment = binned(start_bin, end_bin, a.astype(float), b.astype(float), bins)
        return Increments(
            count[:-1].reshape(n_groups, n), moment[:-1].reshape(n_groups, n), self.points
        )

    def cumulative(self, mask: np.ndarray | None = None, weight: float = 1.0) -> np.ndarray:
        """F[g, j] = sum over selected intervals i of group g of w |[a_i, b_i) ∩ [0, t_j)|."""
        return self.increments(mask).cumulative(weight)


@numba.njit(cache=True)
def binned(
    start_bin: np.ndarray, end_bin: np.ndarray, a: np.ndarray, b: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per bin: starts minus ends, and the starts' times minus the ends' times. One pass
    each, into two arrays, where four ``np.bincount`` made four arrays the size of the grid
    times the groups (tens of MB in a federated world) and two more for their differences.
    The same sums in the same order: the starts' times are added up in their order, the
    ends' apart, and the two subtracted last; the counts are whole numbers."""
    count = np.zeros(bins)
    moment = np.zeros(bins)
    ended = np.zeros(bins)
    for i in range(start_bin.size):
        count[start_bin[i]] += 1.0
        moment[start_bin[i]] += a[i]
    for i in range(end_bin.size):
        count[end_bin[i]] -= 1.0
        ended[end_bin[i]] += b[i]
    for k in range(bins):
        moment[k] -= ended[k]
    return count, moment


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
        """``weight (t C(t) - M(t))`` at each point, per group."""
        return running_integral(self.count, self.moment, self.points, float(weight))


@numba.njit(cache=True)
def running_integral(
    count: np.ndarray, moment: np.ndarray, points: np.ndarray, weight: float
) -> np.ndarray:
    """``Increments.cumulative`` in one pass into one array: the running sums along each
    row, then ``t C - M`` and the weight, the same operations in the same order as numpy's
    ``cumsum`` and the array arithmetic (which made four temporaries the size of the
    result)."""
    n_groups, n = count.shape
    out = np.empty((n_groups, n))
    for g in range(n_groups):
        c, m = 0.0, 0.0
        for j in range(n):
            c += count[g, j]
            m += moment[g, j]
            value = points[j] * c - m
            out[g, j] = weight * value if weight != 1.0 else value
    return out


def grid_positions(points: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``searchsorted(points, t, side="right")`` (how many points are at or before each time),
    exactly, but from a table of buckets over the grid and a few steps forward: a binary
    search per time costs more when there are millions of times."""
    n = points.size
    if n < 2 or t.size < 4 * n:
        return np.searchsorted(points, t, side="right")
    with np.errstate(divide="ignore", over="ignore"):
        if not np.isfinite(4 * n / (points[-1] - points[0])):  # too narrow to bucket: search
            return np.searchsorted(points, t, side="right")
    return positions(points, np.ascontiguousarray(t, dtype=float))


@numba.njit(cache=True)
def positions(points: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``grid_positions`` in one compiled pass."""
    floor, scale = bucket_table(points)
    out = np.empty(t.size, dtype=np.int64)
    last = points[-1]
    for i in range(t.size):
        # At or past the last point (or NaN, which sorts last): every point is at or before.
        out[i] = position(points, floor, scale, t[i]) if t[i] < last else points.size
    return out


@numba.njit(cache=True)
def bucket_table(points: np.ndarray) -> tuple[np.ndarray, float]:
    """A table of buckets over the grid: bucket b starts at or after point ``floor[b]``, so
    that ``position`` steps forward from there (a binary search per time cost more)."""
    n_buckets = 4 * points.size
    span = points[-1] - points[0] if points.size > 1 else 0.0
    scale = n_buckets / span if span > 0 else 0.0
    floor = np.zeros(n_buckets + 1, dtype=np.int64)
    j = 0
    for b in range(n_buckets + 1):
        # Start one bucket early, so that rounding never starts a time past its position.
        t = points[0] + (b - 1) / scale if scale > 0 else -np.inf
        while j < points.size and points[j] <= t:
            j += 1
        floor[b] = j
    return floor, scale


@numba.njit(cache=True, inline="always")
def position(points: np.ndarray, floor: np.ndarray, scale: float, t: float) -> int:
    """``searchsorted(points, t, "right")``: how many points are at or before ``t``."""
    if t < points[0]:
        return 0
    b = min(int((t - points[0]) * scale), floor.size - 1)
    j = floor[b]
    while j < points.size and points[j] <= t:
        j += 1
    return j


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
