"""Relayed changes take their FIFO place at the store they reach, checked against an
independent discrete-event simulation of the same network of FIFO queues.

``fifo_network`` below shares no code with the simulator: a plain event heap in which each
arrival, taken in time order, starts on the first server to free (FIFO with c servers). Its
customers are the record changes, each following the route the hybrid rules give it (its
owner's platform, or the hub if it has none; from a platform the hub; from the hub the
platforms its owner is not in), and the sampled queries, each at one store.

A pdsa run is compared with it through the stores' own logs (when each store applied each
change, when each query was answered), change by change and query by query: with fixed
service times, and with random ones given to the simulation as pdsa drew them (read as each
store serves; their distribution is tested apart), so that both must agree exactly, and the
percentiles of the time from creation to the hub with them. The lag metrics (weighted by
querier) are not used: the time to the hub is read off the hub's log.

Outages are left to ``test_a_cycle_of_relays...``, which rebuilds every store's arrivals from
the logs and checks FIFO service there.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

import sim.engine.network as network
from sim.config.schema import Fixed
from sim.config.schema import Link as LinkSpec
from sim.engine.dists import SECONDS, Sampler
from sim.engine.links import Link
from sim.engine.network import Relay, RelayError, serve_until
from sim.engine.outages import Availability
from sim.engine.queue import ServerPool
from sim.engine.store import Batch, Store
from sim.model import DataSharingModel
from sim.runner import simulate
from tests.helpers import scenario
from tests.test_invariants import meant_to_send

DAY = 86400.0

# --- the independent simulation ---------------------------------------------------------------

Hop = tuple[str, float, int]
"""(store, delay before arriving there in days, the hop it follows: -1 for the origin)."""


def fifo_network(
    starts: list[float],
    routes: list[list[Hop]],
    servers: dict[str, int],
    service: Callable[[int, int], float],
) -> list[list[float]]:
    """Departure (days) of each customer at each hop of its route. Customer i leaves its
    origin at ``starts[i]``; a hop starts when the hop it follows departs (a store may pass a
    change on to several); ``service(i, hop)`` is its service time there, in days."""
    order = itertools.count()
    events = [
        (starts[i] + delay, next(order), i, h)
        for i, route in enumerate(routes)
        for h, (_, delay, after) in enumerate(route)
        if after < 0
    ]
    heapq.heapify(events)
    free = {name: [0.0] * c for name, c in servers.items()}
    out = [[math.inf] * len(route) for route in routes]
    while events:
        t, _, i, hop = heapq.heappop(events)
        route = routes[i]
        store = route[hop][0]
        done = max(t, free[store][0]) + service(i, hop)
        heapq.heapreplace(free[store], done)
        out[i][hop] = done
        for h, (_, delay, after) in enumerate(route):
            if after == hop:
                heapq.heappush(events, (done + delay, next(order), i, h))
    return out


# --- the networks -------------------------------------------------------------------------------

TWO_CLASSES = {
    "platforms": [{"name": "P"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P"]},
        {"code": "BBB", "region": "africa"},
    ],
}
"""The issue's network: AAA's changes go to P then the hub, BBB's to the hub then P."""

CHAIN = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "africa", "platforms": ["P2"]},
    ],
}
"""Chains of three stores both ways: P1, hub, P2 and P2, hub, P1 (a cycle of relays)."""

CHAIN_AND_HUB = {
    **CHAIN,
    "countries": [*CHAIN["countries"], {"code": "CCC", "region": "americas"}],
}
"""The chains, and CCC's changes from the hub to both platforms at once."""

REGIONS = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "africa", "platforms": ["P2"]},
        {"code": "CCC", "region": "americas"},
        {"code": "DDD", "region": "africa"},
        {"code": "EEE", "region": "europe", "platforms": ["P2"]},
    ],
}
"""Under ``redistribute: region``: AAA's changes go P1, hub, P2 and EEE's P2, hub, P1 (each
platform has a European member); BBB's stop at the hub (P1 has no African member), and so do
CCC's (no platform has an American member); DDD's go from the hub to P2 alone. (A change the
hub passed on to both platforms would start both, with their equal service times, on
departures in lockstep, reaching the hub at the same instants, whose order FIFO leaves open.)"""


