"""The proof of the plan: architectures the simulator has never heard of, each written in this
one file, run through ``run_one`` and are measured right.

Each toy is here whole: its plan (``plan_for``: routes and consults, ``sim.topology``), the
dynamic part no row can state (a hook of its strategy), its schema class, one line in the
registry (added by a fixture) and a scenario type whose architecture may be it. Nothing in
``sim/`` knows they exist. A real architecture would put the strategy in
``sim/architectures/``, its line in ``REGISTRY`` and its schema class among the
``Architecture`` union of ``sim/config/schema.py``.

- "A hub with regional caches, refreshed on read": NCBs write to the hub; each platform is a
  cache of the hub that its members query instead, pulling what it misses when a query
  reaches it (routes the engine leaves to the strategy: ``pulled``).
- "Federated with a hub cache that keeps answers for N hours": no copies are pushed; a search
  asks the hub's cache, which answers with the copy it holds while the copy lasts (a ghost
  once the owner deleted the record, stale once the owner changed it), and otherwise goes to
  the owner, whose answer fills the cache (the reading rule ``CacheThenOwner``). Its measures
  equal an independent event simulation written below.
- "An architecture per record kind": two architectures' plans restricted to their kinds and
  concatenated; each kind measures exactly as under its pure architecture.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union, get_args

import numpy as np
import pytest
from pydantic import Field

from sim.architectures import REGISTRY, Context, Strategy
from sim.architectures.centralized import Centralized
from sim.architectures.hybrid import Hybrid
from sim.config.schema import Architecture, ArchitectureBase, Scenario
from sim.config.schema import Centralized as CentralizedSpec
from sim.config.schema import Hybrid as HybridSpec
from sim.metrics import compute_metrics
from sim.metrics.held import meant
from sim.runner import run_one, simulate
from sim.topology import (
    HUB,
    OWNERS,
    SHAREABLE,
    CacheThenOwner,
    Consult,
    PlanError,
    Route,
    Topology,
    check,
    everyone,
    link_profiles,
    members,
    platform_store,
)
from sim.world import GLOBAL, NATIONAL, REGIONAL, WorldIndex
from tests.helpers import TWO_COUNTRIES, differing, merge

Pulls = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


# --- toy 1: a hub with regional caches, refreshed on read ------------------------------------


class CachedHubSpec(ArchitectureBase):
    """Hub with regional caches refreshed on read (a toy)."""

    kind: Literal["cached_hub"]


class CachedHub(Strategy):
    kind = "cached_hub"

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        profiles = link_profiles(scenario)
        pull = profiles["hub_to_platform"]
        routes = [Route(HUB, everyone(world), SHAREABLE, profiles["ncb_to_hub"])]
        for p, name in enumerate(world.platforms):
            # A cache holds what its members may see: every global record, its members'
            # regional ones; pulled from the hub when a query reaches it.
            store = platform_store(name)
            routes.append(Route(store, everyone(world), (GLOBAL,), pull, via=HUB, pulled=True))
            routes.append(Route(store, members(world, p), (REGIONAL,), pull, via=HUB, pulled=True))
        alone = ~world.membership.any(axis=1)
        consults = [
            Consult(platform_store(name), members(world, p), profiles["ncb_to_platform"])
            for p, name in enumerate(world.platforms)
        ]
        consults.append(Consult(HUB, alone, profiles["ncb_to_hub"]))
        return Topology(tuple(routes), tuple(consults))

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        self.caches = [platform_store(name) for name in self.world.platforms]
        self.unpulled: list[Pulls] = [[] for _ in self.caches]
        self.arrivals: list[list[np.ndarray]] = [[] for _ in self.caches]
        self.stores[HUB].listeners.append(self._hub_applied)

    def _hub_applied(self, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
        src = self.source
        for p, store in enumerate(self.caches):
            mine = self.plan.meant(
                store, src.owner[rec], src.kind[rec], src.sharing[rec], src.kind_names
            )
            self.unpulled[p].append((rec[mine], version[mine], t[mine]))

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """As the plan's consults say, each search reaching a cache noted for its pulls."""
        searches = self.network.searches
        for queriers, rows in searches.groups:
            mine = np.isin(querier, queriers)
            for i in rows:
                consult = self.plan.consults[i]
                sel = searches.holds(consult, mine, qid, t)
                if consult.target == HUB:
                    searches.ask_store(HUB, consult.profile.link, qid[sel], t[sel])
                else:
                    self._ask_cache(consult, qid[sel], t[sel])

    def _ask_cache(self, consult: Consult, qid: np.ndarray, t: np.ndarray) -> None:
        out, back = self.links[consult.profile.link].query_round_trip(t)
        cache = self.stores[consult.target]
        cache.receive_queries(qid, t + out, back)
        self.queries.ask(cache.name, qid)
        p = self.caches.index(consult.target)
        self.arrivals[p].append((t + out)[cache.availability.is_up(t + out)])

    def settle(self, now: float) -> None:
        """Serve, pull at each query's arrival what the hub applied by then, serve again.

        Once the hub has served everything that arrived before ``now``, every hub change
        applied before ``now`` is known, and so is every query arriving before ``now``."""
        super().settle(now)
        for p in range(len(self.caches)):
            self._pull(p, now)
        super().settle(now)

    def _pull(self, p: int, now: float) -> None:
        if not self.unpulled[p] or not self.arrivals[p]:
            return
        arrivals = np.sort(np.concatenate(self.arrivals[p]))
        self.arrivals[p] = [arrivals[arrivals >= now]]
        arrivals = arrivals[arrivals < now]
        rec, version, t = (np.concatenate(part) for part in zip(*self.unpulled[p], strict=True))
        first = np.searchsorted(arrivals, t)  # the first query arriving at or after it
        pulled = first < arrivals.size
        self.unpulled[p] = [(rec[~pulled], version[~pulled], t[~pulled])]
        leave = arrivals[first[pulled]]
        self.network.pass_on(self.caches[p], "hub_to_platform", rec[pulled], version[pulled], leave)

    def waiting(self) -> int:
        return sum(part[0].size for pulls in self.unpulled for part in pulls)


