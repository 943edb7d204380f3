"""Federated: no copies. Data stays at the owner's national node and is fetched on demand.

``routing`` says whom a search asks. ``broadcast``: every other national node; every answer
back within ``query_deadline_seconds`` counts, and the nodes that stayed silent are known.
``issuer``: a search whose subject names its issuing country (``queries.kinds.<k>.names_issuer``:
a travel document, a vehicle) asks that country's node alone, or its own national system when
the country issued it itself; the other kinds are broadcast. ``index`` (formerly ``index:
true``): the hub keeps a pointer index (which NCB owns a record), fed like a centralized store
with creations, review extensions and deletions; a search asks the index and then only the
owner it names.

The plan states all of it (the pointer route, the consults of the owners and how each reads);
whom a search asks is this module's own code, as it depends on the moment: which nodes are up
when the search reaches them, what the index answered.
"""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Context, Setting, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Federated as FederatedSpec
from sim.engine.dists import SECONDS, Sampler
from sim.engine.fanout import DownWindows, broadcast_answers
from sim.engine.store import Store
from sim.topology import (
    HUB,
    OWNERS,
    SHAREABLE,
    Consult,
    OwnerAnswers,
    Profile,
    Route,
    Topology,
    everyone,
    link_profiles,
)
from sim.world import WorldIndex

CHUNK = 8192
"""Queries fanned out at once: bounds memory at CHUNK x countries draws."""