def hybrid_push(
    world: dict,
    service: tuple[dict, dict],
    servers: tuple[int, int],
    rate: float,
    horizon: float,
    redistribute: str = "all",
    **more: Any,
) -> dict:
    """Long-lived global records; ``service`` and ``servers``: (hub, platform). By default the
    hub passes every change on to the platforms its owner is not in (``redistribute: all``)."""
    return {
        "horizon_days": horizon,
        "warmup_days": 2,
        "architecture": {"kind": "hybrid", "sync": "push", "redistribute": redistribute},
        "world": world,
        "records": {
            "creation_per_country_per_day": rate,
            "lifetime_days": {"dist": "fixed", "value": 10_000},
            "scope": {"global": 1.0},
        },
        "stores": {
            "hub": {"servers": servers[0], "service_seconds": service[0]},
            "platform": {"servers": servers[1], "service_seconds": service[1]},
        },
        "queries": {"per_country_per_day": 0},
        **more,
    }


def fixed_hours(delays: dict[str, float]) -> dict:
    return {name: {"delay_hours": {"dist": "fixed", "value": d * 24}} for name, d in delays.items()}


def route(
    owner: str, world: dict, delays: dict[str, float], redistribute: str = "all"
) -> list[Hop]:
    """Where a change of ``owner`` goes under hybrid push, each hop with its link delay."""
    mine = platforms_of(owner, world)
    others = [p["name"] for p in world["platforms"] if p["name"] not in mine]
    if redistribute == "region":
        region = {c["code"]: c["region"] for c in world["countries"]}
        others = [p for p in others if any(region[c] == region[owner] for c in members(p, world))]
    elif redistribute == "none":
        others = []
    hops = [(p, delays.get("ncb_to_platform", 0.0), -1) for p in mine]
    hops += [("hub", delays.get("platform_to_hub", 0.0), i) for i in range(len(mine))]
    hops = hops or [("hub", delays.get("ncb_to_hub", 0.0), -1)]
    hubs = [i for i, (store, _, _) in enumerate(hops) if store == "hub"]
    return hops + [(p, delays.get("hub_to_platform", 0.0), h) for h in hubs for p in others]


def platforms_of(code: str, world: dict) -> list[str]:
    return next(c.get("platforms", []) for c in world["countries"] if c["code"] == code)


def members(platform: str, world: dict) -> list[str]:
    return [c["code"] for c in world["countries"] if platform in c.get("platforms", [])]


def run(overrides: dict, seed: int) -> DataSharingModel:
    model = DataSharingModel(scenario(overrides), seed)
    model.run()
    return model


def stores_by_name(model: DataSharingModel) -> dict[str, Store]:
    """The hub and the platforms, by short name."""
    return {
        "hub" if s.kind == "hub" else s.name.removeprefix("platform."): s
        for s in model.parts.stores
    }


def applied_at(store: Store) -> dict[tuple[int, int], float]:
    """When ``store`` applied each (record, version)."""
    rec, version, t = store.application_log()
    return dict(zip(zip(rec.tolist(), version.tolist(), strict=True), t.tolist(), strict=True))


# --- change by change and query by query --------------------------------------------------------


def served_with(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, int, int], float]:
    """Service time (days) of each (store, record, version) or (store, query id, -1), as
    the stores serve: filled in by the run that follows."""
    served: dict[tuple[str, int, int], float] = {}
    complete = Store.complete

    def recording(store: Store, items: Batch, service: np.ndarray, departure: np.ndarray):
        name = "hub" if store.kind == "hub" else store.name.removeprefix("platform.")
        version = np.where(items.version < 0, -1, items.version)
        keys = zip(items.rec.tolist(), version.tolist(), strict=True)
        served.update(((name, r, v), s) for (r, v), s in zip(keys, service.tolist(), strict=True))
        complete(store, items, service, departure)

    monkeypatch.setattr(Store, "complete", recording)
    return served