# --- toy 2: federated with a hub cache that keeps answers for N hours ------------------------


class HubCacheSpec(ArchitectureBase):
    """Federated, with a cache at the hub that keeps each owner's answer ``ttl_hours``."""

    kind: Literal["hub_cache"]
    ttl_hours: float = 24.0


class HubCache(Strategy):
    kind = "hub_cache"

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        assert isinstance(spec, HubCacheSpec)
        profiles = link_profiles(scenario)
        cache = CacheThenOwner(HUB, spec.ttl_hours / 24.0, profiles["ncb_to_hub"])
        return Topology(consults=(Consult(OWNERS, everyone(world), profiles["ncb_to_ncb"], cache),))

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        assert isinstance(spec, HubCacheSpec)
        self.ttl = spec.ttl_hours / 24.0
        self.subject = context.subjects()
        self.fill_time = np.full(self.source.n_records, -np.inf)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        """(search ids, arrival at the cache) of the searches not yet looked up."""

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Every search asks the cache at the hub first."""
        (consult,) = self.plan.consults
        reading = consult.reading
        assert isinstance(reading, CacheThenOwner)
        link = self.links[reading.cache_profile.link]
        out, back = link.query_round_trip(t)
        self.stores[HUB].receive_queries(qid, t + out, back)
        self.queries.ask(HUB, qid)
        self.pending.append((qid, t + out))

    def settle(self, now: float) -> None:
        """Look up, in arrival order, the searches that reached the cache before ``now``: a
        copy still held answers; otherwise the owner is asked and, if its node is up and the
        record active, its answer fills the cache with the version it holds then."""
        if self.pending:
            qid, arrival = (np.concatenate(part) for part in zip(*self.pending, strict=True))
            due = arrival < now
            self.pending = [(qid[~due], arrival[~due])]
            order = np.argsort(arrival[due], kind="stable")
            for q, a in zip(qid[due][order], arrival[due][order], strict=True):
                self._look_up(int(q), float(a))
        super().settle(now)

    def _look_up(self, q: int, arrival: float) -> None:
        r = int(self.subject[q])
        if r < 0 or self.fill_time[r] <= arrival < self.fill_time[r] + self.ttl:
            return
        if not self.stores[HUB].availability.is_up(np.array([arrival]))[0]:
            return  # the cache is down: the search goes to the owner, and nothing is filled
        src = self.source
        owner_up = self.nodes[src.owner[r]].availability.is_up(np.array([arrival]))[0]
        if not (owner_up and src.created[r] <= arrival < src.deleted[r]):
            return
        version = version_at(src, r, arrival)
        self.fill_time[r] = arrival
        self.network.pass_on(
            HUB, "ncb_to_ncb", np.array([r]), np.array([version]), np.array([arrival])
        )


def version_at(src, r: int, t: float) -> int:
    """The version record ``r`` has at its owner at ``t``."""
    mine = (src.change_rec == r) & (src.change_time <= t)
    return int(src.change_version[mine].max())


# --- toy 3: an architecture per record kind ------------------------------------------------


class ByKindSpec(ArchitectureBase):
    """Notices through the hub (centralized), documents through the platforms (hybrid)."""

    kind: Literal["by_kind"]


class ByKind(Strategy):
    kind = "by_kind"

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        central = Centralized.plan_for(CentralizedSpec(kind="centralized"), world, scenario)
        hybrid = Hybrid.plan_for(HybridSpec(kind="hybrid"), world, scenario)
        return central.for_kinds(("notice",)) + hybrid.for_kinds(("document",))


# --- the scenarios ------------------------------------------------------------------------------

ToyArchitecture = Annotated[
    Union[(*get_args(get_args(Architecture)[0]), CachedHubSpec, HubCacheSpec, ByKindSpec)],  # noqa: UP007
    Field(discriminator="kind"),
]


class ToyScenario(Scenario):
    """A scenario whose architecture may also be a toy."""

    architecture: ToyArchitecture = CentralizedSpec(kind="centralized")


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    for toy_class in (CachedHub, HubCache, ByKind):
        monkeypatch.setitem(REGISTRY, toy_class.kind, toy_class)


WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P2"]},
        {"code": "DDD", "region": "americas"},
    ],
}


def toy(kind: str = "cached_hub", **override) -> ToyScenario:
    raw = merge(
        TWO_COUNTRIES,
        {
            "architecture": {"kind": kind},
            "horizon_days": 200,
            "warmup_days": 30,
            "world": WORLD,
            "records": {
                "updates_per_record_per_day": 0.05,
                "scope": {"global": 0.7, "regional": 0.2, "national": 0.1},
            },
            "links": {"hub_to_platform": {"delay_hours": {"dist": "fixed", "value": 1}}},
            "queries": {"per_country_per_day": 0.2},
        },
    )
    return ToyScenario.model_validate(merge(raw, override))


# --- toy 1 ---------------------------------------------------------------------------------------


def test_the_toy_runs_and_its_metrics_are_sane():
    """Every rate is a share; the caches lag the hub, so an officer sees less and more ghosts
    and stale versions than with the hub itself, and two caches disagree."""
    cached = run_one(toy(), seed=3)
    hub = run_one(toy("centralized"), seed=3)
    m, c = cached.metrics, hub.metrics
    assert cached.scenario["architecture"] == {"kind": "cached_hub", "query_deadline_seconds": 30.0}
    for name in ("completeness", "coverage", "ghost_rate", "stale_rate", "conflict_rate"):
        assert 0 <= m[name] <= 1, name
    assert m["completeness"] < c["completeness"] - 0.05
    assert m["ghost_rate"] > 0.01 and c["ghost_rate"] == 0
    assert m["stale_rate"] > 0.001 and c["stale_rate"] == 0
    assert m["conflict_rate"] > 0
    assert m["exposure"] > c["exposure"]  # copies on the platforms too
    assert m["query_availability"] == 1.0


def test_more_searches_keep_the_caches_fresher():
    rare = run_one(toy(queries={"per_country_per_day": 0.05}), seed=3).metrics
    frequent = run_one(toy(queries={"per_country_per_day": 5}), seed=3).metrics
    assert frequent["completeness"] > rare["completeness"] + 0.1
    assert frequent["ghost_rate"] < rare["ghost_rate"] / 10


def test_cache_completeness_against_its_closed_form():
    """AAA queries P1 only; P1 is pulled by the queries of AAA and BBB, a Poisson process of
    rate lam = 2 x 0.5 a day. A record created at c is at the hub at once and reaches P1 at
    the first query after c (a wait Exp(lam)) plus the link's d = 1 h, so with lifetimes
    Exp(mean L) it is returned for E[(Lifetime - W)^+] = P(Lifetime > W) L of its L days:
    completeness = e^(-d/L) lam / (lam + 1/L). L = 30: 0.96640."""
    base = {
        "horizon_days": 1000,
        "warmup_days": 100,
        "world": {
            "platforms": [{"name": "P1"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                {"code": "BBB", "region": "africa", "platforms": ["P1"]},
                {"code": "CCC", "region": "americas"},
            ],
        },
        "records": {
            "updates_per_record_per_day": 0,
            "scope": {"global": 1.0, "regional": 0.0, "national": 0.0},
        },
        "queries": {"per_country_per_day": 0.5},
    }
    L, lam, d = 30.0, 1.0, 1 / 24
    s = toy(**base)
    seen = [run_one(s, seed=seed).by_region["europe"]["completeness"] for seed in (1, 2, 3)]
    assert np.mean(seen) == pytest.approx(np.exp(-d / L) * lam / (lam + 1 / L), abs=0.003)


@pytest.mark.parametrize("behaviour", [{}, {"enabled": True}])
def test_every_change_the_toy_means_to_send_is_sent_or_waits_for_a_pull(behaviour):
    """NCBs send each shareable change to the hub; each hub application is pulled by every
    cache meant to hold it, or still waits for a query; what is sent is applied or queued."""
    s = toy(behaviour=behaviour)
    log, counts = simulate(s, 3)
    src = log.source
    writes = int((src.sharing[src.change_rec] != NATIONAL).sum())
    hub = log.stores["hub"]
    pulls = sum(int(meant(log, log.stores[p])[hub.rec].sum()) for p in log.world.platforms)
    sent = counts["changes_sent"]
    assert counts["changes_queued"] + counts["changes_applied"] == sent
    assert writes + pulls >= sent > writes  # some pulls wait for a query at the horizon


# --- toy 2 ---------------------------------------------------------------------------------------

CACHE_WORLD = {
    "horizon_days": 160,
    "warmup_days": 20,
    "world": {
        "countries": [
            {"code": "AAA", "region": "europe"},
            {"code": "BBB", "region": "africa", "weight": 2.0},
        ]
    },
    "records": {
        "creation_per_country_per_day": 8,
        "lifetime_days": {"dist": "exponential", "mean": 20},
        "updates_per_record_per_day": 0.1,
        "scope": {"global": 1.0, "regional": 0.0, "national": 0.0},
    },
    "queries": {"per_country_per_day": 40, "on_record_share": 1.0},
    "outages": {"ncb": {"mtbf_days": 6, "mttr_hours": 20}},
}


def test_the_hub_cache_equals_an_independent_event_simulation():
    """Completeness, ghost and stale shares of the hub cache equal those of a simulation
    written here from the searches alone (their times, queriers and subjects) and the records'
    lifecycles and outages: each search reaching the cache finds the copy of its subject
    filled within the last N hours, or fills it from the owner (if up and the record active)
    with the version the owner holds then. What a querier sees of a record at t: the copy, if
    one is held (a ghost once deleted, stale once the owner changed it), else the live record
    if its owner is up; integrated while the querier is up, over the measured window."""
    for ttl_hours in (6.0, 48.0):
        s = toy(
            "hub_cache", **CACHE_WORLD, architecture={"kind": "hub_cache", "ttl_hours": ttl_hours}
        )
        log, _ = simulate(s, 5)
        m = compute_metrics(log).metrics
        expected = event_simulation(log, ttl_hours / 24.0)
        for name in ("completeness", "ghost_rate", "stale_rate"):
            assert m[name] == pytest.approx(expected[name], rel=1e-9, abs=1e-12), (ttl_hours, name)
        assert expected["ghost_rate"] > 1e-4 and expected["stale_rate"] > 1e-4  # not trivial
        assert (
            log.ledger["changes_sent"]
            == log.ledger["changes_applied"] + log.ledger["changes_queued"]
        )


def test_a_longer_cache_shows_more_ghosts_and_misses_fewer_records():
    """Copies kept longer answer more searches while their owners are down (completeness
    rises) but show more records their owners deleted or changed since."""
    short, long = (
        run_one(
            toy("hub_cache", **CACHE_WORLD, architecture={"kind": "hub_cache", "ttl_hours": h}),
            seed=2,
        ).metrics
        for h in (1.0, 96.0)
    )
    federated = run_one(toy("federated", **CACHE_WORLD), seed=2).metrics
    assert long["completeness"] > short["completeness"] > federated["completeness"] - 1e-9
    assert long["ghost_rate"] > 3 * short["ghost_rate"] > 0
    assert long["stale_rate"] > short["stale_rate"] > 0
    assert federated["ghost_rate"] == 0
    assert long["exposure"] > 0 and federated["exposure"] == 0


def event_simulation(log, ttl: float) -> dict[str, float]:
    """The oracle: a plain loop over the searches and a sweep over each record's breakpoints,
    sharing no code with the simulator's metrics."""
    src, q = log.source, log.queries
    horizon, warmup = log.horizon, log.warmup
    up = log.node_availability
    copies: dict[int, list[tuple[float, int]]] = {}
    last_fill: dict[int, float] = {}
    for i in np.argsort(q.t, kind="stable"):
        r, t = int(q.subject[i]), float(q.t[i])
        if not q.sent[i] or r < 0:
            continue
        if r in last_fill and last_fill[r] <= t < last_fill[r] + ttl:
            continue
        owner_up = not is_down(up[src.owner[r]], t)
        if owner_up and src.created[r] <= t < src.deleted[r]:
            last_fill[r] = t
            copies.setdefault(r, []).append((t, version_at(src, r, t)))
    num = {"vis_act": 0.0, "act": 0.0, "vis": 0.0, "ghost": 0.0, "stale": 0.0}
    for r in np.flatnonzero(src.sharing != NATIONAL):
        owner = int(src.owner[r])
        querier = 1 - owner
        weight = log.query_rate[querier]
        fills = copies.get(int(r), [])
        edges = {warmup, horizon, float(src.created[r]), min(float(src.deleted[r]), horizon)}
        for k, (f, _) in enumerate(fills):
            end = fills[k + 1][0] if k + 1 < len(fills) else np.inf
            edges |= {f, min(f + ttl, end)}
        edges |= set(src.change_time[src.change_rec == r].tolist())
        for node in (up[owner], up[querier]):
            edges |= set(node.starts.tolist()) | set(node.ends.tolist())
        points = np.array(sorted(x for x in edges if warmup <= x <= horizon))
        for a, b in zip(points[:-1], points[1:], strict=True):
            t = (a + b) / 2
            active = src.created[r] <= t < src.deleted[r]
            num["act"] += weight * (b - a) * active
            if is_down(up[querier], t):
                continue
            held = [
                v
                for k, (f, v) in enumerate(fills)
                if f <= t < min(f + ttl, fills[k + 1][0] if k + 1 < len(fills) else np.inf)
            ]
            if held:
                shown = held[0]
                num["vis"] += weight * (b - a)
                if active:
                    num["vis_act"] += weight * (b - a)
                    num["stale"] += weight * (b - a) * (shown < version_at(src, r, t))
                else:
                    num["ghost"] += weight * (b - a)
            elif active and not is_down(up[owner], t):
                num["vis"] += weight * (b - a)
                num["vis_act"] += weight * (b - a)
    return {
        "completeness": num["vis_act"] / num["act"],
        "ghost_rate": num["ghost"] / num["vis"],
        "stale_rate": num["stale"] / num["vis"],
    }


