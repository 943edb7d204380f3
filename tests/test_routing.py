"""Federated searches as real federated searches work: partial answers count, a document or
vehicle check asks its issuing country, an index asks the owner it names. Closed forms against
the simulator, and the old ``index: true`` spelling.

Tolerances: every search is a Bernoulli draw, but searches close in time share the nodes'
up/down states, so the noise is that of the nodes' time-averaged availability. For an
alternating renewal process with exponential up (mean u) and down (mean d) times, the up
indicator has autocovariance A(1 - A) e^(-|τ|/τc), τc = ud/(u + d), so its mean over a horizon
T has variance about 2 A(1 - A) τc / T. With u = d = 0.02 days (A = 1/2, τc = 0.01 d) and
T = 400 days that is a standard deviation of 0.0035 per node (0.004 measured). Over six seeds
the metrics below spread with standard deviations of 0.001 (availability), 0.002 (answer share)
and 0.003 (timeouts); the tolerances are three to four of those, and an all-or-nothing rule or
one that counts the querier's own node misses by tenfold more.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.metrics import compute_metrics
from sim.runner import run_one, simulate
from tests.golden_scenarios import GOLDEN
from tests.helpers import scenario

FOUR = {"countries": [{"code": code, "region": "europe"} for code in ("AAA", "BBB", "CCC", "DDD")]}
A = 0.5
"""Availability of each national node: equal mean up and down times."""

FLICKERING = {"ncb": {"mtbf_days": 0.02, "mttr_hours": 0.48}}
"""National nodes up half of the time, in short spells (many independent spells)."""


def federated(routing: str, extra: dict | None = None) -> dict:
    """Four equal countries, nodes up half of the time, many searches, no records."""
    base = {
        "horizon_days": 400,
        "warmup_days": 0,
        "architecture": {"kind": "federated", "routing": routing},
        "world": FOUR,
        "records": {"creation_per_country_per_day": 0},
        "outages": FLICKERING,
        "queries": {
            "per_country_per_day": 250,
            "kinds": {"record": {"share": 1.0, "names_issuer": True}},
        },
    }
    return scenario(extra or {}, base=base)


def test_a_broadcast_is_answered_when_any_other_node_answers():
    """n = 4 nodes each up with probability A, independently. A search leaves only if its own
    node is up (A); it is answered at all if at least one of the n - 1 others is up when it
    arrives: availability A (1 - (1 - A)^(n-1)) = 0.4375. Each node asked answers with
    probability A, so the mean share of answers is A. All-or-nothing would give A^n = 0.0625."""
    n = 4
    metrics = run_one(federated("broadcast"), seed=1).metrics
    assert metrics["query_availability"] == pytest.approx(A * (1 - (1 - A) ** (n - 1)), abs=0.004)
    assert metrics["answer_share_mean"] == pytest.approx(A, abs=0.007)
    assert metrics["query_timeout_share"] == pytest.approx(1 - A ** (n - 1), abs=0.01)


def test_issuer_routing_asks_the_issuer_alone():
    """Every search names its issuer, drawn in proportion to the weights (equal: 1/n each,
    the querier's own country included). Its own documents are answered by its own system;
    any other issuer answers with probability A. Availability A (1/n + (n - 1) A / n) =
    0.3125; answer share 1/n + (n - 1) A / n = 0.625; and one node asked per search, so the
    nodes answer as many searches as were sent, and each remote one is one round trip (two
    messages)."""
    n = 4
    log, _ = simulate(federated("issuer"), 2)
    metrics = compute_metrics(log).metrics
    local = 1 / n + (n - 1) * A / n
    assert metrics["query_availability"] == pytest.approx(A * local, abs=0.004)
    assert metrics["answer_share_mean"] == pytest.approx(local, abs=0.006)
    q = log.queries
    assert (q.n_asked[q.sent] == 1).all() and (q.n_asked[~q.sent] == 0).all()
    asked = sum(qid.size for qid in q.asked_of.values())
    assert asked == int(q.sent.sum()) and q.broadcast == []
    seconds = log.horizon * 86400
    assert metrics["search_load_per_second"]["ncb_mean"] == pytest.approx(asked / n / seconds)


def test_an_issuer_search_takes_one_round_trip():
    """Exponential query delays of mean 1 s each way and instant service: a remote answer
    takes Gamma(2, 1 s), P(X <= x) = 1 - e^(-x)(1 + x), mean 2 s; the querier's own
    documents are answered at once (0 s). Among answered searches the local share is
    p = (1/n) / (1/n + (n - 1) A / n) = 0.4, so the mean latency is (1 - p) 2 s = 1.2 s and
    the 95th percentile x solves p + (1 - p)(1 - e^(-x)(1 + x)) = 0.95 (x = 4.17 s). No
    deadline binds (10^6 s)."""
    n = 4
    links = {"ncb_to_ncb": {"query_delay_seconds": {"dist": "exponential", "mean": 1}}}
    extra = {"links": links, "architecture": {"query_deadline_seconds": 1e6}}
    metrics = run_one(federated("issuer", extra), seed=3).metrics
    p = (1 / n) / (1 / n + (n - 1) * A / n)
    p95 = bisect(lambda x: p + (1 - p) * (1 - math.exp(-x) * (1 + x)) - 0.95, 0.0, 20.0)
    assert metrics["query_latency_mean_seconds"] == pytest.approx((1 - p) * 2.0, rel=0.02)
    assert metrics["query_latency_p95_seconds"] == pytest.approx(p95, rel=0.03)


def bisect(f, lo: float, hi: float) -> float:
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


def test_the_owners_answer_in_time_is_the_same_on_both_sides_of_the_model():
    """Record side and search side agree on the owner's answer. Two countries, nodes up with
    probability A = 10/11, exponential query delays of 1 s each way, a 2 s deadline: one round
    trip is back in time with probability F = 1 - 3e^(-2) = 0.594. A record is returned while
    both nodes are up and the answer is in time: completeness A² F, under broadcast and
    issuer routing alike (the owner is the issuer). A sampled search to the other country's
    issuer is answered with probability A F."""
    base = {
        "horizon_days": 3000,
        "warmup_days": 50,
        "architecture": {"kind": "federated", "query_deadline_seconds": 2},
        "records": {"creation_per_country_per_day": 1},
        "links": {"ncb_to_ncb": {"query_delay_seconds": {"dist": "exponential", "mean": 1}}},
        "outages": {"ncb": {"mtbf_days": 10, "mttr_hours": 24}},
        "queries": {
            "per_country_per_day": 20,
            "kinds": {"record": {"share": 1.0, "names_issuer": True}},
        },
    }
    a, f = 10 / 11, 1 - 3 * math.exp(-2)
    broadcast = run_one(scenario(base), seed=4).metrics
    issuer = {**base, "architecture": {**base["architecture"], "routing": "issuer"}}
    log, _ = simulate(scenario(issuer), 4)
    assert compute_metrics(log).metrics["completeness"] == broadcast["completeness"]
    assert broadcast["completeness"] == pytest.approx(a * a * f, abs=0.015)
    q = log.queries
    remote = q.sent & ~np.isin(np.arange(q.t.size), own_node_searches(log))
    assert q.answered[remote].mean() == pytest.approx(a * f, abs=0.02)


def own_node_searches(log) -> np.ndarray:
    """Searches asked of the querier's own node (its own country issued the subject)."""
    q, empty = log.queries, np.empty(0, np.int64)
    asked = [q.asked_of.get(f"ncb.{code}", empty) for code in log.world.codes]
    return np.concatenate([qid[q.querier[qid] == i] for i, qid in enumerate(asked)])


def test_index_true_is_routing_index():
    """The former spelling gives exactly the same run."""
    old = GOLDEN["federated-index"]
    new = {
        **old,
        "architecture": {"kind": "federated", "routing": "index", "query_deadline_seconds": 5},
    }
    assert (
        run_one(scenario(old), seed=4).scalar_metrics()
        == run_one(scenario(new), seed=4).scalar_metrics()
    )


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        ({"index": True, "routing": "issuer"}, "contradicts routing: issuer"),
        ({"index": True, "routing": "broadcast"}, "contradicts routing: broadcast"),
        ({"index": False, "routing": "index"}, "false contradicts routing: index"),
    ],
)
def test_contradictory_index_and_routing_are_refused(architecture, message):
    with pytest.raises(ConfigError) as caught:
        scenario({"architecture": {"kind": "federated", **architecture}})
    assert caught.value.key_path == "architecture.index"
    assert message in caught.value.message