def compare_with_the_event_simulation(
    model: DataSharingModel,
    world: dict,
    servers: tuple[int, int],
    delays: dict[str, float],
    served: dict[tuple[str, int, int], float],
    redistribute: str = "all",
) -> dict[str, np.ndarray]:
    """Run the independent simulation on the run's changes and queries, each taking at each
    store the service time pdsa gave it, and assert that every store applies every change,
    and answers every query, when it says (to 1e-9 day). Per store, the times compared."""
    stores = stores_by_name(model)
    src, queries = model.source, model.parts.queries
    codes = [c["code"] for c in world["countries"]]
    keys = list(zip(src.change_rec.tolist(), src.change_version.tolist(), strict=True))
    routes = [route(codes[o], world, delays, redistribute) for o in src.owner[src.change_rec]]
    asked = [
        (name, qid)
        for qid, q in enumerate(queries.querier.tolist())
        for name in [*platforms_of(codes[q], world), "hub"]
    ]
    everyone = keys + [(qid, -1) for _, qid in asked]
    paths = routes + [[(name, 0.0, -1)] for name, _ in asked]
    departures = fifo_network(
        src.change_time.tolist() + [float(queries.time[qid]) for _, qid in asked],
        paths,
        {name: servers[0] if name == "hub" else servers[1] for name in stores},
        lambda i, hop: served.get((paths[i][hop][0], *everyone[i]), math.nan),
    )
    times = {}
    for name, store in stores.items():
        want = {
            key: t
            for key, hops, leave in zip(keys, routes, departures[: len(routes)], strict=True)
            for (at, _, _), t in zip(hops, leave, strict=True)
            if at == name and t <= model.horizon
        }
        got = {key: t for key, t in applied_at(store).items() if t <= model.horizon}
        assert got.keys() == want.keys(), name
        times[name] = np.array([got[k] for k in want])
        np.testing.assert_allclose(times[name], list(want.values()), rtol=0, atol=1e-9)
    answered = {
        (name, int(q)): t
        for name, store in stores.items()
        for q, t in zip(*store.answer_log(), strict=True)
    }
    want_answers = dict(zip(asked, (d[0] for d in departures[len(routes) :]), strict=True))
    assert answered.keys() == want_answers.keys()
    got_answers = [answered[k] for k in want_answers]
    np.testing.assert_allclose(got_answers, list(want_answers.values()), rtol=0, atol=1e-9)
    return times


CHAIN_DELAYS = {"platform_to_hub": 0.125, "hub_to_platform": 0.0625, "ncb_to_platform": 0.03125}

EXACT_CASES = {
    "two-classes": (TWO_CLASSES, (1, 1), (50.0, 50.0), 600, {}, "all"),
    "three-store-chains": (CHAIN, (2, 1), (50.0, 31.4159), 500, CHAIN_DELAYS, "all"),
    "copies-by-region": (REGIONS, (2, 1), (50.0, 31.4159), 400, CHAIN_DELAYS, "region"),
}


@pytest.mark.parametrize("case", sorted(EXACT_CASES))
def test_every_application_and_answer_matches_the_event_simulation(case, monkeypatch):
    """Fixed service times (two-class network: 50 s and one server at both stores, each at
    utilisation 0.7 as in the issue): every store applies every change, and answers every
    query, when the independent simulation says. Queries share the servers with direct and
    relayed changes. The chains add link delays, two hub servers and another service time
    at the platforms (equal ones would make P1 and P2 hand the hub changes at the same
    instants, whose order FIFO leaves open). Copies by region: the hub passes a change on only
    to the platforms with a member in its owner's region (``redistribute: region``)."""
    world, servers, seconds, rate, delays, redistribute = EXACT_CASES[case]
    served = served_with(monkeypatch)
    overrides = hybrid_push(
        world,
        ({"dist": "fixed", "value": seconds[0]}, {"dist": "fixed", "value": seconds[1]}),
        servers,
        rate=rate,
        horizon=8,
        redistribute=redistribute,
        links=fixed_hours(delays),
        queries={"per_country_per_day": 150},
    )
    model = run(overrides, seed=2)
    compare_with_the_event_simulation(model, world, servers, delays, served, redistribute)


