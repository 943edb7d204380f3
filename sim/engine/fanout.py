"""A search fanned out to every other national node, answered in one compiled pass.

Each of n searches asks m nodes; per (search, node) the delays out and back and the service
time are drawn by the caller (so the random streams are what they always were). What a search
gets is how many nodes answered within the deadline and when the last of those answers came:
one pass over the n x m draws, instead of the half-dozen n x m temporaries (arrival, up,
done, on time, masked) numpy needed, which were most of a broadcast world-year's time.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from sim.engine.outages import DownWindows, is_down


def broadcast_answers(
    t: np.ndarray,
    querier: np.ndarray,
    out: np.ndarray,
    back: np.ndarray,
    service: np.ndarray,
    down: DownWindows,
    deadline: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per search sent at ``t[i]`` by node ``querier[i]`` to every other node j: the answers
    back within ``deadline`` (node j up when the search arrives, ``t + out``; answer back at
    ``t + out + service + back``) and when the last of them came (-inf if none).

    ``out``, ``back`` and ``service`` are (n, m); the arithmetic is done in the same order as
    elementwise numpy would, so the results are the same to the bit."""
    return fanout_kernel(
        np.ascontiguousarray(t, dtype=float),
        np.ascontiguousarray(querier, dtype=np.int64),
        np.ascontiguousarray(out, dtype=float),
        np.ascontiguousarray(back, dtype=float),
        np.ascontiguousarray(service, dtype=float),
        down.ptr,
        down.starts,
        down.ends,
        float(deadline),
    )


@numba.njit(cache=True)
def fanout_kernel(t, querier, out, back, service, ptr, starts, ends, deadline):
    n, m = out.shape
    answered = np.zeros(n, dtype=np.int64)
    last = np.full(n, -np.inf)
    for i in range(n):
        for j in range(m):
            if j == querier[i]:
                continue  # nobody asks itself
            arrival = t[i] + out[i, j]
            if is_down(arrival, starts, ends, ptr[j], ptr[j + 1]):
                continue
            done = arrival + service[i, j] + back[i, j]
            if done - t[i] <= deadline:
                answered[i] += 1
                if done > last[i]:
                    last[i] = done
    return answered, last


class RoundTrips:
    """The distribution of one broadcast leg's round trip (out, service, back), as a large
    sorted sample: its quantile function draws a round trip, and the largest of n of those
    below the deadline, in one draw each (``F^-1(F(D) U^(1/n))``)."""

    def __init__(self, sample: np.ndarray, deadline: float) -> None:
        self.sorted = np.sort(sample)
        self.deadline = deadline
        self.p = float(np.searchsorted(self.sorted, deadline, side="right") / self.sorted.size)
        """P(a round trip is back within the deadline)."""

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The round trips at probabilities ``u`` (in [0, 1))."""
        index = np.minimum((u * self.sorted.size).astype(np.int64), self.sorted.size - 1)
        return self.sorted[index]

    def largest_in_time(self, n: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The largest of ``n`` round trips drawn below the deadline (-inf for none): the
        largest of n uniforms is ``U^(1/n)``, scaled to the probability below the deadline."""
        with np.errstate(divide="ignore"):
            level = self.p * u ** (1.0 / np.maximum(n, 1))
        return np.where(n > 0, self.quantile(level), -np.inf)


def broadcast_outcomes(
    t: np.ndarray,
    among: np.ndarray,
    nodes: DownWindows,
    trips: RoundTrips,
    rng: np.random.Generator,
    exact: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Per search made at ``t[i]`` (by node ``among[i]`` of ``nodes``, -1 when not one of
    them) of every other node: the answers back within the deadline and when the last came.

    A node whose up/down state does not change between the search and its deadline answers in
    time exactly when it is up at the search and its round trip beats the deadline (an answer
    that takes longer is late however the node fares): so the count of such nodes up is read
    off the down windows, the count answering is Binomial(up, p) and the last of them is one
    draw (``RoundTrips.largest_in_time``). The few nodes whose state changes inside that span
    are drawn one by one (``exact(search, node, t)`` -> (answered, done)), as before. Equal in
    distribution to drawing every node's round trip, with a few draws per search instead of
    three per node."""
    n, m = t.size, nodes.ptr.size - 1
    others = m - (among >= 0)
    down = down_count(nodes, t)
    search, node = changing(nodes, t, trips.deadline, among)
    up_then = nodes.nodes_up(node, t[search])
    changing_up = np.bincount(search[up_then], minlength=n)
    steady_up = others - down - changing_up
    answered = rng.binomial(steady_up, trips.p)
    last = t + trips.largest_in_time(answered, rng.random(n))
    if search.size:
        in_time, done = exact(search, node, t[search])
        answered += np.bincount(search[in_time], minlength=n)
        np.maximum.at(last, search[in_time], done[in_time])
    return answered, last


def down_count(nodes: DownWindows, t: np.ndarray) -> np.ndarray:
    """How many of the nodes are down at each of the times ``t``."""
    edges, _, level = nodes.edges
    return level[np.searchsorted(edges, t, side="right")].astype(np.int64)


def changing(
    nodes: DownWindows, t: np.ndarray, span: float, among: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(search, node) pairs where the node goes down or up in ``[t, t + span]`` (never the
    searcher itself), each pair once."""
    m = nodes.ptr.size - 1
    edges, whose, _ = nodes.edges
    lo = np.searchsorted(edges, t, side="left")
    hi = np.searchsorted(edges, t + span, side="right")
    count = hi - lo
    search = np.repeat(np.arange(t.size), count)
    at = np.arange(search.size) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
    node = whose[at]
    pair = np.unique(search * m + node)
    search, node = pair // m, pair % m
    keep = node != among[search]
    return search[keep], node[keep]