def is_down(availability, t: float) -> bool:
    return bool(((availability.starts <= t) & (t < availability.ends)).any())


# --- toy 3 ---------------------------------------------------------------------------------------

KINDS = {
    "records": {
        "kinds": {
            "notice": {"share": 0.4, "review_days": 40, "extension_probability": 0.5},
            "document": {"share": 0.6, "lifetime_days": {"dist": "exponential", "mean": 60}},
        }
    },
    "links": {
        "ncb_to_hub": {"delay_hours": {"dist": "fixed", "value": 5}},
        "ncb_to_platform": {"delay_hours": {"dist": "fixed", "value": 2}},
        "platform_to_hub": {"delay_hours": {"dist": "fixed", "value": 7}},
    },
    "outages": {
        "hub": {"mtbf_days": 20, "mttr_hours": 12},
        "ncb": {"mtbf_days": 40, "mttr_hours": 24},
    },
}


def test_each_kind_of_a_mix_measures_as_under_its_pure_architecture():
    """Notices through the hub, documents through the platforms: each kind's figures equal
    the pure architecture's (to 1e-12: the lag's weights are summed in another order). The
    kinds share no queue (unlimited servers)
    and the links' delays are fixed here: with random delays the kinds draw from one stream
    per link in turn, and a mix then equals its pure architectures in distribution only."""
    mixed = run_one(toy("by_kind", **KINDS), seed=6).by_kind
    central = run_one(toy("centralized", **KINDS), seed=6).by_kind
    hybrid = run_one(toy("hybrid", **KINDS), seed=6).by_kind
    assert differing(mixed["notice"], central["notice"]) == []
    assert differing(mixed["document"], hybrid["document"]) == []
    assert central["notice"] != hybrid["notice"]  # the kinds do measure apart


