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
from sim.config.schema import ArchitectureBase, Reluctance, Scenario, StoreSpec
from sim.config.schema import Federated as FederatedSpec
from sim.engine.dists import SECONDS
from sim.engine.fanout import DownWindows, RoundTrips, broadcast_outcomes
from sim.engine.links import Link
from sim.engine.store import Store
from sim.settings import Resolved, grouped, routes_split
from sim.topology import (
    HUB,
    OWNERS,
    SHAREABLE,
    Consult,
    OwnerAnswers,
    Profile,
    Topology,
    everyone,
)
from sim.world import WorldIndex

CHUNK = 65536
"""Queries fanned out at once."""
TRIPS = 1 << 20
"""Draws standing for the distribution of a round trip to a national node (its quantiles to
one part in a million)."""


class Federated(Strategy):
    kind = "federated"
    settings = (
        Setting("federated broadcast", {"routing": "broadcast"}, demo=True),
        Setting("federated issuer", {"routing": "issuer"}, demo=True),
        Setting("federated index", {"routing": "index"}),
    )

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        """One consult per group of owners whose nodes are reached alike (their link and
        their node's capacity), so that each group's answers are weighed by their own chance
        of beating the deadline; with an index, also per group of queriers reaching it alike."""
        assert isinstance(spec, FederatedSpec)
        resolved = Resolved(scenario, world)

        def node(o: int) -> tuple[Profile, StoreSpec]:
            return resolved.profile("ncb_to_ncb", o), resolved.node_store(o)

        groups = grouped(everyone(world), node)
        owner_groups = [(None if len(groups) == 1 else mask, key[0]) for mask, key in groups]
        if spec.routing == "index":

            def to_hub(c: int) -> Profile:
                return resolved.profile("ncb_to_hub", c)

            routes = routes_split(HUB, everyone(world), SHAREABLE, to_hub, pointers=True)
            consults = tuple(
                Consult(OWNERS, queriers, profile, index_first(gate), owners=owners)
                for queriers, gate in grouped(everyone(world), to_hub)
                for owners, profile in owner_groups
            )
            return Topology(routes, consults)
        issued = issuer_kinds(scenario) if spec.routing == "issuer" else ()
        others = tuple(k.name for k in scenario.records.kind_specs() if k.name not in issued)
        rows: list[Consult] = []
        for owners, profile in owner_groups:
            if issued:
                rows.append(
                    Consult(
                        OWNERS, everyone(world), profile, OwnerAnswers(ask="issuer"), issued, owners
                    )
                )
            rows.append(
                Consult(
                    OWNERS,
                    everyone(world),
                    profile,
                    OwnerAnswers(),
                    others if issued else None,
                    owners,
                )
            )
        return Topology(consults=tuple(rows))

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        self.deadline = spec.query_deadline_seconds * SECONDS
        self.owner_rows = [c for c in self.plan.consults if c.target == OWNERS]
        """Its consults of the owners (in a composite plan, of its own part)."""
        self.link_of = self._node_links()
        """Per owner, the link a search to its node travels over."""
        gates = self.plan.gates()
        self.gate: Store | None = self.stores[gates[0]] if gates else None
        """The pointer index searches ask first, if any."""
        self.direct_fanout = all(node.pool.servers is None for node in self.nodes)
        self.rng = context.stream("federated.queries")
        self.hit_fraction = context.query_spec.hit_fraction
        self._hit_owner = np.full(context.queries.n_queries, -1, dtype=np.int64)
        self._hub_answers_seen = 0
        self._down: dict[int, DownWindows] = {}
        self._trips: dict[int, RoundTrips] = {}
        self._service_kind = service_kinds(self.nodes)
        """Per node, a number its kind of node's service times share (same distribution)."""
        self._all_down: DownWindows | None = None

    def _nodes_down(self) -> DownWindows:
        """Every national node's down windows, gathered once."""
        if self._all_down is None:
            self._all_down = DownWindows([node.availability for node in self.nodes])
        return self._all_down

    def _node_links(self) -> list[Link]:
        """The link of each owner's node, from the consult rows that name its records."""
        default = self.links["ncb_to_ncb"]
        out = [default] * self.world.n_countries
        for consult in self.owner_rows:
            owners = consult.owners
            for o in range(self.world.n_countries) if owners is None else np.flatnonzero(owners):
                out[o] = self.links[consult.profile.link]
        return out

    # --- queries -------------------------------------------------------------------------------

    def ask_owners(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        """Row by row, whom the searches the owners answer ask: the index first (once per
        search), the issuer, or every other node of the row's owners."""
        asking = self.network.searches
        indexed = np.zeros(qid.size, dtype=bool)
        for consult in self.owner_rows:
            reading = consult.reading
            assert isinstance(reading, OwnerAnswers)
            sel = asking.holds(consult, consult.queriers[querier], qid, t)
            if reading.gate is not None:
                sel &= ~indexed
                indexed |= sel
                self._ask_index(reading, qid[sel], querier[sel], t[sel])
            elif reading.ask == "issuer":
                self._ask_issuers(consult, qid[sel], querier[sel], t[sel])
            else:
                self._broadcast_all(consult, qid[sel], querier[sel], t[sel])

    def _ask_index(
        self, reading: OwnerAnswers, qid: np.ndarray, querier: np.ndarray, t: np.ndarray
    ) -> None:
        """The index answers first; a hit names the owner asked once it has (``settle``)."""
        assert reading.gate is not None and reading.gate_profile is not None
        self.network.searches.ask_store(reading.gate, reading.gate_profile.link, qid, t)
        hit = self.rng.random(qid.size) < self.hit_fraction
        self._hit_owner[qid[hit]] = self._random_other_owner(querier[hit])

    def _broadcast_all(
        self, row: Consult, qid: np.ndarray, querier: np.ndarray, t: np.ndarray
    ) -> None:
        """Every other node of the row's owners is asked: computed at once with no queueing
        at the nodes, or through the nodes' queues when they have servers."""
        nodes = self._row_nodes(row)
        if self.direct_fanout:
            for start in range(0, qid.size, CHUNK):
                part = slice(start, start + CHUNK)
                self._broadcast(row, nodes, qid[part], querier[part], t[part])
        else:
            for j in nodes:
                others = querier != j
                self._ask_queue(int(j), qid[others], t[others])

    def _row_nodes(self, row: Consult) -> np.ndarray:
        owners = row.owners
        return np.arange(self.world.n_countries) if owners is None else np.flatnonzero(owners)

    def _broadcast(
        self, row: Consult, nodes: np.ndarray, qid: np.ndarray, querier: np.ndarray, t: np.ndarray
    ) -> None:
        """Fan-out to every other node of ``nodes`` with no queueing: each node answers unless
        it is down when the query reaches it, and the answers back within the deadline count
        (drawn from what they depend on: ``sim.engine.fanout.broadcast_outcomes``)."""
        m = nodes.size
        link = self.links[row.profile.link]
        position = np.full(self.world.n_countries, -1, dtype=np.int64)
        position[nodes] = np.arange(m)
        among = position[querier]  # the querier's own node, if it is one of them: not asked
        fanout = m - (among >= 0)
        if (among >= 0).all():
            link.count_broadcast(t, m - 1)
        else:
            for f in np.unique(fanout):
                link.count_broadcast(t[fanout == f], int(f))
        down, trips = self._fanout(row, nodes)

        def exact(search: np.ndarray, node: np.ndarray, at: np.ndarray) -> tuple:  # noqa: ANN401
            """One by one, the nodes going down or up while a search waits for them."""
            out, back = link.query_delays(search.size), link.query_delays(search.size)
            trip = out + self._node_service(int(nodes[0]), search.size) + back
            in_time = down.nodes_up(node, at + out) & (trip <= self.deadline)
            return in_time, at + trip

        answered, last = broadcast_outcomes(t, among, down, trips, self.rng, exact)
        self.queries.broadcast(qid, fanout, answered, last, row.owners)

    def _fanout(self, row: Consult, nodes: np.ndarray) -> tuple[DownWindows, RoundTrips]:
        """The row's nodes' down windows (drawn before the run starts) and the distribution of
        a round trip to one of them (a large sample of its own stream), computed once."""
        key = id(row)
        if key not in self._down:
            link = self.links[row.profile.link]
            rng = self.context.stream(f"federated.round_trips.{row.profile.link}")
            service = self.nodes[int(nodes[0])].service
            sample = link.query_delay.draw(rng, TRIPS) + link.query_delay.draw(rng, TRIPS)
            if not service.is_zero:
                sample = sample + service.draw(rng, TRIPS)
            self._down[key] = DownWindows([self.nodes[j].availability for j in nodes])
            self._trips[key] = RoundTrips(sample, self.deadline)
        return self._down[key], self._trips[key]

    def _ask_issuers(
        self, consult: Consult, qid: np.ndarray, querier: np.ndarray, t: np.ndarray
    ) -> None:
        """Each search asks the node of the country that issued its subject (if the row holds
        for that country's records); a country's own documents and vehicles are answered by
        its national system, with no message."""
        issuer = self.queries.issuer[qid]
        if consult.owners is not None:
            mine = consult.owners[issuer]
            qid, querier, t, issuer = qid[mine], querier[mine], t[mine], issuer[mine]
        if self.direct_fanout and self._alike(issuer, querier):
            self._ask_issuers_at_once(qid, querier, t, issuer)
            return
        for j in np.unique(issuer):
            mine = issuer == j
            local = mine & (querier == j)
            remote = mine & ~local
            if local.any():
                self._ask_own_node(int(j), qid[local], t[local])
            if remote.any():
                self._ask_node(int(j), qid[remote], t[remote])

    def _round_trips(self, issuer: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Delays out and back of searches sent at ``t`` to the nodes ``issuer`` (grouped by
        issuer, one link), drawn as the loop over issuers draws them."""
        if issuer.size == 0:
            return t[:0], t[:0]
        sizes = np.diff(np.r_[run_starts(issuer), issuer.size])
        return self.link_of[int(issuer[0])].query_round_trips(t, sizes)

    def _alike(self, issuer: np.ndarray, querier: np.ndarray) -> bool:
        """Whether the issuers asked have one kind of node (service times) and the remote
        ones one link, so that their draws can be made at once (``_ask_issuers_at_once``)."""
        asked = np.unique(issuer)
        remote = np.unique(issuer[issuer != querier])
        services = {self._service_kind[j] for j in asked.tolist()}
        return len(services) <= 1 and len({id(self.link_of[j]) for j in remote.tolist()}) <= 1

    def _ask_issuers_at_once(
        self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray, issuer: np.ndarray
    ) -> None:
        """``_ask_issuers`` without the loop over issuers, for nodes with no queue: the
        searches taken issuer by issuer, its own country's first, as the loop asks them, so
        that one draw of each stream gives each search the values the loop gave it (numpy's
        generators draw the same values at once as in pieces)."""
        if qid.size == 0:
            return
        remote = querier != issuer
        order = np.lexsort((remote, issuer))
        qid, t, issuer, remote = qid[order], t[order], issuer[order], remote[order]
        starts = run_starts(issuer)
        # Services at the nodes, in the loop's order: own country's, then the others'.
        service = self._node_service(int(issuer[0]), issuer.size)
        away = np.flatnonzero(remote)
        out, back = self._round_trips(issuer[away], t[away])
        done = t.copy()
        done[away] += out  # the arrival at the issuer's node
        up = self._nodes_down().nodes_up(issuer[away], done[away])
        done += service
        done[away] += back
        done[away] = np.where(up, done[away], np.inf)
        names = [self.nodes[int(issuer[s])].name for s in starts.tolist()]
        self.queries.ask_each(names, np.split(qid, starts[1:]))
        self.queries.answers(qid, done)

    def _ask_own_node(self, j: int, qid: np.ndarray, t: np.ndarray) -> None:
        """The querier's own node answers (it is up: the search was sent)."""
        node = self.nodes[j]
        if self.direct_fanout:
            self.queries.direct(node.name, qid, t + self._node_service(j, qid.size))
        else:
            node.receive_queries(qid, t, np.zeros(qid.size))
            self.queries.ask(node.name, qid)

    def _ask_node(self, j: int, qid: np.ndarray, t: np.ndarray) -> None:
        """One round trip to node ``j``: it answers unless it is down when the query arrives."""
        node = self.nodes[j]
        if not self.direct_fanout:
            self._ask_queue(j, qid, t)
            return
        out, back = self.link_of[j].query_round_trip(t)
        arrival = t + out
        done = arrival + self._node_service(j, qid.size) + back
        self.queries.direct(
            node.name, qid, np.where(node.availability.is_up(arrival), done, np.inf)
        )

    def _node_service(self, j: int, n: int) -> np.ndarray:
        """Service times at node ``j``'s kind of node (``stores.ncb`` as resolved for it)."""
        service = self.nodes[j].service
        if service.is_zero:
            return np.zeros(n)
        return service.draw(self.rng, n)

    def _random_other_owner(self, querier: np.ndarray) -> np.ndarray:
        """The owner an index hit points to: another country, uniformly."""
        m = self.world.n_countries
        if m < 2:
            return np.full(querier.size, -1)
        return (querier + self.rng.integers(1, m, size=querier.size)) % m

    def _ask_queue(self, j: int, qid: np.ndarray, t: np.ndarray) -> None:
        """Searches join national node ``j``'s queue (nodes with servers), over its link."""
        node = self.nodes[j]
        out, back = self.link_of[j].query_round_trip(t)
        node.receive_queries(qid, t + out, back)
        self.queries.ask(node.name, qid)

    def before_serving(self, now: float) -> None:
        """The index first: its answers before ``now`` send the owners the queries that reach
        them before ``now``, which join the owners' queues before those serve (FIFO)."""
        if self.gate is not None:
            self.gate.process_until(now)
            self._second_leg(now)

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
            self._ask_queue(int(j), qid[mine], t[mine])

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


def service_kinds(nodes: list[Store]) -> list[int]:
    """Per node, the position of its service time distribution among the distinct ones."""
    kinds: list[tuple[object, float]] = []
    out = []
    for node in nodes:
        key = (node.service.dist, node.service.unit)
        if key not in kinds:
            kinds.append(key)
        out.append(kinds.index(key))
    return out


def run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts (``values`` not empty)."""
    return np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
