"""FIFO departure times of a multi-server store, computed for a whole batch at once."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np


def departures_single(arrivals: np.ndarray, service: np.ndarray, free_at: float) -> np.ndarray:
    """One FIFO server (Lindley): d_n = max(a_n, d_{n-1}) + s_n, with d_0 = ``free_at``.

    Unrolled: d_n = S_n + max(free_at, max_{k<=n}(a_k - S_{k-1})), S the cumulative service,
    which is one ``maximum.accumulate``.
    """
    s_incl = np.cumsum(service)
    s_excl = s_incl - service
    start_bound = np.maximum.accumulate(arrivals - s_excl)
    return s_incl + np.maximum(start_bound, free_at)


def departures_multi(
    arrivals: np.ndarray, service: np.ndarray, free_at: Sequence[float]
) -> np.ndarray:
    """c FIFO servers: each item in arrival order takes the server that frees first.

    The items that find a free server on arrival leave at arrival + service; they are found
    at once (``first_wait``), and only from the first item that may wait on is the queue
    served one item at a time. ``free_at`` (the servers' free times) is not modified.
    """
    n = arrivals.size
    out = arrivals + service
    k = first_wait(arrivals, out, free_at)
    if k == n:
        return out
    heap = free_times(free_at, out[:k], len(free_at))
    arrive, serve = arrivals[k:].tolist(), service[k:].tolist()  # ints stay exact
    for i, (a, s) in enumerate(zip(arrive, serve, strict=True), start=k):
        done = max(a, heap[0]) + s
        out[i] = done
        heapq.heapreplace(heap, done)
    return out


def first_wait(arrivals: np.ndarray, leave: np.ndarray, free_at: Sequence[float]) -> int:
    """Index of the first item that may find every server busy, if each item before it left
    at ``leave`` (its arrival + service); ``arrivals.size`` if none may.

    Item n starts on arrival iff fewer than c of the servers' free times (the initial ones and
    the departures before n) are later than a_n. Departures after n are not before a_n, so
    ``searchsorted`` over all of them counts those before n; ties count as busy, so a false
    alarm only costs the exact loop.
    """
    c = len(free_at)
    finished_before = np.searchsorted(np.sort(leave), arrivals, side="left")
    busy = np.arange(arrivals.size) - finished_before
    initial = np.sort(np.asarray(free_at, dtype=float))
    busy += initial.size - np.searchsorted(initial, arrivals, side="left")
    waits = np.flatnonzero(busy >= c)
    return int(waits[0]) if waits.size else int(arrivals.size)


def free_times(
    free_at: Sequence[float] | np.ndarray, departures: np.ndarray, c: int
) -> list[float]:
    """The c servers' free times after serving items that left at ``departures``: the c latest
    of the initial free times and the departures (each item replaces the earliest free time
    by its departure, which is not earlier). Sorted, hence also a heap."""
    times = np.concatenate([np.asarray(free_at, dtype=departures.dtype), departures])
    return np.sort(np.partition(times, times.size - c)[-c:]).tolist()


def fifo_departures(
    servers: int | None, arrivals: np.ndarray, service: np.ndarray, free_at: Sequence[float]
) -> np.ndarray:
    """Departure times of items sorted by arrival at ``servers`` FIFO servers (None:
    unlimited) free from ``free_at``. Exact in integer time units."""
    if servers is None or arrivals.size == 0:
        return arrivals + service
    if servers == 1:
        return departures_single(arrivals, service, free_at[0])
    return departures_multi(arrivals, service, free_at)


class ServerPool:
    """The servers of one store: ``None`` servers means unlimited (no waiting)."""

    def __init__(self, servers: int | None) -> None:
        self.servers = servers
        self.free_at: list[float] = [0.0] * (servers or 0)

    def departures(self, arrivals: np.ndarray, service: np.ndarray) -> np.ndarray:
        """Departure times for items sorted by arrival, from the current state (unchanged)."""
        return fifo_departures(self.servers, arrivals, service, self.free_at)

    def free_after(self, departures: np.ndarray) -> list[float]:
        """The servers' free times once the items that leave at ``departures`` (in FIFO
        order) are served."""
        if self.servers == 1:
            return [float(departures[-1])]  # FIFO: the last to leave
        return free_times(self.free_at, departures, len(self.free_at))

    def advance(self, departures: np.ndarray) -> None:
        """The state once the items that leave at ``departures`` have been served."""
        if self.servers is None or departures.size == 0:
            return
        self.free_at = self.free_after(departures)

    def serve(self, arrivals: np.ndarray, service: np.ndarray) -> np.ndarray:
        """Departure times for items sorted by arrival; the servers then wait for more."""
        departures = self.departures(arrivals, service)
        self.advance(departures)
        return departures