def test_searched_kinds_must_be_record_kinds():
    with pytest.raises(ConfigError) as caught:
        scenario({"queries": {"kinds": {"passports": {"share": 1.0}}}})
    assert caught.value.key_path == "queries.kinds.passports"
    with pytest.raises(ConfigError) as caught:
        scenario({"queries": {"kinds": {"record": {"share": 0.5}}}})
    assert caught.value.key_path == "queries.kinds"


def test_the_index_keeps_the_pointer_of_an_extended_record():
    """Every store enforces retention, the pointer index too: the index must hear of each
    review extension, or it drops a live record's pointer at its first review date plus the
    grace, and searches through it miss records the owners still hold. With no outages and
    instant links, every shareable active record is found through the index exactly as by a
    broadcast (completeness 1 for both), although records outlive several reviews."""
    base = {
        "horizon_days": 200,
        "warmup_days": 20,
        "world": FOUR,
        "records": {
            "creation_per_country_per_day": 20,
            "lifetime_days": {"dist": "exponential", "mean": 150},
            "review_days": 30,
            "extension_probability": 1.0,
            "retention_grace_days": 5,
            "scope": {"global": 1.0, "regional": 0.0, "national": 0.0},
        },
    }
    index = run_one(scenario({"architecture": {"kind": "federated", "routing": "index"}}, base))
    broadcast = run_one(scenario({"architecture": {"kind": "federated"}}, base))
    assert broadcast.metrics["completeness"] == pytest.approx(1.0, abs=1e-9)
    assert index.metrics["completeness"] == pytest.approx(1.0, abs=1e-9)


