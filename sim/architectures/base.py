"""What every architecture says: where writes go, which stores a query consults, and what the
model and the metrics may ask of it.

A strategy sees only its ``Context`` (the world, the records, the links and stores, its random
streams, the query book and the scenario pieces it reads), never the model. It owns no time
loop: the model calls ``route_changes`` and ``route_queries`` once a day with the day's
batches, ``settle`` when stores must serve what has arrived, and ``sync`` every
``sync_interval_days()`` if that is not None. Every other question (what it holds back, who
answers queries, which channels an NCB learns to trust...) is a method below with a default,
so that adding an architecture means one file, one line in the registry and its schema class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.config.schema import ArchitectureBase, Queries, Reluctance, Stores
from sim.engine.links import Link
from sim.engine.store import Store
from sim.log import Reads, View
from sim.records import SourceRecords
from sim.rng import Streams
from sim.world import NATIONAL, WorldIndex


@dataclass
class QueryBook:
    """How many answers each query waits for, and answers computed outside any store."""

    n_targets: np.ndarray
    direct_qid: list[np.ndarray] = field(default_factory=list)
    direct_done: list[np.ndarray] = field(default_factory=list)

    @property
    def n_queries(self) -> int:
        return int(self.n_targets.size)

    def expect(self, qid: np.ndarray, n: int | np.ndarray) -> None:
        self.n_targets[qid] += n

    def direct(self, qid: np.ndarray, done: np.ndarray) -> None:
        """Answers (``inf``: no complete answer) computed by the strategy itself."""
        self.n_targets[qid] += 1
        self.direct_qid.append(qid)
        self.direct_done.append(done)


@dataclass(frozen=True)
class Context:
    """Everything a strategy may use, and nothing of the model."""

    world: WorldIndex
    source: SourceRecords
    """The records as their owners have acted so far (with behaviour on, a read-only window
    on the behaviour's overlay: withheld records read as regional or national)."""
    links: Mapping[str, Link]
    hub: Store
    platforms: list[Store]
    """In the order of ``world.platforms``."""
    nodes: list[Store]
    """The NCBs' national nodes, in the order of the countries."""
    streams: Streams
    queries: QueryBook
    store_spec: Stores
    """Servers and service times of each kind of store."""
    query_spec: Queries
    n_days: int
    """Days the model steps through: change rows of day d are routed on day d."""


@dataclass(frozen=True)
class Channel:
    """A channel an NCB queries and learns to trust (with behaviour on): one store, or the
    owners' own national nodes."""

    name: str
    consulted: np.ndarray
    """Per country: whether it queries this channel."""
    store: Store | None
    """The store that answers; None when each owner answers from its own node."""
    gates: tuple[Store, ...] = ()
    """Stores that must be up too for the owners to be reached (a pointer index)."""


class Strategy(ABC):
    """Base of the architectures."""

    kind: ClassVar[str]
    reads: ClassVar[Reads] = "stores"
    """Who answers queries: the stores of each view, or the owners' nodes (federated)."""
    misses_deletions: ClassVar[bool] = False
    """A deletion may never reach a store that shows the record, which then shows a ghost
    until retention removes it. Such an architecture starts from a prehistory that keeps the
    records deleted before day 0 whose ghosts may still be shown then."""

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        self.spec = spec
        self.context = context
        self.world = context.world
        self.source = context.source
        self.links = context.links
        self.hub = context.hub
        self.platforms = context.platforms
        self.nodes = context.nodes
        self.queries = context.queries
        self.dropped: dict[str, int] = {}

    # --- what the model calls ------------------------------------------------------------------

    @abstractmethod
    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        """Send the source changes ``idx`` (rows of the change table), leaving at ``t_send``."""

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Default: every querier consults the stores of its view, in parallel."""
        for view in self.views():
            mine = np.isin(querier, view.queriers)
            if mine.any():
                for name in view.stores:
                    self._ask(self.store(name), self._query_link(name), qid[mine], t[mine])

    def settle(self, now: float) -> None:
        """Serve everything that has arrived before ``now``, until no store has more."""
        stores = self.active_stores()
        for _ in range(100):
            for store in stores:
                store.process_until(now)
            if not any(store.has_due(now) for store in stores):
                return

    def sync_interval_days(self) -> float | None:
        """Days between two calls of ``sync``; None (the default): it never synchronises."""
        return None

    def sync(self, now: float) -> None:  # noqa: B027 (only batch architectures synchronise)
        """Periodic synchronisation, every ``sync_interval_days()``."""

    def active_stores(self) -> list[Store]:
        """The stores ``settle`` serves."""
        return [*self.platforms, self.hub]

    # --- what the behaviour asks ---------------------------------------------------------------

    def manual_entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change must be keyed into by hand (staff work): one by default, the
        single system the NCB writes to; none for records that never leave the country."""
        return self._shared(idx).astype(np.int64)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        """How much less an NCB shares here than through federated queries (data
        sovereignty): none by default."""
        return 0.0

    def channels(self) -> list[Channel]:
        """Default: each store some view consults, the hub first, then the platforms."""
        consulted = {name: np.zeros(self.world.n_countries, dtype=bool) for name in self._names()}
        for view in self.views():
            for name in view.stores:
                consulted[name][view.queriers] = True
        return [
            Channel(name, mask, self.store(name)) for name, mask in consulted.items() if mask.any()
        ]

    # --- what the run log and the metrics read -------------------------------------------------

    def label(self) -> str:
        return self.spec.label()

    @abstractmethod
    def views(self) -> list[View]:
        """Groups of queriers that consult the same stores."""

    @abstractmethod
    def destined(self, store: str) -> np.ndarray:
        """Records the architecture routes to ``store`` (by record id)."""

    def never_sent(self, store: str) -> np.ndarray:
        """Per record: never sent to ``store``, so never shown there (a lag that never ends,
        not one the run's end cut short). Default: the records not routed to it."""
        return ~self.destined(store)

    def copy_stores(self) -> list[Store]:
        """Stores outside the owners' countries that hold copies."""
        return [s for s in [self.hub, *self.platforms] if s.application_log()[0].size]

    def buffered(self) -> int:
        """Changes held back for a later synchronisation (none by default)."""
        return 0

    def answer_probability(self) -> float:
        """Chance an owner's answer is back within the deadline, when owners answer (1 by
        default: stores answer, and their latency is measured on the sampled queries)."""
        return 1.0

    # --- helpers ---------------------------------------------------------------------------

    def store(self, name: str) -> Store:
        if name == "hub":
            return self.hub
        return self.platforms[self.world.platforms.index(name)]

    def _names(self) -> list[str]:
        return ["hub", *self.world.platforms]

    def _query_link(self, name: str) -> str:
        return "ncb_to_hub" if name == "hub" else "ncb_to_platform"

    def _ask(self, store: Store, link: str, qid: np.ndarray, t: np.ndarray) -> None:
        out, back = self.links[link].query_round_trip(t)
        store.receive_queries(qid, t + out, back)
        self.queries.expect(qid, 1)

    def _send(self, link: str, store: Store, rows: np.ndarray, t: np.ndarray) -> None:
        """Send change rows over ``link`` to ``store``."""
        if rows.size:
            arrival = self.links[link].carry_changes(t)
            src = self.source
            store.receive_changes(src.change_rec[rows], src.change_version[rows], arrival)

    def _shared(self, idx: np.ndarray) -> np.ndarray:
        """Mask of changes whose record may leave its country."""
        return self.source.sharing[self.source.change_rec[idx]] != NATIONAL

    def _drop(self, reason: str, n: int) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + int(n)
