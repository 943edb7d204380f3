"""The compiled broadcast against the elementwise numpy it replaced, to the bit: answers within
the deadline, the querier never asking itself, a node down when the search arrives silent,
and the last answer's time."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.fanout import DownWindows, broadcast_answers
from sim.engine.outages import Availability


def elementwise(t, querier, out, back, service, nodes, deadline):
    """The broadcast as numpy computed it before the kernel (``Federated._broadcast``)."""
    n, m = out.shape
    arrival = t[:, None] + out
    answered = np.empty((n, m), dtype=bool)
    for j, availability in enumerate(nodes):
        answered[:, j] = availability.is_up(arrival[:, j])
    done = arrival + service + back
    on_time = answered & (done - t[:, None] <= deadline)
    on_time[querier[:, None] == np.arange(m)[None, :]] = False
    last = np.where(on_time, done, -np.inf).max(axis=1, initial=-np.inf)
    return on_time.sum(axis=1), last


def random_nodes(rng: np.random.Generator, m: int) -> list[Availability]:
    """Some nodes always up, the others down in a few windows (one starting at 0)."""
    nodes = []
    for j in range(m):
        k = int(rng.integers(0, 4)) if j % 3 else 0
        edges = np.sort(rng.uniform(0, 2, 2 * k))
        if k and j % 2:
            edges[0] = 0.0
        nodes.append(Availability(edges[0::2], edges[1::2]))
    return nodes


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 60),
    m=st.integers(1, 9),
    deadline=st.sampled_from([0.0, 1e-4, 0.3, np.inf]),
)
def test_kernel_equals_elementwise_numpy(seed, n, m, deadline):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 2, n))
    querier = rng.integers(0, m, n)
    out, back = rng.exponential(0.1, (n, m)), rng.exponential(0.1, (n, m))
    service = rng.exponential(0.05, (n, m)) if seed % 2 else np.zeros((n, m))
    nodes = random_nodes(rng, m)
    got = broadcast_answers(t, querier, out, back, service, DownWindows(nodes), deadline)
    expected = elementwise(t, querier, out, back, service, nodes, deadline)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])  # exact, not close


def test_a_search_arriving_as_a_window_opens_or_closes():
    """Down on [1, 2): arriving at exactly 1 is silent, at exactly 2 answered."""
    nodes = [Availability.always_up(), Availability(np.array([1.0]), np.array([2.0]))]
    t = np.array([0.5, 1.5])
    out = np.array([[0.0, 0.5], [0.0, 0.5]])  # arrivals at node 1: 1.0 and 2.0
    zeros = np.zeros((2, 2))
    answered, last = broadcast_answers(
        t, np.array([0, 0]), out, zeros, zeros, DownWindows(nodes), 1.0
    )
    assert answered.tolist() == [0, 1]
    assert last.tolist() == [-np.inf, 2.0]
