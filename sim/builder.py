"""Building one run before its first day: the world, the planned records and sampled queries,
the links, the stores and the agents that hold them, the architecture's strategy and, when it
is on, the behaviour, wired together. ``sim.model`` only runs what is built here.

Every random draw comes from a named substream of the run's seed, so what is built depends on
the seed and the scenario only, never on the order in which the pieces are built.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import mesa
import numpy as np

from sim.agents import NCB, GlobalHub, RegionalPlatform
from sim.architectures import Context, Strategy, channels, run_plan, run_strategy
from sim.behaviour import Behaviour, Overlay, Sampling
from sim.config.schema import LINK_CLASSES, OutageSpec, Scenario, StoreSpec
from sim.config.schema import Link as LinkSpec
from sim.engine.dists import SECONDS, Sampler
from sim.engine.domains import domain_outages, shared_windows
from sim.engine.links import Link
from sim.engine.order import stable_order
from sim.engine.outages import Availability, DownWindows
from sim.engine.queue import ServerPool
from sim.engine.store import Store
from sim.log import SubjectMix
from sim.records import Lives, SourceRecords, day_bounds, draw_lives, draw_records
from sim.rng import Streams
from sim.routing import Network, QueryBook
from sim.routing.routes import Compiled
from sim.routing.subjects import Subjects
from sim.routing.transfers import Transfers
from sim.routing.transfers import Wave as TransferWave
from sim.settings import Resolved
from sim.topology import PlanError, Profile, Topology, check
from sim.world import WorldIndex


@dataclass(frozen=True)
class SampledQueries:
    """The searches whose latency and availability are measured, in time order."""

    querier: np.ndarray
    time: np.ndarray
    rate: np.ndarray
    """Sampled queries per day of each country: also the weight of each querier in the
    metrics."""
    days: np.ndarray
    """``day_bounds`` of ``time``."""
    kind: np.ndarray
    """Kind of each search's subject (index into the records' kind names)."""
    issuer: np.ndarray
    """Country that issued each search's subject, drawn in proportion to the countries'
    record-creation weights (the querier's own country included)."""
    names_issuer: np.ndarray
    """Per kind: a search of it names the issuing country (``queries.kinds``)."""

    @property
    def n(self) -> int:
        return int(self.time.size)


@dataclass(frozen=True)
class Parts:
    """Everything one run is made of."""

    world: WorldIndex
    streams: Streams
    plan: Topology
    source: SourceRecords
    """The records as planned (the owners' behaviour, if any, lives in ``overlay``)."""
    change_days: np.ndarray
    """``day_bounds`` of the source's change times."""
    send_time: np.ndarray
    """When each planned change leaves its NCB: when it happens, or once its node is up."""
    queries: SampledQueries
    links: dict[str, Link]
    hub: GlobalHub
    platforms: list[RegionalPlatform]
    ncbs: list[NCB]
    overlay: Overlay | None
    network: Network
    transfers: Transfers | None
    """A road map's bulk handovers and corrections (None: none)."""
    subjects: Subjects
    strategy: Strategy
    behaviour: Behaviour | None

    @property
    def stores(self) -> list[Store]:
        """The hub and the platforms: the stores outside the owners' countries."""
        return [self.hub.store, *(p.store for p in self.platforms)]

    @property
    def by_name(self) -> dict[str, Store]:
        """The hub and the platforms by store name (``hub``, ``platform.SIS``)."""
        return {store.name: store for store in self.stores}

    @property
    def nodes(self) -> list[Store]:
        return [ncb.node for ncb in self.ncbs]


def build(
    model: mesa.Model, scenario: Scenario, seed: int, source: SourceRecords | None = None
) -> Parts:
    """The parts of one run of ``scenario`` with ``seed``; the agents join ``model``.

    ``source``: records to run instead of drawing them from the seed (hand-written
    lifecycles, in the trace tests)."""
    streams = Streams(seed)
    world = WorldIndex.from_schema(scenario.world, scenario.records.denials)
    n_days = math.ceil(scenario.horizon_days)
    plan = run_plan(scenario, world)
    hub, platforms, ncbs = agents(model, scenario, world, streams)
    kind_names = tuple(k.name for k in scenario.records.kind_specs())
    stores = {s.name: s for s in [hub.store, *(p.store for p in platforms)]}
    check(plan, list(stores), world.n_countries, kind_names)
    if source is None:
        source = WORLD_DRAWS.records(scenario, seed, plan.misses_changes(), world, streams)
    queries = WORLD_DRAWS.queries(scenario, seed, world, streams, n_days)
    links = run_links(scenario, plan, streams)
    send_time = send_times(source, [ncb.node.availability for ncb in ncbs])
    overlay = Overlay(source, world) if scenario.behaviour.enabled else None
    acting = source if overlay is None else overlay.records
    book = QueryBook(
        queries.time,
        scenario.architecture.query_deadline_seconds * SECONDS,
        queries.issuer,
        queries.names_issuer[queries.kind],
        queries.kind,
    )
    nodes = [ncb.node for ncb in ncbs]
    subjects = Subjects(
        queries.time,
        queries.querier,
        queries.kind,
        subject_mix(scenario).on_record,
        source,
        world,
        streams.get("queries.subject"),
    )
    network = Network(plan, acting, stores, nodes, links, streams, book, world.n_countries)
    transfers = road_map_transfers(scenario, world, plan, acting, stores)
    context = Context(
        world=world,
        source=acting,
        plan=plan,
        network=network,
        links=links,
        stores=stores,
        nodes=nodes,
        streams=streams,
        queries=book,
        subjects=subjects,
        store_spec=scenario.stores,
        query_spec=scenario.queries,
        n_days=n_days,
        scenario=scenario,
    )
    strategy = run_strategy(scenario, context)
    behaviour = None
    if overlay is not None:
        behaviour = Behaviour(
            scenario.behaviour,
            overlay,
            world,
            channels(plan, world, stores),
            network.entries,
            strategy.sharing_reluctance(scenario.behaviour.sharing.reluctance),
            ncbs,
            streams,
            send_time,
            n_days,
            Sampling(records=scenario.records.sample_fraction, lookups_per_day=queries.rate),
        )
    change_days = day_bounds(source.change_time, n_days)
    return Parts(
        world=world,
        streams=streams,
        plan=plan,
        source=source,
        change_days=change_days,
        send_time=send_time,
        queries=queries,
        links=links,
        hub=hub,
        platforms=platforms,
        ncbs=ncbs,
        overlay=overlay,
        network=network,
        transfers=transfers,
        subjects=subjects,
        strategy=strategy,
        behaviour=behaviour,
    )


def agents(
    model: mesa.Model, scenario: Scenario, world: WorldIndex, streams: Streams
) -> tuple[GlobalHub, list[RegionalPlatform], list[NCB]]:
    """The hub, the platforms and the NCBs, each with its store and the settings the run
    resolved for it (``sim.settings``: the most specific wins), in the world's order."""
    resolved = Resolved(scenario, world)
    horizon = scenario.horizon_days
    shared = shared_windows(domain_outages(scenario, streams))
    hub_spec, hub_outages = scenario.stores.hub, scenario.outages.hub
    hub = GlobalHub(
        model,
        store("hub", "hub", hub_spec, hub_outages, horizon, streams, shared),
        hub_spec,
        hub_outages,
    )
    platforms = []
    for p, name in enumerate(world.platforms):
        spec, outages = resolved.platform_store(p), resolved.platform_outages(p)
        node = store(f"platform.{name}", "platform", spec, outages, horizon, streams, shared)
        platforms.append(RegionalPlatform(model, node, spec, outages))
    ncbs = [
        NCB(
            model,
            i,
            store(
                f"ncb.{country.code}",
                "ncb",
                resolved.node_store(i),
                resolved.node_outages(i),
                horizon,
                streams,
                shared,
            ),
            code=country.code,
            region=country.region,
            platforms=tuple(p for p in country.platforms if p in world.platforms),
            weight=country.weight,
            staff_hours_per_day=resolved.staff_hours_per_day(i),
        )
        for i, country in enumerate(scenario.world.countries)
    ]
    return hub, platforms, ncbs


def road_map_transfers(
    scenario: Scenario,
    world: WorldIndex,
    plan: Topology,
    source: SourceRecords,
    stores: dict[str, Store],
) -> Transfers | None:
    """The bulk handovers and reconciliations of the road map's waves, if it has any: each
    wave's NCBs, the direct routes of the stage they move to that start then, and each NCB's
    rates in simulated records a day (its weight times the sampled fraction)."""
    migration = scenario.migration
    if not migration.stages or (migration.bulk is None and migration.reconcile is None):
        return None
    kinds = source.kind_names
    waves = []
    for k, stage in enumerate(migration.stages, start=1):
        own = plan.part(f"stage{k}")
        for wave in stage.waves:
            owners = np.array(
                [
                    c.code in wave.countries or c.region in wave.regions
                    for c in scenario.world.countries
                ]
            )
            routes = [
                Compiled.of(r, kinds)
                for r in own.routes
                if r.via is None and r.start_day == wave.day and (r.owners & owners).any()
            ]
            waves.append(TransferWave(wave.day, owners, routes))
    scale = world.weight * scenario.records.sample_fraction
    bulk = None if migration.bulk is None else migration.bulk.records_per_day * scale
    fix = None if migration.reconcile is None else migration.reconcile.records_per_day * scale
    return Transfers(waves, source, stores, bulk, fix)


class Draws:
    """The records and searches of the last few worlds drawn in this process, reused by the
    next run of the same world (same seed, same records, searches and countries: the levers of
    a sweep run in the same worlds). A value drawn once is the value drawn again: the streams
    depend on the seed and their names only, and the arrays are read-only."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._records: OrderedDict[tuple[int, str], SourceRecords] = OrderedDict()
        self._lives: OrderedDict[tuple[int, str], Lives] = OrderedDict()
        self._queries: OrderedDict[tuple[int, str], SampledQueries] = OrderedDict()

    def records(
        self,
        scenario: Scenario,
        seed: int,
        keep_ghosts: bool,
        world: WorldIndex,
        streams: Streams,
    ) -> SourceRecords:
        parts = (scenario.records, scenario.world, scenario.horizon_days, keep_ghosts)
        lapse = scenario.behaviour.enabled and scenario.behaviour.workload.review_grace_days
        key = (seed, repr((parts, lapse)))
        if key not in self._records:
            lives = self.lives(scenario, seed, world, streams)
            drawn = planned_records(scenario, world, streams, keep_ghosts, lives)
            self._remember(self._records, key, drawn)
        return self._records[key]

    def lives(self, scenario: Scenario, seed: int, world: WorldIndex, streams: Streams) -> Lives:
        """Every record's draws, before the records a run keeps are chosen: common to the
        runs that keep the ghosts of the past (systems keyed by hand) and those that do not."""
        key = (seed, repr((scenario.records, scenario.world, scenario.horizon_days)))
        if key not in self._lives:
            drawn = draw_lives(scenario.records, world, scenario.horizon_days, streams)
            self._remember(self._lives, key, drawn)
        return self._lives[key]

    def queries(
        self, scenario: Scenario, seed: int, world: WorldIndex, streams: Streams, n_days: int
    ) -> SampledQueries:
        parts = (scenario.queries, scenario.records.kind_specs(), scenario.world)
        key = (seed, repr((parts, scenario.horizon_days)))
        if key not in self._queries:
            drawn = sampled_queries(scenario, world, streams, n_days)
            self._remember(self._queries, key, drawn)
        return self._queries[key]

    def _remember(self, cache: OrderedDict, key: tuple[int, str], value: object) -> None:
        cache[key] = value
        while len(cache) > self.size:
            cache.popitem(last=False)


def planned_records(
    scenario: Scenario,
    world: WorldIndex,
    streams: Streams,
    keep_ghosts: bool,
    lives: Lives | None = None,
) -> SourceRecords:
    """Every record's lifecycle; with behaviour on, each review also plans a dormant lapse;
    when a system keyed by hand can miss a deletion, the ghosts the past left at day 0 too."""
    behaviour = scenario.behaviour
    grace = behaviour.workload.review_grace_days if behaviour.enabled else None
    return draw_records(
        scenario.records,
        world,
        scenario.horizon_days,
        streams,
        lapse_after_days=grace,
        keep_ghosts=keep_ghosts,
        lives=lives,
    )


def sampled_queries(
    scenario: Scenario, world: WorldIndex, streams: Streams, n_days: int
) -> SampledQueries:
    """Poisson searches per country (``per_country_per_day`` x its weight x the sampled
    fraction), uniform in time; each with its subject's kind and issuing country, drawn from
    streams of their own so that the times and queriers do not depend on them."""
    spec, horizon = scenario.queries, scenario.horizon_days
    rate = spec.per_country_per_day * spec.sample_fraction * world.weight
    rng = streams.get("queries")
    counts = rng.poisson(rate * horizon)
    querier = np.repeat(np.arange(world.n_countries), counts)
    t = rng.uniform(0.0, horizon, querier.size)
    order = stable_order(t)
    shares, names_issuer = search_mix(scenario)
    kind = streams.get("queries.kind").choice(shares.size, size=querier.size, p=shares)
    issuer = streams.get("queries.issuer").choice(
        world.n_countries, size=querier.size, p=world.weight / world.weight.sum()
    )
    drawn = SampledQueries(
        querier[order],
        t[order],
        rate,
        day_bounds(t[order], n_days),
        kind,
        issuer,
        names_issuer,
    )
    for array in (drawn.querier, drawn.time, drawn.rate, drawn.days, drawn.kind, drawn.issuer):
        array.flags.writeable = False  # shared by the runs of one world (``Draws``)
    return drawn


def search_mix(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Per record kind: its share of searches, and whether a search of it names the issuing
    country. Without ``queries.kinds``: the kinds' shares of creations, none naming it."""
    kinds = scenario.records.kind_specs()
    given = scenario.queries.kinds
    if not given:
        shares = np.array([k.share for k in kinds])
        return shares / shares.sum(), np.zeros(len(kinds), dtype=bool)
    shares = np.array([given[k.name].share if k.name in given else 0.0 for k in kinds])
    names = np.array([k.name in given and given[k.name].names_issuer for k in kinds])
    return shares / shares.sum(), names


def subject_mix(scenario: Scenario) -> SubjectMix:
    """Per record kind: its share of the searches, the share of those whose subject is on
    record with another NCB, and how often a deleted record's subject is searched relative to
    an active record's (``queries``, a kind's own values first)."""
    shares, _ = search_mix(scenario)
    spec = scenario.queries
    kinds = [spec.kinds.get(k.name) for k in scenario.records.kind_specs()]
    on_record = [
        spec.on_record_share if k is None or k.on_record_share is None else k.on_record_share
        for k in kinds
    ]
    ratio = [
        spec.deleted_search_ratio
        if k is None or k.deleted_search_ratio is None
        else k.deleted_search_ratio
        for k in kinds
    ]
    return SubjectMix(shares, np.array(on_record), np.array(ratio))


def run_links(scenario: Scenario, plan: Topology, streams: Streams) -> dict[str, Link]:
    """Every link class of the scenario, and every other link a profile of the plan names."""
    links = {
        name: link(scenario, name, getattr(scenario.links, name), name, streams)
        for name in LINK_CLASSES
    }
    given: dict[str, Profile] = {}
    for profile in plan.profiles():
        spec = LinkSpec(
            delay_hours=profile.change_delay_hours, query_delay_seconds=profile.query_delay_seconds
        )
        seen = given.setdefault(profile.link, profile)
        if (seen.change_delay_hours, seen.query_delay_seconds, seen.klass) != (
            profile.change_delay_hours,
            profile.query_delay_seconds,
            profile.klass,
        ):
            raise PlanError(f"two profiles name link {profile.link!r} with different delays")
        if profile.link in LINK_CLASSES:
            if getattr(scenario.links, profile.link) != spec:
                raise PlanError(
                    f"a profile gives link class {profile.link!r} other delays than the scenario's"
                )
        elif profile.link not in links:
            links[profile.link] = link(scenario, profile.link, spec, profile.klass, streams)
    return links


def link(scenario: Scenario, name: str, spec: LinkSpec, klass: str, streams: Streams) -> Link:
    """One link, counted under ``klass``; a simulated change stands for 1 /
    ``records.sample_fraction`` real ones, a simulated search for 1 /
    ``queries.sample_fraction``."""
    return Link(
        name,
        spec,
        streams.get(f"link.{name}"),
        change_weight=1.0 / scenario.records.sample_fraction,
        query_weight=1.0 / scenario.queries.sample_fraction,
        klass=klass,
    )


def store(
    name: str,
    kind: str,
    spec: StoreSpec,
    outages: OutageSpec | None,
    horizon: float,
    streams: Streams,
    shared: Mapping[str, Availability],
) -> Store:
    """A store of ``kind`` (hub, platform, ncb), its outages drawn from its own stream, down
    also during the events of the failure domains it belongs to (``shared``, by store name)."""
    availability = Availability.draw(outages, horizon, streams.get(f"outage.{name}"), name)
    if name in shared:
        availability = Availability.union(availability, shared[name])
    return Store(
        name,
        kind,
        ServerPool(spec.servers),
        Sampler(spec.service_seconds, SECONDS),
        availability,
        streams.get(f"service.{name}"),
    )


WORLD_DRAWS = Draws()
"""This process's draws of the last worlds (a sweep worker runs a world's levers in turn)."""


def send_times(source: SourceRecords, nodes: list[Availability]) -> np.ndarray:
    """A change leaves its NCB when it happens, or when the national node is back up."""
    if not any(a.has_outages for a in nodes):
        return source.change_time.copy()
    owner = source.owner[source.change_rec]
    return DownWindows(nodes).next_up(owner, source.change_time)
