"""The Mesa model: NCB, platform and hub agents over a SimPy environment.

One Mesa step is one simulated day. The NCBs' changes and queries of the day leave as batches
(one array each, not one process per record), SimPy carries the day (store service at the
day's end, periodic synchronisation), and with behaviour on each NCB agent then learns from its
lookups and decides how much to share. ``run_log`` hands the metrics what they need.
"""

from __future__ import annotations

import dataclasses
import math

import mesa
import numpy as np
import simpy

from sim.agents import NCB, GlobalHub, RegionalPlatform
from sim.architectures import Context, QueryBook, build_strategy
from sim.behaviour import Behaviour, Overlay, as_happened
from sim.config.schema import LINK_CLASSES, Scenario, StoreSpec
from sim.engine.dists import SECONDS, Sampler
from sim.engine.links import Link
from sim.engine.outages import Availability
from sim.engine.queue import ServerPool
from sim.engine.store import Store
from sim.log import QueryLog, RunLog, StoreLog
from sim.records import SourceRecords, draw_records
from sim.rng import Streams
from sim.world import WorldIndex

PREHISTORY = 0.0
"""Times before day 0 are folded onto day 0 in the run log (order kept): only the state they
leave at day 0 matters to the measures, which start at warm-up >= 0, and the metrics' sort keys
assume times in [0, horizon]."""


