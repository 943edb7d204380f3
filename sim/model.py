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
from sim.engine.dists import SECONDS, Sampler
from sim.engine.links import Link
from sim.engine.outages import DownWindows
from sim.log import CostLog, QueryLog, RunLog, StoreLog
from sim.records import Reviews, SourceRecords, retention_removals
from sim.routing.deadline import answer_probability
from sim.topology import Consult, PlanError, short_name

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
        for interval in self.parts.plan.sync_intervals():
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
        if self.parts.transfers is not None:
            self.parts.network.transfer(self.parts.transfers, day + 1, self.strategy.settle)
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
        """The batch routes of one interval: every ``interval`` days."""
        while True:
            yield self.env.timeout(interval)
            self.parts.network.sync(interval, self.env.now)
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
        parts = self.parts
        return RunLog(
            architecture=self.strategy.kind,
            warmup=self.scenario.warmup_days,
            horizon=self.horizon,
            world=self.world,
            source=fold_prehistory(self._as_happened()),
            query_rate=parts.queries.rate,
            plan=parts.plan,
            stores=self._store_logs(),
            node_availability=[n.availability for n in parts.nodes],
            answer_probability=self._answer_probabilities(),
            deadline_days=self._deadline(),
            queries=self._query_log(),
            messages_per_day=by_class(parts.links, lambda link: link.messages_per_day(self.n_days)),
            ledger=self._ledger(),
            behaviour=None if parts.behaviour is None else parts.behaviour.log(),
            subjects=subject_mix(self.scenario),
            costs=self._cost_log(),
        )

    def _deadline(self) -> float:
        return self.scenario.architecture.query_deadline_seconds * SECONDS

    def _answer_probabilities(self) -> tuple[float, ...]:
        """Per consult of the plan, the chance an owner's answer beats the deadline."""
        stores = self.parts.by_name

        def service_of(consult: Consult) -> Callable[[str], Sampler]:
            """Service times at a store, or (``ncb``) at the nodes of the row's owners (a
            row groups owners whose nodes serve alike)."""
            owners = consult.owners
            node = self.parts.nodes[0 if owners is None else int(np.argmax(owners))]
            return lambda store: node.service if store == "ncb" else stores[store].service

        return tuple(
            answer_probability(c, self.parts.links, service_of(c), self._deadline(), self.streams)
            for c in self.parts.plan.consults
        )

    def _cost_log(self) -> CostLog:
        """Real volumes and prices of the cost metrics; the manual entries are counted for the
        changes as they happened (with behaviour on, cancelled ones took no keying)."""
        parts, scenario = self.parts, self.scenario
        entries = parts.network.entries(np.arange(parts.source.n_changes))
        if parts.overlay is not None:
            entries = entries[parts.overlay.happened()]
        kinds, links, days = len(parts.source.kind_names), parts.links, self.n_days
        return CostLog(
            record_weight=1.0 / scenario.records.sample_fraction,
            manual_entries=entries,
            link_changes=by_class(links, lambda link: link.changes_by_kind(days, kinds)),
            link_searches=by_class(links, lambda link: link.searches_per_day(days)),
            prices=scenario.costs,
            workload=scenario.behaviour.workload,
            stores=scenario.stores,
            corrections=self._corrections(),
            correction_hours=(
                0.0
                if scenario.migration.reconcile is None
                else scenario.migration.reconcile.hours_per_record
            ),
        )

    def _corrections(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The reconciliation's corrections (owner, time) of a road map; None without one."""
        if not self.scenario.migration.stages:
            return None
        transfers = self.parts.transfers
        if transfers is None:
            return np.empty(0, dtype=np.int64), np.empty(0)
        return transfers.correction_log()

    def _store_logs(self) -> dict[str, StoreLog]:
        """What the hub and each platform applied, and removed by retention, by output name
        (``hub``, ``SIS``...)."""
        source = self._as_happened()
        grace = self.scenario.records.retention_grace_days
        reviews = Reviews.of(source, grace)
        logs = {}
        for store in self.parts.stores:
            rec, version, t = store.application_log()
            removed, when = retention_removals(source, grace, rec, version, t, reviews)
            logs[short_name(store.name)] = StoreLog(
                name=short_name(store.name),
                store=store.name,
                kind=store.kind,
                rec=rec,
                version=version,
                t=np.maximum(t, PREHISTORY),
                availability=store.availability,
                servers=store.pool.servers,
                busy_days=store.busy_days,
                removed_rec=removed,
                removed_t=np.maximum(when, PREHISTORY),
                never_keyed=self.parts.network.never_keyed(store.name),
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
        answered = book.answered(n_answered) & self.query_sent
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
            broadcast=list(book.broadcasts),
            weight=1.0 / self.scenario.queries.sample_fraction,
            subject=self.parts.subjects.drawn,
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
            "changes_held_for_sync": self.parts.network.held(),
        }
        if self.parts.behaviour is not None:
            ledger["changes_stuck_in_backlog"] = self.parts.behaviour.stuck
        for reason, n in sorted(self.parts.network.dropped.items()):
            ledger[f"dropped_{reason}"] = n
        self._check_against_plan(ledger, stores)
        return ledger

    def _check_against_plan(self, ledger: dict[str, int], stores: list) -> None:
        """Stop a run whose stores hold what its plan never sends them, or whose links carried
        another number of changes than the stores applied and queue: an architecture that
        moves changes outside its plan (or without counting them on a link) would otherwise
        report a ledger, exposure and costs that are silently wrong."""
        plan = self.parts.plan
        allowed = set(plan.targets()) | set(plan.caches())
        for store in stores:
            held = int(store.application_log()[0].size) + store.pending_changes
            if held and store.name not in allowed:
                rows = [r.describe() for r in plan.routes] or ["none"]
                raise PlanError(
                    f"store {store.name} received {held} changes that no route of the plan sends"
                    f" it (routes: {'; '.join(rows)})"
                )
        carried = ledger["changes_applied"] + ledger["changes_queued"]
        if ledger["changes_sent"] != carried:
            raise PlanError(
                f"the links carried {ledger['changes_sent']} changes but the stores applied or"
                f" queue {carried}: some change moved outside a link (targets of the plan:"
                f" {', '.join(sorted(allowed)) or 'none'})"
            )


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


def by_class(links: dict[str, Link], count):
    """``count(link)`` summed over the links of each link class."""
    out: dict = {}
    for link in links.values():
        value = count(link)
        out[link.klass] = value if link.klass not in out else out[link.klass] + value
    return out