EXPONENTIAL = {"dist": "exponential", "mean": 50}
LOGNORMAL = {"dist": "lognormal", "mean": 50, "sigma": 0.8}


def distribution(dist: dict) -> Any:
    """The service time distribution, in seconds, as scipy knows it."""
    if dist["dist"] == "exponential":
        return stats.expon(scale=dist["mean"])
    mu = math.log(dist["mean"]) - dist["sigma"] ** 2 / 2
    return stats.lognorm(dist["sigma"], scale=math.exp(mu))


@pytest.mark.parametrize("world", [TWO_CLASSES, CHAIN], ids=["two-classes", "three-store-chains"])
@pytest.mark.parametrize("dist", [EXPONENTIAL, LOGNORMAL], ids=["exponential", "lognormal"])
def test_time_to_the_hub_matches_the_event_simulation(world, dist, monkeypatch):
    """Random service (mean 50 s, one server per store, each at utilisation 0.7, the issue's
    scenario and its chains): the service times pdsa draws follow the distribution
    (Kolmogorov-Smirnov), and given the same ones the independent simulation agrees on every
    application and answer, hence on the 50th, 95th and 99th percentiles of the time from a
    record's creation to the hub. Before relayed changes took their FIFO place, pdsa was 10
    to 30 times too slow here (the issue: p50 / p95 / p99 2,094 / 26,146 / 30,313 s against
    about 173 / 682 / 1,029)."""
    served = served_with(monkeypatch)
    rate = 0.007 * DAY  # each store serves two countries' changes: utilisation 0.7
    model = run(hybrid_push(world, (dist, dist), (1, 1), rate=rate, horizon=25), seed=5)
    for name in stores_by_name(model):
        seconds = [t * DAY for (store, _, _), t in served.items() if store == name]
        assert stats.kstest(seconds, distribution(dist).cdf).pvalue > 1e-3, name
    times = compare_with_the_event_simulation(model, world, (1, 1), {}, served)
    assert times["hub"].size > 25_000
    if world is TWO_CLASSES:  # the issue's own figures (Ciw), within this run's sampling
        src = model.source
        hub = applied_at(stores_by_name(model)["hub"])
        measured = np.flatnonzero((src.created >= 2) & (src.created < 23))
        lag = np.array([hub[(r, 0)] - src.created[r] for r in measured]) * DAY
        assert np.percentile(lag, [50, 95, 99]) == pytest.approx([173, 682, 1029], rel=0.2)


@pytest.mark.parametrize("dist", [EXPONENTIAL, LOGNORMAL], ids=["exponential", "lognormal"])
def test_percentiles_match_the_event_simulation_drawing_its_own_service(dist):
    """The issue's network over 100 days, the event simulation drawing its own service times
    (same creations): p50, p95 and p99 of the time to the hub agree within 4, 6 and 12 %.
    These bounds are about three times the spread between the two measured over four seeds
    (at most 2.0, 3.7 and 9.4 %: a 99th percentile of a queue at utilisation 0.7 rests on a
    few dozen busy periods); the error the issue found was a factor of 10 to 30, and a
    service mean 10 % off moves the 95th percentile by some 30 %."""
    days = 100
    model = run(hybrid_push(TWO_CLASSES, (dist, dist), (1, 1), rate=0.007 * DAY, horizon=days), 1)
    src = model.source
    hub = applied_at(stores_by_name(model)["hub"])
    first = src.change_version == 0
    rec, start = src.change_rec[first], src.change_time[first]
    measured = (src.created[rec] >= 2) & (src.created[rec] < days - 2)
    pdsa = np.array([hub[(r, 0)] for r in rec[measured].tolist()]) - start[measured]
    codes = [c["code"] for c in TWO_CLASSES["countries"]]
    routes = [route(codes[o], TWO_CLASSES, {}) for o in src.owner[rec]]
    draw = own_draws(dist, np.random.default_rng(1))
    departures = fifo_network(start.tolist(), routes, {"hub": 1, "P": 1}, lambda i, h: draw())
    hops = zip(departures, routes, strict=True)
    at_hub = np.array([d[[s for s, _, _ in r].index("hub")] for d, r in hops])
    oracle = at_hub[measured] - start[measured]
    assert pdsa.size > 100_000
    got, want = np.percentile(pdsa, [50, 95, 99]), np.percentile(oracle, [50, 95, 99])
    assert np.all(np.abs(got / want - 1) < [0.04, 0.06, 0.12]), (got, want)