# --- a plan and its ledger must agree ---------------------------------------------------------


class LeakySpec(ArchitectureBase):
    """Centralized, but its changes also reach the platforms outside its plan (a toy)."""

    kind: Literal["leaky"]
    uncounted: bool = False
    """Write to the hub's queue directly rather than over a link."""


class Leaky(Strategy):
    kind = "leaky"

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        return Centralized.plan_for(CentralizedSpec(kind="centralized"), world, scenario)

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        assert isinstance(self.spec, LeakySpec)
        src = self.source
        if self.spec.uncounted:
            hub = self.stores[HUB]
            hub.receive_changes(src.change_rec[idx], src.change_version[idx], t_send)
            return
        super().route_changes(idx, t_send)
        self.network.pass_on(
            platform_store("P1"),
            "ncb_to_platform",
            src.change_rec[idx],
            src.change_version[idx],
            t_send,
        )


def test_changes_outside_the_plan_stop_the_run_naming_its_routes(monkeypatch):
    """An architecture whose code sends what its plan does not say, or moves changes without a
    link, would report a ledger, exposure and costs that are silently wrong: the run stops."""
    monkeypatch.setitem(REGISTRY, "leaky", Leaky)

    class LeakyScenario(Scenario):
        architecture: Annotated[Union[CentralizedSpec, LeakySpec], Field(discriminator="kind")]  # noqa: UP007

    def leaky(**arch):
        raw = merge(TWO_COUNTRIES, {"horizon_days": 30, "warmup_days": 5, "world": WORLD})
        return LeakyScenario.model_validate(raw | {"architecture": {"kind": "leaky", **arch}})

    outside = r"platform\.P1 received \d+ changes that no route .*route to hub"
    with pytest.raises(PlanError, match=outside):
        simulate(leaky(), 1)
    unlinked = r"the links carried 0 changes but the stores applied or queue \d+"
    with pytest.raises(PlanError, match=unlinked):
        simulate(leaky(uncounted=True), 1)


def test_rows_that_would_send_a_change_twice_are_refused():
    world = WorldIndex.from_schema(toy().world)
    profiles = link_profiles(toy())
    twice = Topology(
        routes=(
            Route(HUB, everyone(world), SHAREABLE, profiles["ncb_to_hub"]),
            Route(HUB, members(world, 0), (GLOBAL,), profiles["ncb_to_hub"]),
        )
    )
    with pytest.raises(PlanError, match=r"routes\[0\] and routes\[1\].*sent twice"):
        check(twice, ["hub", "platform.P1", "platform.P2"], world.n_countries, ("record",))
    unknown = Topology(
        consults=(Consult("platform.P9", everyone(world), profiles["ncb_to_platform"]),)
    )
    with pytest.raises(PlanError, match="no store 'platform.P9'"):
        check(unknown, ["hub", "platform.P1", "platform.P2"], world.n_countries, ("record",))
