"""The Mesa model: its time loop over the parts ``sim.builder`` wires, and its run log.

One Mesa step is one simulated day. The NCBs' changes and queries of the day leave as batches
(one array each, not one process per record), SimPy carries the day (store service at the
day's end, periodic synchronisation), and with behaviour on each NCB agent then learns from its
lookups and decides how much to share. ``run_log`` hands the metrics what they need.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Generator

import mesa
import numpy as np
import simpy

from sim.behaviour import Behaviour, as_happened
from sim.builder import build, subject_mix
from sim.config.schema import Scenario
from sim.engine.dists import SECONDS
from sim.engine.outages import DownWindows
from sim.log import CostLog, QueryLog, RunLog, StoreLog
from sim.records import SourceRecords, retention_removals

PREHISTORY = 0.0
"""Times before day 0 are folded onto day 0 in the run log (order kept): only the state they
leave at day 0 matters to the measures, which start at warm-up >= 0, and the metrics' sort keys
assume times in [0, horizon]."""


class DataSharingModel(mesa.Model):
    """One scenario, one seed."""

    def __init__(self, scenario: Scenario, seed: int, source: SourceRecords | None = None) -> None:
        """``source``: records to run instead of drawing them from the seed (trace tests)."""
        super().__init__(rng=seed)
        self.scenario = scenario
        self.seed = seed
        self.horizon = scenario.horizon_days
        self.n_days = math.ceil(self.horizon)
        self.env = simpy.Environment()
        self.events_processed = 0
        self.parts = build(self, scenario, seed, source)
        self.world = self.parts.world
        self.streams = self.parts.streams
        self.source = self.parts.source
        self.strategy = self.parts.strategy
        self.query_sent = np.zeros(self.n_queries, dtype=bool)
        self.node_down = DownWindows([node.availability for node in self.parts.nodes])
        self.env.process(self._day_ends())
        interval = self.strategy.sync_interval_days()
        if interval is not None:
            self.env.process(self._syncs(interval))

    @property
    def n_queries(self) -> int:
        return self.parts.queries.n

    @property
    def day(self) -> int:
        return self.steps - 1

    # --- time ----------------------------------------------------------------------------

    def step(self) -> None:
        """One day: the day's changes and queries leave, SimPy runs the day, agents decide."""
        day = self.day
        changes = self._rows(self.parts.change_days, day)
        t_send = self.parts.send_time[changes]
        behaviour = self.parts.behaviour
        if behaviour is not None:
            changes, t_send = behaviour.todays_changes(day, changes, t_send)
        self.strategy.route_changes(changes, t_send)
        self._send_queries(self._rows(self.parts.queries.days, day))
        self.env.run(until=day + 1)
        if behaviour is not None:
            self._behave(behaviour, day)

    def _behave(self, behaviour: Behaviour, day: int) -> None:
        """End of a day: each NCB learns from its lookups, then decides how much to share.

        The stores first serve what arrived today (what the day-end event at ``day + 1`` would
        do; it then finds nothing left), so lookups see the day's end state."""
        self.strategy.settle(day + 1)
        queries = self.parts.queries
        sent = self._rows(queries.days, day)
        sent = sent[self.query_sent[sent]]
        behaviour.end_of_day(day, queries.querier[sent], queries.time[sent])

    @staticmethod
    def _rows(days: np.ndarray, day: int) -> np.ndarray:
        """Rows of one day, from the ``day_bounds`` of their times."""
        return np.arange(days[day], days[day + 1])

    def _send_queries(self, qid: np.ndarray) -> None:
        """Queries leave unless the querier's own node is down."""
        querier, t = self.parts.queries.querier[qid], self.parts.queries.time[qid]
        up = self.node_down.nodes_up(querier, t)
        self.query_sent[qid[up]] = True
        self.strategy.route_queries(qid[up], querier[up], t[up])

    def _day_ends(self) -> Generator[simpy.Event, None, None]:
        while True:
            yield self.env.timeout(1.0)
            self.strategy.settle(self.env.now)
            self.events_processed += 1

    def _syncs(self, interval: float) -> Generator[simpy.Event, None, None]:
        while True:
            yield self.env.timeout(interval)
            self.strategy.sync(self.env.now)
            self.events_processed += 1

    def run(self, on_day: Callable[[int, int], None] | None = None) -> None:
        """Every day to the horizon; ``on_day(done, total)`` after each (progress)."""
        for done in range(1, self.n_days + 1):
            self.step()
            if on_day is not None:
                on_day(done, self.n_days)
        self.strategy.settle(self.horizon)

    # --- what the metrics read -------------------------------------------------------------

    def run_log(self) -> RunLog:
        strategy, parts = self.strategy, self.parts
        return RunLog(
            architecture=strategy.kind,
            warmup=self.scenario.warmup_days,
            horizon=self.horizon,
            world=self.world,
            source=fold_prehistory(self._as_happened()),
            query_rate=parts.queries.rate,
            views=strategy.views(),
            stores=self._store_logs(),
            node_availability=[n.availability for n in parts.nodes],
            reads=strategy.reads,
            answer_probability=strategy.answer_probability(),
            deadline_days=self.scenario.architecture.query_deadline_seconds * SECONDS,
            queries=self._query_log(),
            messages_per_day={
                n: link.messages_per_day(self.n_days) for n, link in parts.links.items()
            },
            ledger=self._ledger(),
            behaviour=None if parts.behaviour is None else parts.behaviour.log(),
            subjects=subject_mix(self.scenario),
            costs=self._cost_log(),
        )

    def _cost_log(self) -> CostLog:
        """Real volumes and prices of the cost metrics; the manual entries are counted for the
        changes as they happened (with behaviour on, cancelled ones took no keying)."""
        parts, scenario = self.parts, self.scenario
        entries = self.strategy.manual_entries(np.arange(parts.source.n_changes))
        if parts.overlay is not None:
            entries = entries[parts.overlay.happened()]
        kinds, links, days = len(parts.source.kind_names), parts.links, self.n_days
        return CostLog(
            record_weight=1.0 / scenario.records.sample_fraction,
            manual_entries=entries,
            link_changes={n: link.changes_by_kind(days, kinds) for n, link in links.items()},
            link_searches={n: link.searches_per_day(days) for n, link in links.items()},
            prices=scenario.costs,
            workload=scenario.behaviour.workload,
            stores=scenario.stores,
            interfaces=self.strategy.interfaces(),
        )

    def _store_logs(self) -> dict[str, StoreLog]:
        """What the hub and each platform applied, by short name (``hub``, ``SIS``...)."""
        copies = {s.name for s in self.strategy.copy_stores()}
        source = self._as_happened()
        grace = self.scenario.records.retention_grace_days
        logs = {}
        for store in self.parts.stores:
            short = "hub" if store.kind == "hub" else store.name.removeprefix("platform.")
            rec, version, t = store.application_log()
            removed, when = retention_removals(source, grace, rec, version, t)
            logs[short] = StoreLog(
                short,
                store.kind,
                rec,
                version,
                np.maximum(t, PREHISTORY),
                store.availability,
                self.strategy.destined(short),
                store.pool.servers,
                store.busy_days,
                store.name in copies,
                removed,
                np.maximum(when, PREHISTORY),
                self.strategy.never_sent(short),
            )
        return logs

    def _as_happened(self) -> SourceRecords:
        """The source as its owners acted (behaviour's overlay applied), times unfolded."""
        overlay = self.parts.overlay
        return self.source if overlay is None else as_happened(self.source, overlay)

    def _query_log(self) -> QueryLog:
        book = self.strategy.queries
        stores = [*self.parts.stores, *self.parts.nodes]
        n_answered, last = book.tally([store.answer_log() for store in stores])
        answered = self.strategy.answered(book.n_asked, n_answered) & self.query_sent
        queries = self.parts.queries
        return QueryLog(
            querier=queries.querier,
            t=queries.time,
            kind=queries.kind,
            sent=self.query_sent.copy(),
            n_asked=book.n_asked.copy(),
            n_answered=n_answered,
            answered=answered,
            last_answer=last,
            asked_of={name: np.concatenate(qids) for name, qids in book.asked_of.items()},
            broadcast=(
                np.concatenate(book.broadcasts) if book.broadcasts else np.empty(0, np.int64)
            ),
            weight=1.0 / self.scenario.queries.sample_fraction,
        )

    def _ledger(self) -> dict[str, int]:
        """Every change sent over a link is applied, still queued, or was dropped on purpose."""
        stores = [*self.parts.stores, *self.parts.nodes]
        ledger = {
            "changes_sent": sum(link.changes_sent for link in self.parts.links.values()),
            "changes_applied": sum(int(s.application_log()[0].size) for s in stores),
            "changes_applied_after_horizon": sum(
                int((s.application_log()[2] > self.horizon).sum()) for s in stores
            ),
            "changes_queued": sum(s.pending_changes for s in stores),
            "changes_held_for_sync": self.strategy.buffered(),
        }
        if self.parts.behaviour is not None:
            ledger["changes_stuck_in_backlog"] = self.parts.behaviour.stuck
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
        deleted=np.maximum(source.deleted, PREHISTORY),
        change_time=np.maximum(source.change_time, PREHISTORY),
    )