def notices_and_documents(searches: float, documents: float, **architecture: float) -> dict:
    """Issuer routing among four countries with records of two kinds, notices and
    documents: ``searches`` per country and day, a share ``documents`` of them of documents,
    which name their issuer."""
    return {
        "architecture": {"kind": "federated", "routing": "issuer", **architecture},
        "world": FOUR,
        "records": {
            "creation_per_country_per_day": 5,
            "kinds": {"notice": {"share": 0.5}, "document": {"share": 0.5}},
        },
        "queries": {
            "per_country_per_day": searches,
            "kinds": {
                "notice": {"share": 1 - documents},
                "document": {"share": documents, "names_issuer": True},
            },
        },
    }


def test_views_that_read_the_owners_alike_share_one_integral(monkeypatch):
    """Issuer routing splits the searches into views by kind (those naming the issuer, the
    others), which read the owners with the same gate, answer probability and window: what
    the owners return is integrated once for both, and every integral is what each view
    computing its own gives (the same arithmetic, so the same to the bit)."""
    import sim.metrics.owners as owners
    import sim.metrics.visibility as visibility

    spec = notices_and_documents(20, 0.5) | {
        "horizon_days": 60,
        "warmup_days": 10,
        "outages": {"ncb": {"mtbf_days": 5, "mttr_hours": 12}},
    }
    log, _ = simulate(scenario(spec), 5)
    calls = []
    integrate = owners.owners_cumulative
    monkeypatch.setattr(
        owners, "owners_cumulative", lambda *a, **k: calls.append(1) or integrate(*a, **k)
    )
    shared = compute_metrics(log)
    assert len(calls) == 1
    each = visibility.returned_by_owners
    monkeypatch.setattr(visibility, "returned_by_owners", lambda *a: each(*a[:6], None))
    alone = compute_metrics(log)
    assert len(calls) == 3  # two views, one integral each
    pd.testing.assert_frame_equal(shared.daily, alone.daily, check_exact=True)
    assert shared.metrics == alone.metrics


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"stores": {"ncb": {"service_seconds": {"dist": "lognormal", "mean": 0.4, "sigma": 1}}}},
        {"links": {"ncb_to_ncb": {"query_delay_seconds": {"dist": "fixed", "value": 0}}}},
    ],
)
def test_issuer_searches_asked_at_once_are_those_asked_one_issuer_at_a_time(extra, monkeypatch):
    """The issuers are asked in one pass when their nodes and links are alike: the same draws
    (each search's delays out and back, its service time) and so the same run to the bit as
    the loop over issuers, which stays for nodes or links that differ."""
    from sim.architectures.federated import Federated

    # Nodes up and down every half hour or so, delays of minutes: whether a node is up
    # depends on when the search reaches it, so a delay out drawn as the one back shows.
    spec = notices_and_documents(40, 0.7, query_deadline_seconds=3600) | {
        "horizon_days": 40,
        "warmup_days": 5,
        "outages": FLICKERING,
        "links": {"ncb_to_ncb": {"query_delay_seconds": {"dist": "exponential", "mean": 600}}},
    }
    at_once = run_one(scenario(extra, base=spec), seed=6)
    monkeypatch.setattr(Federated, "_alike", lambda self, issuer, querier: False)
    one_by_one = run_one(scenario(extra, base=spec), seed=6)
    assert at_once.metrics == one_by_one.metrics
    assert at_once.counts == one_by_one.counts
    pd.testing.assert_frame_equal(at_once.daily, one_by_one.daily, check_exact=True)


