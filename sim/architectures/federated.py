"""Federated: no copies. Data stays at the owner's national node and is fetched on demand.

``routing`` says whom a search asks. ``broadcast``: every other national node; every answer
back within ``query_deadline_seconds`` counts, and the nodes that stayed silent are known.
``issuer``: a search whose subject names its issuing country (``queries.kinds.<k>.names_issuer``:
a travel document, a vehicle) asks that country's node alone, or its own national system when
the country issued it itself; the other kinds are broadcast. ``index`` (formerly ``index:
true``): the hub keeps a pointer index (which NCB owns a record), fed like a centralized store
with creations and deletions; a search asks the index and then only the owner it names.
"""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Channel, Context, Strategy
from sim.config.schema import Federated as FederatedSpec
from sim.config.schema import Reluctance
from sim.engine.dists import SECONDS, Sampler
from sim.engine.fanout import DownWindows, broadcast_answers
from sim.engine.store import Store
from sim.log import View
from sim.world import NATIONAL

CHUNK = 8192
"""Queries fanned out at once: bounds memory at CHUNK x countries draws."""


NODES = "nodes"
"""The channel of federated queries: the owners' national nodes."""


class Federated(Strategy):
    kind = "federated"
    reads = "owners"

    def __init__(self, context: Context, spec: FederatedSpec) -> None:
        super().__init__(context, spec)
        self.index = spec.routing == "index"
        self.by_issuer = spec.routing == "issuer"
        self.deadline = spec.query_deadline_seconds * SECONDS
        stores = context.store_spec
        self.node_service = Sampler(stores.ncb.service_seconds, SECONDS)
        self.hub_service = Sampler(stores.hub.service_seconds, SECONDS)
        self.direct_fanout = stores.ncb.servers is None
        self.rng = context.streams.get("federated.queries")
        self.hit_fraction = context.query_spec.hit_fraction
        self._hit_owner = np.full(context.queries.n_queries, -1, dtype=np.int64)
        self._hub_answers_seen = 0
        self._down: DownWindows | None = None

    # --- writes: only the pointer index, if any ---------------------------------------------------

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        if not self.index:
            return
        rec = self.source.change_rec[idx]
        version = self.source.change_version[idx]
        # The pointer follows the record's life: its creation, its review extensions (without
        # them the index's own retention would drop a live record's pointer at its first
        # review date) and its deletion.
        lifecycle = (version == 0) | self.source.change_review[idx]
        pointer = self._shared(idx) & (lifecycle | self.source.is_deletion(rec, version))
        self._send("ncb_to_hub", self.hub, idx[pointer], t_send[pointer])

    # --- queries -------------------------------------------------------------------------------

    def route_queries(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        if self.index:
            self._ask(self.hub, "ncb_to_hub", qid, t)
            hit = self.rng.random(qid.size) < self.hit_fraction
            self._hit_owner[qid[hit]] = self._random_other_owner(querier[hit])
            return
        to_issuer = self.queries.names_issuer[qid] if self.by_issuer else np.zeros(qid.size, bool)
        if to_issuer.any():
            self._ask_issuers(qid[to_issuer], querier[to_issuer], t[to_issuer])
        rest = ~to_issuer
        self._broadcast_all(qid[rest], querier[rest], t[rest])

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
                self._ask(node, "ncb_to_ncb", qid[others], t[others])

    def _broadcast(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Fan-out to every other node with no queueing: each node answers unless it is down
        when the query reaches it, and the answers back within the deadline count."""
        n, m = qid.size, len(self.nodes)
        link = self.links["ncb_to_ncb"]
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
            self._ask(node, "ncb_to_ncb", qid, t)
            return
        out, back = self.links["ncb_to_ncb"].query_round_trip(t)
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

    def settle(self, now: float) -> None:
        """The index first: its answers before ``now`` send the owners the queries that reach
        them before ``now``, which join the owners' queues before those serve (FIFO)."""
        if self.index:
            self.hub.process_until(now)
            self._second_leg(now)
        super().settle(now)

    def _second_leg(self, now: float) -> None:
        """Hits named by the index: ask the owner once the index has answered."""
        qid, t = self.hub.answer_log()
        qid, t = qid[self._hub_answers_seen :], t[self._hub_answers_seen :]
        self._hub_answers_seen += qid.size
        owner = self._hit_owner[qid]
        hit = (owner >= 0) & np.isfinite(t)  # no index answer: the owner is never asked
        qid, t, owner = qid[hit], t[hit], owner[hit]
        if qid.size == 0:
            return
        for j in np.unique(owner):
            mine = owner == j
            self._ask(self.nodes[j], "ncb_to_ncb", qid[mine], t[mine])

    def active_stores(self) -> list[Store]:
        return [self.hub, *self.nodes] if self.index or not self.direct_fanout else []

    # --- what the behaviour asks -----------------------------------------------------------

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.federated

    def channels(self) -> list[Channel]:
        """One channel, the owners' nodes, reached through the index (if any) at the hub."""
        everyone = np.ones(self.world.n_countries, dtype=bool)
        return [Channel(NODES, everyone, None, (self.hub,) if self.index else ())]

    # --- what the metrics read -------------------------------------------------------------

    def views(self) -> list[View]:
        stores = ("hub",) if self.index else ()
        return [View(np.arange(self.world.n_countries), stores)]

    def destined(self, store: str) -> np.ndarray:
        return self.source.sharing != NATIONAL

    def copy_stores(self) -> list[Store]:
        return []

    def answer_probability(self, n: int = 200_000) -> float:
        """P(an owner's answer is back within the deadline), from the link and store
        distributions (exact when they are fixed; otherwise ``n`` draws of a dedicated stream).

        The owner's answer is one round trip to its node under every routing: a broadcast
        uses each answer that arrives in time, issuer routing asks the owner alone (a
        document's or vehicle's owner is its issuer); with an index, the round trip to the
        index comes first."""
        rng = self.context.streams.get("metrics.deadline")
        link = self.links["ncb_to_ncb"].query_delay
        total = link.draw(rng, n) + link.draw(rng, n) + self.node_service.draw(rng, n)
        if self.index:
            hub = self.links["ncb_to_hub"].query_delay
            total += hub.draw(rng, n) + hub.draw(rng, n) + self.hub_service.draw(rng, n)
        return float(np.mean(total <= self.deadline))