class Federated(Strategy):
    kind = "federated"
    settings = (
        Setting("federated broadcast", {"routing": "broadcast"}, demo=True),
        Setting("federated issuer", {"routing": "issuer"}, demo=True),
        Setting("federated index", {"routing": "index"}),
    )

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        assert isinstance(spec, FederatedSpec)
        profiles = link_profiles(scenario)
        nodes, to_hub = profiles["ncb_to_ncb"], profiles["ncb_to_hub"]
        if spec.routing == "index":
            return Topology(
                routes=(Route(HUB, everyone(world), SHAREABLE, to_hub, pointers=True),),
                consults=(Consult(OWNERS, everyone(world), nodes, index_first(to_hub)),),
            )
        broadcast = Consult(OWNERS, everyone(world), nodes, OwnerAnswers())
        issued = issuer_kinds(scenario) if spec.routing == "issuer" else ()
        if not issued:
            return Topology(consults=(broadcast,))
        others = tuple(k.name for k in scenario.records.kind_specs() if k.name not in issued)
        return Topology(
            consults=(
                Consult(OWNERS, everyone(world), nodes, OwnerAnswers(ask="issuer"), kinds=issued),
                Consult(OWNERS, everyone(world), nodes, OwnerAnswers(), kinds=others),
            )
        )

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        self.deadline = spec.query_deadline_seconds * SECONDS
        stores = context.store_spec
        self.node_service = Sampler(stores.ncb.service_seconds, SECONDS)
        owners = [c for c in self.plan.consults if c.target == OWNERS]
        self.node_link = self.links[owners[0].profile.link if owners else "ncb_to_ncb"]
        """The link searches to the owners' nodes travel over."""
        gates = self.plan.gates()
        self.gate: Store | None = self.stores[gates[0]] if gates else None
        """The pointer index searches ask first, if any."""
        self.direct_fanout = stores.ncb.servers is None
        self.rng = context.streams.get("federated.queries")
        self.hit_fraction = context.query_spec.hit_fraction
        self._hit_owner = np.full(context.queries.n_queries, -1, dtype=np.int64)
        self._hub_answers_seen = 0
        self._down: DownWindows | None = None

    # --- queries -------------------------------------------------------------------------------

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Searches to stores as the plan says; then, row by row, whom the searches the owners
        answer ask: the index first, the issuer, or every other node."""
        super().route_queries(qid, querier, t)
        asking = self.network.searches
        for i, consult in enumerate(self.plan.consults):
            reading = consult.reading
            if consult.target != OWNERS or not isinstance(reading, OwnerAnswers):
                continue
            sel = asking.holds(i, consult.queriers[querier], qid, t)
            if reading.gate is not None:
                self._ask_index(reading, qid[sel], querier[sel], t[sel])
            elif reading.ask == "issuer":
                self._ask_issuers(qid[sel], querier[sel], t[sel])
            else:
                self._broadcast_all(qid[sel], querier[sel], t[sel])

    def _ask_index(
        self, reading: OwnerAnswers, qid: np.ndarray, querier: np.ndarray, t: np.ndarray
    ) -> None:
        """The index answers first; a hit names the owner asked once it has (``settle``)."""
        assert reading.gate is not None and reading.gate_profile is not None
        self.network.searches.ask_store(reading.gate, reading.gate_profile.link, qid, t)
        hit = self.rng.random(qid.size) < self.hit_fraction
        self._hit_owner[qid[hit]] = self._random_other_owner(querier[hit])

    def _broadcast_all(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Every other node is asked: computed at once with no queueing at the nodes, or
        through the nodes' queues when they have servers."""
        if self.direct_fanout:
            for start in range(0, qid.size, CHUNK):
                part = slice(start, start + CHUNK)
                self._broadcast(qid[part], querier[part], t[part])
        else:
            for j, node in enumerate(self.nodes):
                others = querier != j
                self._ask_queue(node, qid[others], t[others])

    def _broadcast(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Fan-out to every other node with no queueing: each node answers unless it is down
        when the query reaches it, and the answers back within the deadline count."""
        n, m = qid.size, len(self.nodes)
        link = self.node_link
        link.count_broadcast(t, m - 1)
        out = link.query_delays(n * m).reshape(n, m)
        back = link.query_delays(n * m).reshape(n, m)
        service = self._node_service(n * m).reshape(n, m)
        if self._down is None:  # the nodes' outages are drawn before the run starts
            self._down = DownWindows([node.availability for node in self.nodes])
        answered, last = broadcast_answers(
            t, querier, out, back, service, self._down, self.deadline
        )
        self.queries.broadcast(qid, m - 1, answered, last)

    def _ask_issuers(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Each search asks the node of the country that issued its subject; a country's
        own documents and vehicles are answered by its national system, with no message."""
        issuer = self.queries.issuer[qid]
        for j in np.unique(issuer):
            mine = issuer == j
            local = mine & (querier == j)
            remote = mine & ~local
            if local.any():
                self._ask_own_node(j, qid[local], t[local])
            if remote.any():
                self._ask_node(j, qid[remote], t[remote])

    def _ask_own_node(self, j: int, qid: np.ndarray, t: np.ndarray) -> None:
        """The querier's own node answers (it is up: the search was sent)."""
        node = self.nodes[j]
        if self.direct_fanout:
            self.queries.direct(node.name, qid, t + self._node_service(qid.size))
        else:
            node.receive_queries(qid, t, np.zeros(qid.size))
            self.queries.ask(node.name, qid)

    def _ask_node(self, j: int, qid: np.ndarray, t: np.ndarray) -> None:
        """One round trip to node ``j``: it answers unless it is down when the query arrives."""
        node = self.nodes[j]
        if not self.direct_fanout:
            self._ask_queue(node, qid, t)
            return
        out, back = self.node_link.query_round_trip(t)
        arrival = t + out
        done = arrival + self._node_service(qid.size) + back
        self.queries.direct(
            node.name, qid, np.where(node.availability.is_up(arrival), done, np.inf)
        )

    def _node_service(self, n: int) -> np.ndarray:
        if self.node_service.is_zero:
            return np.zeros(n)
        return self.node_service.draw(self.rng, n)

    def _random_other_owner(self, querier: np.ndarray) -> np.ndarray:
        """The owner an index hit points to: another country, uniformly."""
        m = self.world.n_countries
        if m < 2:
            return np.full(querier.size, -1)
        return (querier + self.rng.integers(1, m, size=querier.size)) % m

    def _ask_queue(self, node: Store, qid: np.ndarray, t: np.ndarray) -> None:
        """Searches join a national node's queue (nodes with servers), over the nodes' link."""
        out, back = self.node_link.query_round_trip(t)
        node.receive_queries(qid, t + out, back)
        self.queries.ask(node.name, qid)

    def settle(self, now: float) -> None:
        """The index first: its answers before ``now`` send the owners the queries that reach
        them before ``now``, which join the owners' queues before those serve (FIFO)."""
        if self.gate is not None:
            self.gate.process_until(now)
            self._second_leg(now)
        super().settle(now)

    def _second_leg(self, now: float) -> None:
        """Hits named by the index: ask the owner once the index has answered."""
        assert self.gate is not None
        qid, t = self.gate.answer_log()
        qid, t = qid[self._hub_answers_seen :], t[self._hub_answers_seen :]
        self._hub_answers_seen += qid.size
        owner = self._hit_owner[qid]
        hit = (owner >= 0) & np.isfinite(t)  # no index answer: the owner is never asked
        qid, t, owner = qid[hit], t[hit], owner[hit]
        if qid.size == 0:
            return
        for j in np.unique(owner):
            mine = owner == j
            self._ask_queue(self.nodes[j], qid[mine], t[mine])

    # --- what the behaviour asks -----------------------------------------------------------

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.federated


def issuer_kinds(scenario: Scenario) -> tuple[str, ...]:
    """Kinds whose searches name the issuing country (``queries.kinds.<k>.names_issuer``)."""
    given = scenario.queries.kinds
    kinds = [k.name for k in scenario.records.kind_specs()]
    return tuple(k for k in kinds if k in given and given[k].names_issuer)


def index_first(to_hub: Profile) -> OwnerAnswers:
    """Searches ask the hub's pointer index first, then the owner it names."""
    return OwnerAnswers(gate=HUB, gate_profile=to_hub)