def cut_at_owners_outages(log, rec, lo, hi):
    """The intervals ``[lo, hi)`` of records ``rec`` cut at every outage of each record's
    owner: the pieces in which the owner can answer (what the metrics integrated until the
    owners' returns were taken from the grid intervals where each owner is up)."""
    from sim.metrics.intervals import subtract_windows

    owner = log.source.owner[rec]
    pieces = []
    for o, availability in enumerate(log.node_availability):
        mine = np.flatnonzero(owner == o)
        a, b, parent = subtract_windows(lo[mine], hi[mine], availability.starts, availability.ends)
        pieces.append((rec[mine][parent], a, b))
    return (np.concatenate([p[i] for p in pieces]) for i in range(3))


@pytest.mark.parametrize("routing", ["broadcast", "index"])
def test_owners_integral_is_that_of_each_record_cut_at_its_owners_outages(routing):
    """What the owners return is integrated from the records' answerable intervals whole,
    keeping the grid intervals where each group's owner is up (``owners_cumulative``). The
    independent way cuts each record's intervals at every outage of its owner and integrates
    the pieces: the two give the same increments between grid points, up to the order of the
    float sums, in a window that starts and ends inside outages."""
    from sim.metrics import owners
    from sim.metrics.integrals import IndexedIntervals
    from sim.metrics.layout import Grid, Layout

    spec = notices_and_documents(20, 0.5) | {
        "architecture": {"kind": "federated", "routing": routing},
        "horizon_days": 80,
        "warmup_days": 10,
        "outages": {
            "ncb": {"mtbf_days": 3, "mttr_hours": 20},
            "hub": {"mtbf_days": 9, "mttr_hours": 6},
        },
    }
    log, _ = simulate(scenario(spec), 7)
    layout = Layout.of(log)
    down = np.concatenate([a.starts for a in log.node_availability])
    assert down.size > 20  # the owners do go down, and often
    grid = Grid.days(log).refined(log, [*log.node_availability, log.stores["hub"].availability])
    gate = log.store_log("hub") if routing == "index" else None
    window = (float(down[3]) + 0.01, float(down[-3]) + 0.01)
    fast = owners.owners_cumulative(log, layout, grid, gate, 0.8, window)
    rec, lo, hi = cut_at_owners_outages(log, *owners.answerable_intervals(log, gate, window))
    cut = IndexedIntervals(layout.group(log, rec), lo, hi, grid.points, layout.n_groups)
    slow = cut.cumulative(weight=0.8)
    assert np.abs(np.diff(slow)).max() > 1.0  # something is returned
    np.testing.assert_allclose(np.diff(fast), np.diff(slow), rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="edges"):
        owners.owners_cumulative(log, layout, Grid.days(log), gate, 0.8, window)