class DataSharingModel(mesa.Model):
    """One scenario, one seed."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.scenario = scenario
        self.seed = seed
        self.streams = Streams(seed)
        self.world = WorldIndex.from_schema(scenario.world, scenario.records.denials)
        self.horizon = scenario.horizon_days
        self.n_days = math.ceil(self.horizon)
        self.env = simpy.Environment()
        self.events_processed = 0
        behaviour = scenario.behaviour
        grace = behaviour.workload.review_grace_days if behaviour.enabled else None
        self.source = draw_records(
            scenario.records, self.world, self.horizon, self.streams, lapse_after_days=grace
        )
        self.query_rate = scenario.queries.per_country_per_day * self.world.weight
        self.query_querier, self.query_time = self._draw_queries()
        self.query_sent = np.zeros(self.n_queries, dtype=bool)
        self.links = {
            name: Link(
                name,
                getattr(scenario.links, name),
                self.streams.get(f"link.{name}"),
                change_weight=1.0 / scenario.records.sample_fraction,
            )
            for name in LINK_CLASSES
        }
        self.hub = GlobalHub(self, self._store("hub", "hub", scenario.stores.hub))
        self.platforms = [
            RegionalPlatform(
                self, p, name, self._store(f"platform.{name}", "platform", scenario.stores.platform)
            )
            for p, name in enumerate(self.world.platforms)
        ]
        self.ncbs = [
            NCB(
                self,
                i,
                c.code,
                c.region,
                c.platforms,
                c.weight,
                self._store(f"ncb.{c.code}", "ncb", scenario.stores.ncb),
            )
            for i, c in enumerate(scenario.world.countries)
        ]
        self.change_send_time = self._send_times()
        self.overlay = Overlay(self.source, self.world) if behaviour.enabled else None
        records = self.source if self.overlay is None else self.overlay.records
        self.strategy = build_strategy(scenario.architecture, self._context(records))
        self.behaviour = None
        if self.overlay is not None:
            self.behaviour = Behaviour(
                behaviour,
                self.overlay,
                self.world,
                self.strategy,
                self.ncbs,
                self.streams,
                self.change_send_time,
                self.n_days,
            )
        self.env.process(self._day_ends())
        interval = self.strategy.sync_interval_days()
        if interval is not None:
            self.env.process(self._syncs(interval))

    # --- construction ----------------------------------------------------------------------

    @property
    def n_queries(self) -> int:
        return int(self.query_time.size)

    @property
    def day(self) -> int:
        return self.steps - 1

    def _store(self, name: str, kind: str, spec: StoreSpec) -> Store:
        outage = getattr(self.scenario.outages, kind)
        stream = self.streams.get(f"outage.{name}")
        availability = Availability.draw(outage, self.horizon, stream, name)
        return Store(
            name,
            kind,
            ServerPool(spec.servers),
            Sampler(spec.service_seconds, SECONDS),
            availability,
            self.streams.get(f"service.{name}"),
        )

    def _context(self, records: SourceRecords) -> Context:
        return Context(
            world=self.world,
            source=records,
            links=self.links,
            hub=self.hub.store,
            platforms=[p.store for p in self.platforms],
            nodes=[n.node for n in self.ncbs],
            streams=self.streams,
            queries=QueryBook(np.zeros(self.n_queries, dtype=np.int64)),
            store_spec=self.scenario.stores,
            query_spec=self.scenario.queries,
            n_days=self.n_days,
        )

    def _draw_queries(self) -> tuple[np.ndarray, np.ndarray]:
        rng = self.streams.get("queries")
        counts = rng.poisson(self.query_rate * self.horizon)
        querier = np.repeat(np.arange(self.world.n_countries), counts)
        t = rng.uniform(0.0, self.horizon, querier.size)
        order = np.argsort(t, kind="stable")
        return querier[order], t[order]

    def _send_times(self) -> np.ndarray:
        """A change leaves its NCB when it happens, or when the national node is back up."""
        src = self.source
        owner = src.owner[src.change_rec]
        send = src.change_time.copy()
        for ncb in self.ncbs:
            if ncb.node.availability.has_outages:
                mine = owner == ncb.index
                send[mine] = ncb.node.availability.next_up(send[mine])
        return send

    # --- time ----------------------------------------------------------------------------

    def step(self) -> None:
        """One day: the day's changes and queries leave, SimPy runs the day, agents decide."""
        day = self.day
        changes = self._slice(self.source.change_time, day)
        t_send = self.change_send_time[changes]
        if self.behaviour is not None:
            changes, t_send = self.behaviour.todays_changes(day, changes, t_send)
        self.strategy.route_changes(changes, t_send)
        self._send_queries(self._slice(self.query_time, day))
        self.env.run(until=day + 1)
        if self.behaviour is not None:
            self._behave(self.behaviour, day)

    def _behave(self, behaviour: Behaviour, day: int) -> None:
        """End of a day: each NCB learns from its lookups, then decides how much to share.

        The stores first serve what arrived today (what the day-end event at ``day + 1`` would
        do; it then finds nothing left), so lookups see the day's end state."""
        self.strategy.settle(day + 1)
        sent = self._slice(self.query_time, day)
        sent = sent[self.query_sent[sent]]
        behaviour.end_of_day(day, self.query_querier[sent], self.query_time[sent])

    def _slice(self, times: np.ndarray, day: int) -> np.ndarray:
        """Rows of ``times`` (sorted) inside the day; day 0 also takes the prehistory."""
        lo, hi = np.searchsorted(times, [day, day + 1], side="left")
        return np.arange(0 if day == 0 else lo, hi)

    def _send_queries(self, qid: np.ndarray) -> None:
        querier, t = self.query_querier[qid], self.query_time[qid]
        up = np.ones(qid.size, dtype=bool)
        for ncb in self.ncbs:
            if ncb.node.availability.has_outages:
                mine = querier == ncb.index
                up[mine] = ncb.node.availability.is_up(t[mine])
        self.query_sent[qid[up]] = True
        self.strategy.route_queries(qid[up], querier[up], t[up])

    def _day_ends(self):
        while True:
            yield self.env.timeout(1.0)
            self.strategy.settle(self.env.now)
            self.events_processed += 1

    def _syncs(self, interval: float):
        while True:
            yield self.env.timeout(interval)
            self.strategy.sync(self.env.now)
            self.events_processed += 1

    def run(self) -> None:
        for _ in range(self.n_days):
            self.step()
        self.strategy.settle(self.horizon)

    # --- what the metrics read -------------------------------------------------------------

    def run_log(self) -> RunLog:
        strategy = self.strategy
        copies = {s.name for s in strategy.copy_stores()}
        stores = {}
        for store in [self.hub.store, *(p.store for p in self.platforms)]:
            short = "hub" if store.kind == "hub" else store.name.removeprefix("platform.")
            rec, version, t = store.application_log()
            stores[short] = StoreLog(
                short,
                store.kind,
                rec,
                version,
                np.maximum(t, PREHISTORY),
                store.availability,
                strategy.destined(short),
                store.pool.servers,
                store.busy_days,
                store.name in copies,
            )
        return RunLog(
            architecture=strategy.kind,
            warmup=self.scenario.warmup_days,
            horizon=self.horizon,
            world=self.world,
            source=fold_prehistory(
                self.source if self.overlay is None else as_happened(self.source, self.overlay)
            ),
            query_rate=self.query_rate,
            views=strategy.views(),
            stores=stores,
            node_availability=[n.node.availability for n in self.ncbs],
            reads=strategy.reads,
            answer_probability=strategy.answer_probability(),
            deadline_days=self.scenario.architecture.query_deadline_seconds * SECONDS,
            queries=self._query_log(),
            messages_per_day={
                n: link.messages_per_day(self.n_days) for n, link in self.links.items()
            },
            ledger=self._ledger(),
            behaviour=None if self.behaviour is None else self.behaviour.log(),
        )

    def _query_log(self) -> QueryLog:
        book = self.strategy.queries
        done = np.full(self.n_queries, -np.inf)
        answered = np.zeros(self.n_queries, dtype=np.int64)
        stores = [self.hub.store, *(p.store for p in self.platforms), *(n.node for n in self.ncbs)]
        for store in stores:
            qid, t = store.answer_log()
            np.maximum.at(done, qid, t)
            np.add.at(answered, qid, 1)
        for qid, t in zip(book.direct_qid, book.direct_done, strict=True):
            np.maximum.at(done, qid, t)
            np.add.at(answered, qid, 1)
        done[answered < book.n_targets] = np.inf
        done[~self.query_sent] = np.inf
        return QueryLog(self.query_querier, self.query_time, self.query_sent.copy(), done)

    def _ledger(self) -> dict[str, int]:
        """Every change sent over a link is applied, still queued, or was dropped on purpose."""
        stores = [self.hub.store, *(p.store for p in self.platforms), *(n.node for n in self.ncbs)]
        applied = sum(int(s.application_log()[0].size) for s in stores)
        ledger = {
            "changes_sent": sum(link.changes_sent for link in self.links.values()),
            "changes_applied": applied,
            "changes_applied_after_horizon": sum(
                int((s.application_log()[2] > self.horizon).sum()) for s in stores
            ),
            "changes_queued": sum(s.pending_changes for s in stores),
            "changes_held_for_sync": self.strategy.buffered(),
        }
        if self.behaviour is not None:
            ledger["changes_stuck_in_backlog"] = self.behaviour.stuck
        for reason, n in sorted(self.strategy.dropped.items()):
            ledger[f"dropped_{reason}"] = n
        return ledger


def fold_prehistory(source: SourceRecords) -> SourceRecords:
    """The source with every time before day 0 moved to ``PREHISTORY`` (order kept)."""
    if source.n_changes == 0 or source.change_time[0] >= 0:
        return source
    return dataclasses.replace(
        source,
        created=np.maximum(source.created, PREHISTORY),
        change_time=np.maximum(source.change_time, PREHISTORY),
    )
