"""FIFO departure times of a multi-server store, computed for a whole batch at once."""

from __future__ import annotations

import numba
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


def departures_multi(arrivals: np.ndarray, service: np.ndarray, free_at: np.ndarray) -> np.ndarray:
    """c FIFO servers: each item in arrival order takes the server that frees first.

    ``free_at`` is a min-heap of the servers' free times, updated in place. Compiled: an item
    at a time is the recurrence itself, and the hub serves millions a year."""
    return departures_kernel(
        np.ascontiguousarray(arrivals, dtype=float),
        np.ascontiguousarray(service, dtype=float),
        free_at,
    )


@numba.njit(cache=True)
def departures_kernel(arrivals, service, heap):
    out = np.empty(arrivals.size)
    c = heap.size
    for n in range(arrivals.size):
        start = max(arrivals[n], heap[0])
        done = start + service[n]
        out[n] = done
        # Replace the root by ``done`` and sift it down: the heap's root is the next free server.
        i = 0
        while True:
            child = 2 * i + 1
            if child >= c:
                break
            if child + 1 < c and heap[child + 1] < heap[child]:
                child += 1
            if heap[child] >= done:
                break
            heap[i] = heap[child]
            i = child
        heap[i] = done
    return out


class ServerPool:
    """The servers of one store: ``None`` servers means unlimited (no waiting)."""

    def __init__(self, servers: int | None) -> None:
        self.servers = servers
        self.free_at = np.zeros(servers or 0)

    def serve(self, arrivals: np.ndarray, service: np.ndarray) -> np.ndarray:
        """Departure times for items sorted by arrival."""
        if self.servers is None or arrivals.size == 0:
            return arrivals + service
        if self.servers == 1:
            dep = departures_single(arrivals, service, self.free_at[0])
            self.free_at[0] = float(dep[-1])
            return dep
        return departures_multi(arrivals, service, self.free_at)