def own_draws(dist: dict, rng: np.random.Generator) -> Callable[[], float]:
    """Service times (days) of the distribution, drawn by numpy alone."""
    if dist["dist"] == "exponential":
        return lambda: rng.exponential(dist["mean"]) / DAY
    mu = math.log(dist["mean"]) - dist["sigma"] ** 2 / 2
    return lambda: rng.lognormal(mu, dist["sigma"]) / DAY


# --- a cycle of relays: FIFO at every store, nothing served before it arrives, the ledger --------


def test_a_cycle_of_relays_serves_nothing_before_it_arrives_and_the_ledger_balances():
    """P1 to the hub to P2 and P2 to the hub to P1, with CCC's changes from the hub to both,
    random service, link delays, random outages of every store and queries. Each store's
    arrivals are rebuilt from the other stores' logs (a relayed change arrives at its
    source's application plus the link delay, or when the store is next up). At every store,
    in arrival order: departures never decrease (one FIFO server), each comes after its
    arrival, and the service times they imply (departure minus the later of arrival and
    previous departure) are positive with the scenario's mean. Every change sent is applied
    or still queued, and sent as the architecture's rules say."""
    delays = {"platform_to_hub": 0.125, "hub_to_platform": 0.0625, "ncb_to_platform": 0.03125}
    outage = {"mtbf_days": 3, "mttr_hours": 5}
    overrides = hybrid_push(
        CHAIN_AND_HUB,
        (EXPONENTIAL, EXPONENTIAL),
        (1, 1),
        rate=350,
        horizon=12,
        links=fixed_hours(delays),
        outages={"hub": outage, "platform": outage},
        queries={"per_country_per_day": 100},
    )
    model = run(overrides, seed=4)
    stores = stores_by_name(model)
    codes = [c["code"] for c in CHAIN_AND_HUB["countries"]]
    applied = {name: applied_at(store) for name, store in stores.items()}
    service = []
    for name in stores:
        arrival, departure = arrivals_and_departures(model, name, applied, codes, delays)
        order = np.lexsort((departure, arrival))
        arrival, departure = arrival[order], departure[order]
        assert np.all(np.diff(departure) >= 0), name
        start = np.maximum(arrival, np.concatenate([[-np.inf], departure[:-1]]))
        implied = departure - start
        assert np.all(implied > 0), name
        service.append(implied[np.isfinite(start)])
    mean_seconds = np.concatenate(service).mean() * DAY
    assert mean_seconds == pytest.approx(50, rel=0.05)
    log, counts = simulate(scenario(overrides), 4)
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]
    assert counts["changes_sent"] == meant_to_send(log, scenario(overrides).architecture)
    assert counts["changes_queued"] > 0  # relayed changes still on their way at the horizon


