"""Up/down schedules of a node: alternating exponential up and down periods.

The whole schedule is drawn once, from the node's own substream, so that a change arriving at
any time can be held until the node is up with one ``searchsorted`` (no process per change).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numba
import numpy as np

from sim.config.schema import OutageSpec


class Availability:
    """Down windows ``[start_i, end_i)``, sorted and disjoint, over ``[0, horizon]``."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts = np.asarray(starts, dtype=float)
        self.ends = np.asarray(ends, dtype=float)

    @classmethod
    def always_up(cls) -> Availability:
        return cls(np.empty(0), np.empty(0))

    @classmethod
    def draw(
        cls,
        spec: OutageSpec | None,
        horizon: float,
        rng: np.random.Generator,
        store: str = "",
    ) -> Availability:
        """Random down windows, merged with the scheduled ones that hit ``store``.

        ``store`` is the store's name (``hub``, ``platform.SIS``, ``ncb.FRA``); a scheduled
        window with an ``only`` list hits it when the part after the dot is listed.
        """
        if spec is None:
            return cls.always_up()
        random = cls._random(spec, horizon, rng)
        hits = [w for w in spec.scheduled if not w.only or store.split(".")[-1] in w.only]
        if not hits:
            return random
        starts = np.array([w.start_day for w in hits])
        ends = starts + np.array([w.duration_hours / 24.0 for w in hits])
        return cls.union(random, cls(starts, ends))

    @classmethod
    def union(cls, a: Availability, b: Availability) -> Availability:
        """Down whenever either is down: the windows of both, sorted and merged."""
        starts = np.concatenate([a.starts, b.starts])
        ends = np.concatenate([a.ends, b.ends])
        order = np.argsort(starts, kind="stable")
        merged: list[list[float]] = []
        for start, end in zip(starts[order], ends[order], strict=True):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if not merged:
            return cls.always_up()
        bounds = np.array(merged)
        return cls(bounds[:, 0], bounds[:, 1])

    @classmethod
    def _random(cls, spec: OutageSpec, horizon: float, rng: np.random.Generator) -> Availability:
        """Alternate Exp(mtbf) up and Exp(mttr) down periods from time 0 (starting up)."""
        mtbf, mttr = spec.mtbf_days, spec.mttr_hours / 24.0
        starts: list[float] = []
        ends: list[float] = []
        t = 0.0
        while True:
            t += rng.exponential(mtbf)
            if t >= horizon:
                break
            down = rng.exponential(mttr)
            starts.append(t)
            ends.append(t + down)
            t += down
        return cls(np.array(starts), np.array(ends))

    @property
    def has_outages(self) -> bool:
        return self.starts.size > 0

    def is_up(self, t: np.ndarray) -> np.ndarray:
        """True where ``t`` falls outside every down window."""
        t = np.asarray(t, dtype=float)
        if not self.has_outages:
            return np.ones(t.shape, dtype=bool)
        i = np.searchsorted(self.starts, t, side="right") - 1
        inside = (i >= 0) & (t < self.ends[np.maximum(i, 0)])
        return ~inside

    def next_up(self, t: np.ndarray) -> np.ndarray:
        """``t`` itself when up, else the end of the down window containing it."""
        t = np.asarray(t, dtype=float)
        if not self.has_outages:
            return t
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = (i >= 0) & (t < self.ends[safe])
        return np.where(inside, self.ends[safe], t)

    def down_time(self, a: float, b: float) -> float:
        """Total down time inside ``[a, b)``."""
        if not self.has_outages:
            return 0.0
        lo = np.clip(self.starts, a, b)
        hi = np.clip(self.ends, a, b)
        return float(np.sum(hi - lo))


class DownWindows:
    """Every node's down windows, concatenated: node j's are ``[ptr[j], ptr[j + 1])``."""

    def __init__(self, availabilities: Sequence[Availability]) -> None:
        sizes = [a.starts.size for a in availabilities]
        self.ptr = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.ptr[1:])
        self.starts = np.concatenate([[], *(a.starts for a in availabilities)]).astype(float)
        self.ends = np.concatenate([[], *(a.ends for a in availabilities)]).astype(float)

    @functools.cached_property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every window's start and end in time order (ties: starts first, each in node
        order), the node of each, and how many nodes are down before the first edge and from
        each on (one more value): sorted once for the searches of every day
        (``sim.engine.fanout``)."""
        times = np.concatenate([self.starts, self.ends])
        owner = np.repeat(np.arange(self.ptr.size - 1), np.diff(self.ptr))
        steps = np.concatenate([np.ones(self.starts.size), -np.ones(self.ends.size)])
        order = np.argsort(times, kind="stable")
        level = np.concatenate([[0.0], np.cumsum(steps[order])])
        return times[order], np.concatenate([owner, owner])[order], level

    def nodes_up(self, node: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether node ``node[i]`` is up at ``t[i]`` (``Availability.is_up``, for many nodes
        at once)."""
        return nodes_up_kernel(
            np.ascontiguousarray(node, dtype=np.int64),
            np.ascontiguousarray(t, dtype=float),
            self.ptr,
            self.starts,
            self.ends,
        )

    def next_up(self, node: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``t[i]`` itself when node ``node[i]`` is up then, else the end of its down window
        containing it (``Availability.next_up``, for many nodes at once)."""
        return next_up_kernel(
            np.ascontiguousarray(node, dtype=np.int64),
            np.ascontiguousarray(t, dtype=float),
            self.ptr,
            self.starts,
            self.ends,
        )


@numba.njit(cache=True)
def next_up_kernel(node, t, ptr, starts, ends):
    out = np.empty(t.size)
    for i in range(t.size):
        lo, hi = ptr[node[i]], ptr[node[i] + 1]
        a, b = lo, hi
        while a < b:  # the last window starting at or before t[i]
            mid = (a + b) // 2
            if starts[mid] <= t[i]:
                a = mid + 1
            else:
                b = mid
        out[i] = ends[a - 1] if a > lo and t[i] < ends[a - 1] else t[i]
    return out


@numba.njit(cache=True)
def nodes_up_kernel(node, t, ptr, starts, ends):
    up = np.empty(t.size, dtype=np.bool_)
    for i in range(t.size):
        up[i] = not is_down(t[i], starts, ends, ptr[node[i]], ptr[node[i] + 1])
    return up


@numba.njit(cache=True, inline="always")
def is_down(x, starts, ends, lo, hi):
    """Whether ``x`` falls in one of the sorted disjoint windows ``[starts[k], ends[k])``,
    ``lo <= k < hi`` (``Availability.is_up``, negated): the last window starting at or
    before ``x``, found by bisection."""
    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if starts[mid] <= x:
            a = mid + 1
        else:
            b = mid
    return a > lo and x < ends[a - 1]
