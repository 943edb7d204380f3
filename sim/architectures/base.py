"""What every architecture says: where writes go, which stores a query consults, and what the
model and the metrics may ask of it.

A strategy sees only its ``Context`` (the world, the records, the links and stores, its random
streams, the query book and the scenario pieces it reads), never the model. It owns no time
loop: the model calls ``route_changes`` and ``route_queries`` once a day with the day's
batches, ``settle`` when stores must serve what has arrived (passing on what ``relays`` says)
and ``sync`` every ``sync_interval_days()`` if that is not None. Every other question (what it
holds back, who answers queries, which channels an NCB learns to trust...) is a method below
with a default, so that adding an architecture means one file, one line in the registry and
its schema class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sim.config.schema import ArchitectureBase, Queries, Reluctance, Stores
from sim.engine.links import Link
from sim.engine.network import Relay, serve_until
from sim.engine.store import Store
from sim.log import Reads, View
from sim.records import SourceRecords
from sim.rng import Streams
from sim.world import NATIONAL, WorldIndex


@dataclass
class QueryBook:
    """Which systems each sampled search asks, and what came back by its deadline.

    A search asks one or more systems (stores, national nodes); every answer back within the
    deadline counts, so a search is as complete as the answers that arrived in time."""

    time: np.ndarray
    """When each search leaves its NCB."""
    deadline: float
    """Days a search waits for its answers."""
    issuer: np.ndarray
    """Per search: the country that issued its subject's record (a travel document, a vehicle),
    used where its kind names the issuer."""
    names_issuer: np.ndarray
    """Per search: its subject's kind names the issuing country."""
    n_asked: np.ndarray = field(init=False)
    n_answered: np.ndarray = field(init=False)
    """Answers back within the deadline."""
    last_answer: np.ndarray = field(init=False)
    """When the last answer back within the deadline arrived (``-inf``: none)."""
    asked_of: dict[str, list[np.ndarray]] = field(default_factory=dict)
    """Searches asked of each store or node (by store name): the load it must answer."""
    broadcasts: list[np.ndarray] = field(default_factory=list)
    """Searches asked of every national node but the querier's own."""

    def __post_init__(self) -> None:
        self.n_asked = np.zeros(self.time.size, dtype=np.int64)
        self.n_answered = np.zeros(self.time.size, dtype=np.int64)
        self.last_answer = np.full(self.time.size, -np.inf)

    @property
    def n_queries(self) -> int:
        return int(self.time.size)

    def ask(self, target: str, qid: np.ndarray) -> None:
        """The searches ``qid`` (distinct) ask the store or node named ``target``."""
        self.n_asked[qid] += 1
        self.asked_of.setdefault(target, []).append(qid)

    def answers(self, qid: np.ndarray, back: np.ndarray) -> None:
        """Answers to ``qid`` back at the querier at ``back`` (``inf``: none); only those within
        the deadline count."""
        self._count(self.n_answered, self.last_answer, qid, back)

    def tally(self, answers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """(answers back within the deadline, when the last came) of every search, counting
        also the stores' ``answers`` (query ids, back times); the book itself is unchanged."""
        n_answered, last = self.n_answered.copy(), self.last_answer.copy()
        for qid, back in answers:
            self._count(n_answered, last, qid, back)
        return n_answered, last

    def _count(self, n: np.ndarray, last: np.ndarray, qid: np.ndarray, back: np.ndarray) -> None:
        on_time = back - self.time[qid] <= self.deadline
        np.add.at(n, qid[on_time], 1)
        np.maximum.at(last, qid[on_time], back[on_time])

    def direct(self, target: str, qid: np.ndarray, back: np.ndarray) -> None:
        """An ask of ``target`` answered by the strategy itself, not through a store."""
        self.ask(target, qid)
        self.answers(qid, back)

    def broadcast(
        self, qid: np.ndarray, n_asked: int, n_answered: np.ndarray, last: np.ndarray
    ) -> None:
        """Searches asked of every other national node at once (``n_asked`` of them), with
        the answers each got back within the deadline and when the last of them came."""
        self.n_asked[qid] += n_asked
        self.n_answered[qid] += n_answered
        np.maximum.at(self.last_answer, qid, last)
        self.broadcasts.append(qid)


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
        self._feeds: set[tuple[str, str]] = set()
        """(sender, receiving store) pairs that carried record changes automatically."""

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
        """Serve everything that arrives before ``now``, relayed changes included, each in its
        FIFO place."""
        serve_until(self.active_stores(), self.relays(), now)

    def sync_interval_days(self) -> float | None:
        """Days between two calls of ``sync``; None (the default): it never synchronises."""
        return None

    def sync(self, now: float) -> None:  # noqa: B027 (only batch architectures synchronise)
        """Periodic synchronisation, every ``sync_interval_days()``."""

    def active_stores(self) -> list[Store]:
        """The stores ``settle`` serves."""
        return [*self.platforms, self.hub]

    def relays(self) -> list[Relay]:
        """What stores pass on to others as they apply it (none by default): ``settle``
        serves each relayed change in its FIFO place at the store it reaches."""
        return []

    # --- what the behaviour asks ---------------------------------------------------------------

    def manual_entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change is keyed into by hand (staff work), on one footing for every
        architecture: the national entry, once per change of every record whatever its scope
        (every architecture has it, the same); an automated feed (a message over a link, a
        platform's or the hub's synchronisation, an index fed by the national system) costs no
        keying; every other system a change is keyed into by hand counts once more (today's
        manual multiple entry: :class:`sim.architectures.fragmented.Fragmented`)."""
        return np.ones(idx.size, dtype=np.int64)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        """How much less an NCB shares here than through federated queries (data
        sovereignty): none by default."""
        return 0.0

    # --- what the cost metrics read -------------------------------------------------------------

    def forwarding(self) -> list[Relay]:
        """What stores pass on to others, whether at once or in batches (by default the
        ``relays``): each (store, target) pair it may pass something to is an interface."""
        return self.relays()

    def interfaces(self) -> dict[str, int]:
        """System-to-system interfaces the architecture needs, by purpose: ``feeds``, the
        (sender, store) pairs that carried record changes automatically (a national system to
        the hub or a platform, a store to another), keying by hand being no interface;
        ``searches``, the (querier, store) pairs of the views; and ``node_pairs``, every pair
        of national nodes when the owners answer (each node may be asked by every other)."""
        n = self.world.n_countries
        searches = {(int(q), name) for view in self.views() for name in view.stores
                    for q in view.queriers}  # fmt: skip
        nodes = n * (n - 1) // 2 if self.reads == "owners" else 0
        feeds = len(self._feeds | self._forwarded())
        return {"feeds": feeds, "searches": len(searches), "node_pairs": nodes}

    def _forwarded(self) -> set[tuple[str, str]]:
        """(store, target) pairs of ``forwarding`` that pass on some record."""
        rec = np.arange(self.source.n_records)
        version = np.zeros(rec.size, dtype=np.int64)
        pairs: set[tuple[str, str]] = set()
        for relay in self.forwarding():
            passes = np.asarray(relay.passes(rec, version))
            for i, target in enumerate(relay.targets):
                if passes[:, i].any():
                    pairs.add((relay.source.name, target.name))
        return pairs

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

    def answered(self, n_asked: np.ndarray, n_answered: np.ndarray) -> np.ndarray:
        """Which searches count as answered at all, from how many systems each asked and how
        many answered by the deadline: by default at least one. Each system an architecture
        here asks gives an answer of its own: the hub or one of the officer's platforms
        (centralized, hybrid, fragmented), any other national node (a broadcast), the issuer
        (issuer routing asks it alone), the index (the owner it names is asked only once the
        index has answered)."""
        return (n_answered >= 1) & (n_asked >= 1)

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
        self.queries.ask(store.name, qid)

    def _send(
        self, link: str, store: Store, rows: np.ndarray, t: np.ndarray, by_hand: bool = False
    ) -> None:
        """Send change rows over ``link`` to ``store``: automatically (an interface between
        each owner's national system and the store), or ``by_hand`` (keyed by NCB staff)."""
        if rows.size:
            src = self.source
            rec = src.change_rec[rows]
            if not by_hand:
                owners = np.unique(src.owner[rec])
                self._feeds |= {(self.world.codes[o], store.name) for o in owners}
            arrival = self.links[link].carry_changes(t, src.kind[rec])
            store.receive_changes(rec, src.change_version[rows], arrival)

    def _shared(self, idx: np.ndarray) -> np.ndarray:
        """Mask of changes whose record may leave its country."""
        return self.source.sharing[self.source.change_rec[idx]] != NATIONAL

    def _drop(self, reason: str, n: int) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + int(n)
