"""The compiled broadcast against the elementwise numpy it replaced, to the bit: answers within
the deadline, the querier never asking itself, a node down when the search arrives silent,
and the last answer's time."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_the_largest_of_n_round_trips_in_time_is_one_draw():
    """The largest of n round trips below the deadline, drawn as F^-1(F(D) U^(1/n)), against
    the largest of n drawn one by one (those below the deadline): two-sample KS."""
    from scipy.stats import ks_2samp

    from sim.engine.fanout import RoundTrips

    rng = np.random.default_rng(3)
    trips = RoundTrips(rng.lognormal(0.0, 0.8, 1 << 20), deadline=2.0)
    n = np.full(4000, 5)
    one = trips.largest_in_time(n, rng.random(n.size))
    brute = []
    while len(brute) < n.size:
        draws = rng.lognormal(0.0, 0.8, 50)
        kept = draws[draws <= 2.0][:5]
        if kept.size == 5:
            brute.append(kept.max())
    assert ks_2samp(one, brute).pvalue > 0.01
    assert trips.p == pytest.approx(
        float(np.mean(rng.lognormal(0.0, 0.8, 10**6) <= 2.0)), abs=0.002
    )
    assert np.isneginf(trips.largest_in_time(np.array([0]), np.array([0.5])))[0]


def test_a_broadcast_drawn_from_what_it_depends_on_equals_every_node_drawn():
    """Federated broadcast searches in a world of 12 national nodes down a tenth of the time,
    round trips around the deadline: the run's answers (a binomial count of the steady nodes,
    the last answer one draw, the nodes changing state drawn one by one) against every node's
    round trip drawn for the same searches: equal mean answer share and availability within
    their intervals, and the latency's distribution by a two-sample KS test."""
    from scipy.stats import ks_2samp

    from sim.runner import simulate
    from tests.helpers import scenario

    countries = [{"code": f"C{i:02d}", "region": "europe"} for i in range(12)]
    s = scenario(
        {
            "horizon_days": 120,
            "warmup_days": 0,
            "architecture": {"kind": "federated", "query_deadline_seconds": 3},
            "world": {"countries": countries},
            "links": {
                "ncb_to_ncb": {
                    "query_delay_seconds": {"dist": "lognormal", "mean": 1.2, "sigma": 0.6}
                }
            },
            "outages": {"ncb": {"mtbf_days": 2, "mttr_hours": 5}},
            "queries": {"per_country_per_day": 40},
        }
    )
    log, _ = simulate(s, 4)
    q = log.queries
    sent = np.flatnonzero(q.sent)
    rng = np.random.default_rng(9)
    nodes = log.node_availability
    deadline = 3 / 86400
    brute_share, brute_last = [], []
    for i in sent:
        others = [j for j in range(12) if j != q.querier[i]]
        out = rng.lognormal(np.log(1.2) - 0.18, 0.6, len(others)) / 86400
        back = rng.lognormal(np.log(1.2) - 0.18, 0.6, len(others)) / 86400
        up = np.array(
            [nodes[j].is_up(np.array([q.t[i] + o]))[0] for j, o in zip(others, out, strict=True)]
        )
        in_time = up & (out + back <= deadline)
        brute_share.append(in_time.mean())
        if in_time.any():
            brute_last.append((out + back)[in_time].max())
    share = q.n_answered[sent] / q.n_asked[sent]
    answered = q.n_answered[sent] > 0
    last = (q.last_answer[sent] - q.t[sent])[answered]
    half = 3 * np.std(share) / np.sqrt(sent.size)
    assert np.mean(share) == pytest.approx(np.mean(brute_share), abs=half)
    assert 0.3 < np.mean(share) < 0.9  # round trips around the deadline: a real test
    assert ks_2samp(last, brute_last).pvalue > 0.01
