"""The run log: everything the model hands to the metrics, and nothing more.

Metrics are pure functions of this record; they never reach back into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.config.schema import Costs, Stores, Workload
from sim.engine.outages import Availability
from sim.records import SourceRecords
from sim.topology import Topology
from sim.world import WorldIndex


@dataclass(frozen=True)
class BehaviourLog:
    """What the metrics read of the behaviour: work done, reviews, daily agent state."""

    work_owner: np.ndarray
    work_arrival: np.ndarray
    work_done: np.ndarray
    work_hours: np.ndarray
    capacity: np.ndarray
    """Staff hours per day of each NCB."""
    work_scale: float
    """Real actions each simulated one stands for (``work_hours`` are already real)."""
    review_owner: np.ndarray
    review_time: np.ndarray
    review_missed: np.ndarray
    trust: np.ndarray
    """[country, day]: mean trust over the NCB's channels at the end of each day."""
    propensity: np.ndarray
    backlog_delay: np.ndarray
    """[country, day]: mean days from arrival to completion of the day's actions (NaN: none)."""


@dataclass(frozen=True)
class StoreLog:
    """One store's applications and availability; what it is meant to hold is the plan's."""

    name: str
    """As outputs name it: ``hub`` or the platform's name."""
    store: str
    """As the plan names it: ``hub``, ``platform.SIS``."""
    kind: str
    rec: np.ndarray
    version: np.ndarray
    t: np.ndarray
    availability: Availability
    servers: int | None
    busy_days: float
    removed_rec: np.ndarray
    removed_t: np.ndarray
    """Records the store removed by retention (ascending) and when: nothing shows after."""
    never_keyed: np.ndarray | None = None
    """For a store keyed by hand: per record, never keyed into it at all (so never shown
    there); None when nothing is keyed there by hand."""


@dataclass(frozen=True)
class QueryLog:
    """The sampled searches: whom each asked, what came back by the deadline, and the load
    they put on each store and national node."""

    querier: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    """Kind of each search's subject (index into the records' kind names)."""
    sent: np.ndarray
    """False where the querier's own node was down: the query could not be made."""
    n_asked: np.ndarray
    """Systems (stores, national nodes) each search asked."""
    n_answered: np.ndarray
    """Of those, the ones whose answer was back within the deadline."""
    answered: np.ndarray
    """The search was answered at all (the architecture's rule, ``Strategy.answered``)."""
    last_answer: np.ndarray
    """When the last answer back within the deadline arrived (``-inf``: none)."""
    asked_of: dict[str, np.ndarray]
    """Searches asked of each store and national node (``hub``, ``platform.SIS``,
    ``ncb.FRA``), by query id; searches broadcast to every node are in ``broadcast``."""
    broadcast: list[tuple[np.ndarray, np.ndarray | None]]
    """Searches asked of every national node of a set (a mask; None: every node) but the
    querier's own: (query ids, the set)."""
    """Searches asked of every national node but the querier's own."""
    weight: float
    """Real searches one sampled search stands for (1 / ``queries.sample_fraction``)."""
    subject: np.ndarray | None = None
    """Per search, its subject record (-1: none), when an architecture drew them."""


@dataclass(frozen=True)
class SubjectMix:
    """Who the real searches are about, per record kind (index into the kinds' names): what
    the outcome metrics (hits, missed and false hits) need besides the record integrals."""

    share: np.ndarray
    """Share of the searches whose subject is of each kind."""
    on_record: np.ndarray
    """Share of a kind's searches whose subject has a record active with another NCB."""
    deleted_ratio: np.ndarray
    """How often a deleted record's subject is searched, relative to an active record's."""


@dataclass(frozen=True)
class CostLog:
    """What the cost metrics read besides the stores' logs: the real volume each simulated
    record stands for, the manual keying each change needed, what each link carried, and the
    scenario's prices (sizes, hours per action, servers and service times)."""

    record_weight: float
    """Real records one simulated record stands for (1 / ``records.sample_fraction``)."""
    manual_entries: np.ndarray
    """Per change of the run log's source: systems it was keyed into by hand."""
    link_changes: dict[str, np.ndarray]
    """Per link class: [kind, day] record changes carried at real volume; the last row holds
    changes of no known kind."""
    link_searches: dict[str, np.ndarray]
    """Per link class: [day] searches carried at real volume (a request and its answer)."""
    prices: Costs
    workload: Workload
    stores: Stores
    corrections: tuple[np.ndarray, np.ndarray] | None = None
    """A road map's reconciliation: (owner, time) of each correction made (None: the run has
    no road map), and what each costs in staff hours, ``correction_hours``."""
    correction_hours: float = 0.0


@dataclass(frozen=True)
class RunLog:
    """What one run hands the metrics."""

    architecture: str
    warmup: float
    horizon: float
    world: WorldIndex
    source: SourceRecords
    query_rate: np.ndarray
    """Queries per day of each country: the weight of each querier in the metrics."""
    plan: Topology
    """Who sends what where and who asks whom: what every store is meant to hold, what each
    querier consults and how it is answered."""
    stores: dict[str, StoreLog]
    """The hub and the platforms, by their output names."""
    node_availability: list[Availability]
    answer_probability: tuple[float, ...]
    """Per consult of the plan: the chance an owner's answer is back within the deadline (1
    when a store answers)."""
    deadline_days: float
    queries: QueryLog
    messages_per_day: dict[str, np.ndarray]
    """Per link class: messages that left each day at real volume."""
    ledger: dict[str, int] = field(default_factory=dict)
    behaviour: BehaviourLog | None = None
    subjects: SubjectMix | None = None
    """Who the searches are about (None: no outcome metrics)."""
    costs: CostLog | None = None
    """Prices and volumes of the cost metrics (None: no cost metrics)."""

    def store_log(self, store: str) -> StoreLog:
        """The log of the store the plan names ``store`` (``platform.SIS``)."""
        for log in self.stores.values():
            if log.store == store:
                return log
        raise KeyError(store)
