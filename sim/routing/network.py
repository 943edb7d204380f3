"""One run's plan at work: the changes of a day sent along their routes, the stores served up
to a settle point with what their relays pass on, the batch syncs, the searches to stores."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from sim.engine.links import Link
from sim.engine.network import Relay, serve_until
from sim.engine.store import Store
from sim.records import SourceRecords
from sim.rng import Streams
from sim.routing.batches import Batches
from sim.routing.keying import Keying
from sim.routing.routes import Compiled, push_relays
from sim.routing.searches import QueryBook, Searches
from sim.routing.transfers import Transfers, version_at
from sim.topology import OWNERS, Topology


class Network:
    """The stores, links and routes of one run, executing its plan."""

    def __init__(
        self,
        plan: Topology,
        source: SourceRecords,
        stores: Mapping[str, Store],
        nodes: list[Store],
        links: Mapping[str, Link],
        streams: Streams,
        book: QueryBook,
        n_countries: int,
    ) -> None:
        """``source``: the records as their owners act on them (with behaviour on, its
        overlay's window); ``stores``: the hub and the platforms by store name."""
        self.plan = plan
        self.source = source
        self.stores = stores
        self.nodes = nodes
        self.links = links
        kinds = source.kind_names
        compiled = [Compiled.of(r, kinds) for r in plan.routes]
        self.direct = [c for c in compiled if c.route.via is None]
        relayed = [c for c in compiled if c.route.via is not None and not c.route.pulled]
        self.relays: list[Relay] = push_relays(
            [c for c in relayed if c.route.every_days is None],
            source,
            stores,
            links,
        )
        self.batches = Batches(
            [c for c in relayed if c.route.every_days is not None], source, stores, links
        )
        manual = [c.route.target for c in self.direct if c.route.profile.manual is not None]
        self.keying = {store: Keying(store, source, streams) for store in dict.fromkeys(manual)}
        self.searches = Searches(plan, book, stores, links, kinds, n_countries)
        self.dropped: dict[str, int] = {}
        self.served = self._served_stores()

    def _served_stores(self) -> list[Store]:
        """The stores a settle serves: the platforms and the hub the plan names, and the
        national nodes if searches ask the owners (they queue when the nodes have servers)."""
        named = set(self.plan.targets()) | set(self.plan.caches()) | set(self.plan.gates())
        named |= {r.via for r in self.plan.routes if r.via is not None}
        named |= {c.target for c in self.plan.consults if c.target != OWNERS}
        # Platforms before the hub: a pass serves them first, so that what they pass on reaches
        # the hub in the same pass (the order of each store's service-time draws).
        ordered = sorted(self.stores.items(), key=lambda item: item[1].kind == "hub")
        stores = [store for name, store in ordered if name in named]
        if any(c.target == OWNERS for c in self.plan.consults):
            stores += self.nodes
        return stores

    # --- changes ---------------------------------------------------------------------------------

    def send(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        """Send the source changes ``idx`` (rows of the change table), leaving their NCBs at
        ``t_send``, along every route from the owners that carries them."""
        src = self.source
        rec = src.change_rec[idx]
        for compiled in self.direct:
            route = compiled.route
            carried = compiled.carries(src, rec, t_send)
            if route.pointers:
                carried &= compiled.lifecycle(src, idx)
            rows = np.flatnonzero(carried)
            t = t_send[rows]
            manual = route.profile.manual
            if manual is not None:
                rows, t = self._keyed(route.target, idx, rows, t_send, manual)
            self.deliver(route.target, route.profile.link, idx[rows], t)

    def _keyed(self, store: str, idx, rows, t_send, manual) -> tuple[np.ndarray, np.ndarray]:
        """Of the changes ``idx[rows]`` meant for ``store``, those keyed into it, and when they
        leave (after the keying delay); the others dropped with their reason counted."""
        entered, keyed = self.keying[store].keyed(idx[rows], manual)
        kind = self.stores[store].kind
        self.drop(f"not_entered_{kind}", int((~entered).sum()))
        self.drop(f"update_not_made_{kind}", int((entered & ~keyed).sum()))
        rows = rows[keyed]
        return rows, t_send[rows] + self.keying[store].delays(manual, rows.size)

    def deliver(self, store: str, link: str, idx: np.ndarray, t: np.ndarray) -> None:
        """Send the change rows ``idx`` over ``link`` to ``store``, leaving at ``t``."""
        if idx.size:
            src = self.source
            rec = src.change_rec[idx]
            arrival = self.links[link].carry_changes(t, src.kind[rec])
            self.stores[store].receive_changes(rec, src.change_version[idx], arrival)

    def pass_on(
        self, store: str, link: str, rec: np.ndarray, version: np.ndarray, t: np.ndarray
    ) -> None:
        """Changes (record ids, versions) another store or an owner passes on to ``store``
        over ``link``, leaving at ``t``: what an architecture's own code sends (a pull, a cache
        fill), counted on the link like every other change."""
        if rec.size:
            arrival = self.links[link].carry_changes(t, self.source.kind[rec])
            self.stores[store].receive_changes(rec, version, arrival)

    def transfer(
        self, transfers: Transfers, day_end: float, settle: Callable[[float], None]
    ) -> None:
        """Send the bulk handovers and corrections of a road map that leave before
        ``day_end``, each in the version its record has when it leaves (a ghost's correction:
        its deletion); ``settle(day)`` serves the stores before a wave is worked out."""
        src = self.source
        for store, link, rec, t, deletion in transfers.due(day_end, settle):
            version = np.where(deletion, src.last_version[rec], version_at(src, rec, t))
            self.pass_on(store, link, rec, version, t)

    def drop(self, reason: str, n: int) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change ``idx`` is keyed into by hand (staff work), on one footing for
        every architecture: the national entry, once per change of every record whatever its
        scope (the same everywhere); an automated route (a message over a link, a store's
        synchronisation, an index fed by the national system) costs no keying; each system a
        route keys by hand enters the change into counts once more (today's manual multiple
        entry). Had the change left when it happened."""
        src = self.source
        rec, t = src.change_rec[idx], src.change_time[idx]
        count = np.ones(idx.size, dtype=np.int64)
        for compiled in self.direct:
            manual = compiled.route.profile.manual
            if manual is None:
                continue
            rows = np.flatnonzero(compiled.carries(src, rec, t))
            _, keyed = self.keying[compiled.route.target].keyed(idx[rows], manual)
            np.add.at(count, rows[keyed], 1)
        return count

    def never_keyed(self, store: str) -> np.ndarray | None:
        """Per record, never keyed into ``store`` by hand (None: nothing is keyed there)."""
        keying = self.keying.get(store)
        if keying is None:
            return None
        src = self.source
        never = np.zeros(src.n_records, dtype=bool)
        everyone = np.arange(src.n_records)
        for compiled in self.direct:
            route = compiled.route
            if route.target == store and route.profile.manual is not None:
                mine = compiled.carries(src, everyone, src.created)
                never[mine] = ~keying.entered(everyone[mine], route.profile.manual)
        return never

    # --- time ------------------------------------------------------------------------------------

    def settle(self, now: float) -> None:
        """Serve everything that arrives before ``now``, relayed changes included, each in its
        FIFO place."""
        serve_until(self.served, self.relays, now)

    def sync(self, interval: float, now: float) -> None:
        self.batches.sync(interval, now)

    def held(self) -> int:
        """Changes held back for a later sync."""
        return self.batches.n_held()

    # --- searches --------------------------------------------------------------------------------

    def ask(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        self.searches.ask(qid, querier, t)