def arrivals_and_departures(
    model: DataSharingModel,
    name: str,
    applied: dict[str, dict[tuple[int, int], float]],
    codes: list[str],
    delays: dict[str, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Every item ``name`` served (changes and answered queries): when it arrived (rebuilt
    from the route, the senders' logs and the store's outages) and when it left."""
    src, queries = model.source, model.parts.queries
    store = stores_by_name(model)[name]
    arrival, departure = [], []
    for (rec, version), t in applied[name].items():
        hops = route(codes[src.owner[rec]], CHAIN_AND_HUB, delays)
        at, delay, after = next(h for h in hops if h[0] == name)
        sent = src.change_time[(src.change_rec == rec) & (src.change_version == version)][0]
        if after >= 0:
            sent = applied[hops[after][0]][(rec, version)]
        arrival.append(float(store.availability.next_up(np.array([sent + delay]))[0]))
        departure.append(t)
    qid, answered = store.answer_log()
    ok = np.isfinite(answered)
    arrival += queries.time[qid[ok]].tolist()
    departure += answered[ok].tolist()
    return np.array(arrival), np.array(departure)


def test_relayed_changes_are_counted_when_they_leave_by_their_record_kind():
    """The links' bandwidth by record kind counts each relayed change once, on the day its
    source applied it (when it leaves), under its record's kind (none of unknown kind): P
    passes AAA's changes on to the hub, the hub BBB's to P."""
    overrides = hybrid_push(TWO_CLASSES, (EXPONENTIAL, EXPONENTIAL), (1, 1), rate=600, horizon=6)
    overrides["records"]["kinds"] = {"person": {"share": 0.6}, "document": {"share": 0.4}}
    model = run(overrides, seed=6)
    src, links, stores = model.source, model.parts.links, stores_by_name(model)
    for link, store, owner in (("platform_to_hub", "P", 0), ("hub_to_platform", "hub", 1)):
        rec, _, t = stores[store].application_log()
        sent = (src.owner[rec] == owner) & (t < model.n_days)
        want = np.zeros((3, model.n_days))
        np.add.at(want, (src.kind[rec[sent]], np.floor(t[sent]).astype(int)), 1)
        got = links[link].changes_by_kind(model.n_days, 2)
        assert got[:2].sum() > 1000, link
        np.testing.assert_array_equal(got, want)


Served = dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]]
"""Per store, each batch it served in FIFO order: (ids, versions, arrivals, services,
departures)."""


def batches_served(monkeypatch: pytest.MonkeyPatch) -> Served:
    """What each store serves, batch by batch: filled in by the run that follows."""
    served: Served = {}
    complete = Store.complete

    def recording(store: Store, items: Batch, service: np.ndarray, departure: np.ndarray):
        name = "hub" if store.kind == "hub" else store.name.removeprefix("platform.")
        batch = (items.rec, items.version, items.arrival, service, departure)
        served.setdefault(name, []).append(tuple(x.copy() for x in batch))  # type: ignore[arg-type]
        complete(store, items, service, departure)

    monkeypatch.setattr(Store, "complete", recording)
    return served


def naive_fifo_servers(arrival: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """Departures of items in FIFO order at ``servers`` servers: each takes the first free."""
    free = [-math.inf] * servers
    out = []
    for a, s in zip(arrival.tolist(), service.tolist(), strict=True):
        done = max(a, free[0]) + s
        heapq.heapreplace(free, done)
        out.append(done)
    return np.array(out)


def test_several_servers_random_delays_and_outages_keep_every_queue_fifo(monkeypatch):
    """P1, hub, P2 both ways and CCC's changes from the hub to both, with three hub servers and
    two per platform, exponential service, lognormal link delays drawn per relayed change, and
    random outages. From what each store served (arrival, service time, departure of every
    change and query, batch by batch): each store is one FIFO queue with its servers over the
    whole run (a naive queue fed with the arrivals in order gives every departure), and a
    relayed change arrives at its source's application plus a delay that follows the link's
    distribution (Kolmogorov-Smirnov; those held by an outage arrive when it ends)."""
    delay = {"dist": "lognormal", "mean": 1.5, "sigma": 0.7}
    outage = {"mtbf_days": 2, "mttr_hours": 4}
    served = batches_served(monkeypatch)
    overrides = hybrid_push(
        CHAIN_AND_HUB,
        (EXPONENTIAL, EXPONENTIAL),
        (3, 2),
        rate=700,
        horizon=10,
        links={name: {"delay_hours": delay} for name in ("platform_to_hub", "hub_to_platform")},
        outages={"hub": outage, "platform": outage},
        queries={"per_country_per_day": 300},
    )
    model = run(overrides, seed=8)
    stores = stores_by_name(model)
    waited = 0
    for name, batches in served.items():
        rec, version, arrival, service, departure = (
            np.concatenate(x) for x in zip(*batches, strict=True)
        )
        order = np.argsort(arrival, kind="stable")  # batches are in FIFO order, days apart
        servers = 3 if name == "hub" else 2
        naive = naive_fifo_servers(arrival[order], service[order], servers)
        np.testing.assert_allclose(departure[order], naive, rtol=0, atol=1e-9, err_msg=name)
        waited += int(np.sum(departure - arrival > service + 1e-9))
    assert waited > 1000  # the queues do form
    codes = [c["code"] for c in CHAIN_AND_HUB["countries"]]
    applied = {name: applied_at(store) for name, store in stores.items()}
    relayed = relayed_delays(model, served, applied, codes)
    hours = distribution({"dist": "lognormal", "mean": delay["mean"], "sigma": delay["sigma"]})
    for link, (free, held) in relayed.items():
        assert free.size > 1000 and held > 0, link
        assert stats.kstest(free * 24, hours.cdf).pvalue > 1e-3, link


def relayed_delays(
    model: DataSharingModel,
    served: Served,
    applied: dict[str, dict[tuple[int, int], float]],
    codes: list[str],
) -> dict[str, tuple[np.ndarray, int]]:
    """Per relay link: the days from the source's application to the arrival of each relayed
    change that found its target up, and how many an outage held (they arrive as it ends);
    asserts that none arrives before its source applied it."""
    src, stores = model.source, stores_by_name(model)
    out: dict[str, tuple[list[float], int]] = {
        "platform_to_hub": ([], 0),
        "hub_to_platform": ([], 0),
    }
    for name, batches in served.items():
        ends = set(stores[name].availability.ends.tolist())
        for rec, version, arrival in (b[:3] for b in batches):
            for r, v, a in zip(rec.tolist(), version.tolist(), arrival.tolist(), strict=True):
                hops = route(codes[src.owner[r]], CHAIN_AND_HUB, {}) if v >= 0 else []
                hop = next((h for h in hops if h[0] == name), None)
                if hop is None or hop[2] < 0:
                    continue  # a query, or a change sent straight by its NCB
                sent = applied[hops[hop[2]][0]][(r, v)]
                assert a >= sent, (name, r, v)
                link = "platform_to_hub" if name == "hub" else "hub_to_platform"
                free, held = out[link]
                if a in ends:
                    out[link] = (free, held + 1)
                else:
                    free.append(a - sent)
    return {link: (np.array(free), held) for link, (free, held) in out.items()}


def test_the_sweeps_are_guarded_and_never_stop_silently(monkeypatch):
    """A joint service that has not settled within the allowed sweeps raises (here after one
    sweep, when the first serve of the platform changes what it relays)."""
    monkeypatch.setattr(network, "MAX_SWEEPS", 1)
    overrides = hybrid_push(TWO_CLASSES, (EXPONENTIAL, EXPONENTIAL), (1, 1), rate=600, horizon=3)
    with pytest.raises(RelayError, match="did not settle"):
        run(overrides, seed=1)


# --- the engine alone: a hand-checked trace, and relays that would never stop -------------------


def store(name: str, servers: int | None, seconds: float) -> Store:
    service = Sampler(Fixed(dist="fixed", value=seconds), SECONDS)
    rng = np.random.default_rng(0)
    return Store(name, "platform", ServerPool(servers), service, Availability.always_up(), rng)


def instant_link() -> Link:
    return Link("relay", LinkSpec(), np.random.default_rng(0))


def everything(rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.ones((rec.size, 1), dtype=bool)


def test_a_query_waits_behind_a_relayed_change_that_arrived_before_it():
    """Hub and P each one server, 3 hours (0.125 d) per item; the hub passes everything on to
    P at once. Change 0 reaches the hub at 0, leaves at 0.125 and reaches P then. Change 1
    reaches P directly at 0.0625 (served 0.0625 to 0.1875). A query reaches P at 0.15625,
    after change 0: FIFO serves change 0 from 0.1875 to 0.3125, then the query (answered at
    0.4375), although change 0 was only known once the hub had served."""
    hub, platform = store("hub", 1, 10800), store("P", 1, 10800)
    hub.receive_changes(np.array([0]), np.array([0]), np.array([0.0]))
    platform.receive_changes(np.array([1]), np.array([0]), np.array([0.0625]))
    platform.receive_queries(np.array([7]), np.array([0.15625]), np.array([0.0]))
    serve_until([platform, hub], [Relay(hub, (platform,), (instant_link(),), everything)], 1.0)
    assert applied_at(hub) == {(0, 0): 0.125}
    assert applied_at(platform) == {(1, 0): 0.1875, (0, 0): 0.3125}
    qid, answered = platform.answer_log()
    assert qid.tolist() == [7] and answered.tolist() == [0.4375]


@pytest.mark.parametrize("servers", [None, 1], ids=["unlimited", "one-server"])
def test_relays_that_pass_a_change_around_for_ever_are_refused(servers):
    """A and B pass every change on to each other: a change would go round for ever. Both
    ways of serving (in passes, and jointly) refuse, rather than stop at an arbitrary count."""
    a, b = store("A", servers, 0), store("B", servers, 0)
    a.receive_changes(np.array([0]), np.array([0]), np.array([0.5]))
    relays = [
        Relay(a, (b,), (instant_link(),), everything),
        Relay(b, (a,), (instant_link(),), everything),
    ]
    with pytest.raises(RelayError):
        serve_until([a, b], relays, 1.0)


# --- queries relayed by the federated index ---------------------------------------------------


def test_owner_nodes_serve_the_queries_the_index_sends_them_in_arrival_order():
    """Federated with an index: a hit is asked of its owner once the index (hub) has
    answered, so the owner's queue gets arrivals only known after the hub has served. The
    hub answers in a random time (unlimited servers, exponential service of an hour), so
    queries reach an owner out of the order in which they left; the owner (one server,
    30 minutes per query) must still serve them in arrival order: in arrival order, each
    departure is the later of its arrival and the previous departure, plus 30 minutes."""
    overrides = {
        "horizon_days": 6,
        "warmup_days": 1,
        "architecture": {"kind": "federated", "index": True, "query_deadline_seconds": 1e6},
        "records": {"creation_per_country_per_day": 0},
        "stores": {
            "hub": {"service_seconds": {"dist": "exponential", "mean": 3600}},
            "ncb": {"servers": 1, "service_seconds": {"dist": "fixed", "value": 1800}},
        },
        "queries": {"per_country_per_day": 30, "hit_fraction": 1.0},
    }
    model = run(overrides, seed=3)
    hub_qid, hub_answered = model.parts.hub.store.answer_log()
    index_answer = dict(zip(hub_qid.tolist(), hub_answered.tolist(), strict=True))
    served = 0
    for node in model.parts.nodes:
        qid, answered = node.answer_log()
        arrival = np.array([index_answer[q] for q in qid.tolist()])
        order = np.lexsort((answered, arrival))
        arrival, departure = arrival[order], answered[order]
        previous = np.concatenate([[-np.inf], departure[:-1]])
        np.testing.assert_allclose(
            departure, np.maximum(arrival, previous) + 1800 / DAY, atol=1e-12
        )
        served += qid.size
    assert served > 100
