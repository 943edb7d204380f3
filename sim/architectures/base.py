"""What every architecture says: its plan (who sends what where, who asks whom; see
``sim.topology``), and the dynamic parts no row can state.

An architecture is first a plan, produced once per run from the world and its settings
(``Strategy.plan``, a class method: it is known before any record is drawn). The engine
executes the plan (``sim.routing.Network``) and the metrics read it, so a strategy that only
states rows needs no other code: centralized, hybrid and fragmented are rows. What is genuinely
dynamic stays a hook here, overriding the default that executes the plan: whom a search asks
when the owners answer (a broadcast, the issuer, an index's second leg), a cache filled on
read. A strategy sees only its ``Context``, never the model; adding an architecture means one
file, one line in the registry and its schema class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from sim.config.schema import ArchitectureBase, Queries, Reluctance, Scenario, Stores
from sim.engine.links import Link
from sim.engine.store import Store
from sim.records import SourceRecords
from sim.rng import Streams
from sim.routing import Network, QueryBook
from sim.routing.subjects import Subjects
from sim.topology import HUB, OWNERS, OwnerAnswers, Topology, short_name
from sim.world import WorldIndex


@dataclass(frozen=True)
class Context:
    """Everything a strategy may use, and nothing of the model."""

    world: WorldIndex
    source: SourceRecords
    """The records as their owners have acted so far (with behaviour on, a read-only window
    on the behaviour's overlay: withheld records read as regional or national)."""
    plan: Topology
    network: Network
    """The plan at work: its stores, links and routes."""
    links: Mapping[str, Link]
    stores: Mapping[str, Store]
    """The hub and the platforms, by store name (``hub``, ``platform.SIS``)."""
    nodes: list[Store]
    """The NCBs' national nodes, in the order of the countries."""
    streams: Streams
    queries: QueryBook
    subjects: Subjects
    """Per search, its subject record (-1: none), drawn the first time it is called: for an
    architecture that needs to know whom a search is about (a cache keyed by subject)."""
    store_spec: Stores
    """Servers and service times of each kind of store."""
    query_spec: Queries
    n_days: int
    """Days the model steps through: change rows of day d are routed on day d."""
    scenario: Scenario
    """The scenario as validated (what a plan is made from)."""
    name: str = ""
    """The part of a composite plan this context is for (``mix0``, ``stage1/mix0``; see
    ``Route.part``), named in its random streams so that two parts of one kind draw apart;
    empty for a whole architecture."""

    def stream(self, name: str) -> np.random.Generator:
        """The random stream ``name`` of this architecture (of this part of a mix)."""
        return self.streams.get(name if not self.name else f"{name}.{self.name}")


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


NODES = "nodes"
"""The channel of searches the owners answer: their national nodes."""


@dataclass(frozen=True)
class Setting:
    """A named setting of an architecture, as the demo, the explorer and the tests offer it:
    every list of architectures is read from the registry's settings, so a new architecture
    is demoed, explorable, sized and tested without touching them."""

    label: str
    """How tables and pages name it (``hybrid push``)."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The ``architecture`` mapping without its ``kind``."""
    demo: bool = False
    """A column of ``pdsa demo``, ticked when the explorer opens."""
    exercise: Mapping[str, Any] = field(default_factory=dict)
    """Settings the invariant tests add to exercise what the architecture can do (entry
    probabilities below 1, a batch of a few days...), beyond its defaults."""


class Strategy(ABC):
    """Base of the architectures: executes the plan; subclasses add the dynamic parts."""

    kind: ClassVar[str]
    settings: ClassVar[tuple[Setting, ...]] = ()
    """Its named settings, in the order lists show them."""

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        self.spec = spec
        self.context = context
        self.world = context.world
        self.source = context.source
        self.plan = context.plan
        self.network = context.network
        self.links = context.links
        self.stores = context.stores
        self.nodes = context.nodes
        self.queries = context.queries

    @classmethod
    @abstractmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        """The rows of this architecture in ``world``, from its settings and the scenario's
        (link profiles, the kinds of records and searches)."""

    # --- what the model calls ------------------------------------------------------------------

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        """Send the source changes ``idx`` (rows of the change table), leaving at ``t_send``."""
        self.network.send(idx, t_send)

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Send searches ``qid`` (their queriers, when they leave) to the stores their
        consults name, then as ``ask_owners`` says."""
        self.network.ask(qid, querier, t)
        self.ask_owners(qid, querier, t)

    def ask_owners(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:  # noqa: B027
        """Whom the searches its owners answer ask (the architecture's own: none here)."""

    def settle(self, now: float) -> None:
        """Serve everything that arrives before ``now``, relayed changes included, each in its
        FIFO place, after ``before_serving``."""
        self.before_serving(now)
        self.network.settle(now)

    def before_serving(self, now: float) -> None:  # noqa: B027
        """What the architecture does before the stores serve up to ``now`` (none here)."""

    # --- what the behaviour asks ---------------------------------------------------------------

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        """How much less an NCB shares here than through federated queries (data
        sovereignty): none by default."""
        return 0.0

    def label(self) -> str:
        return self.spec.label()


def channels(plan: Topology, world: WorldIndex, stores: Mapping[str, Store]) -> list[Channel]:
    """The channels an NCB queries, from the plan's consults: each store consulted (the hub
    first, then the platforms in the world's order), then the owners' nodes if searches ask
    them (reached through the gates their reading names)."""
    consulted: dict[str, np.ndarray] = {}
    gates: list[Store] = []
    for consult in plan.consults:
        mask = consulted.setdefault(consult.target, np.zeros(world.n_countries, dtype=bool))
        mask |= consult.queriers
        reading = consult.reading
        if isinstance(reading, OwnerAnswers) and reading.gate is not None:
            gates.append(stores[reading.gate])
    out = [
        Channel(short_name(name), consulted[name], store)
        for name, store in stores.items()
        if name in consulted and consulted[name].any()
    ]
    out.sort(key=lambda c: c.name != HUB)
    if OWNERS in consulted and consulted[OWNERS].any():
        out.append(Channel(NODES, consulted[OWNERS], None, tuple(dict.fromkeys(gates))))
    return out
