"""Routes passed on in batches: what a relaying store applies is held until the next sync of
its route's interval, then sent all at once."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.engine.links import Link
from sim.engine.store import Applied, Store
from sim.records import SourceRecords
from sim.routing.routes import Compiled

Held = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


class Batches:
    """The batch routes of a plan, each with what it holds for its next sync."""

    def __init__(
        self,
        routes: list[Compiled],
        source: SourceRecords,
        stores: Mapping[str, Store],
        links: Mapping[str, Link],
    ) -> None:
        self.routes = routes
        self.source = source
        self.stores = stores
        self.links = links
        self.held: list[Held] = [[] for _ in routes]
        for i, c in enumerate(routes):
            assert c.route.via is not None
            stores[c.route.via].listeners.append(self._holder(i))

    def _holder(self, i: int) -> Applied:
        compiled, held = self.routes[i], self.held[i]

        def applied(rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
            mine = compiled.carries(self.source, rec, t)
            if mine.any():
                held.append((rec[mine], version[mine], t[mine]))

        return applied

    def sync(self, interval: float, now: float) -> None:
        """The routes of ``interval``, relaying store after relaying store in the plan's order:
        each serves what arrived up to ``now``, then sends what it holds. Stores that relay
        what others sent them in the same sync (a hub passing platforms' changes on) come
        after those others in the plan, so that a change can cross both in one sync."""
        mine = [i for i, c in enumerate(self.routes) if c.route.every_days == interval]
        for via in dict.fromkeys(self.routes[i].route.via for i in mine):
            assert via is not None
            self.stores[via].process_until(now, inclusive=True)
            for i in mine:
                if self.routes[i].route.via == via:
                    self._flush(i, now)

    def _flush(self, i: int, now: float) -> None:
        held = self.held[i]
        if not held:
            return
        route = self.routes[i].route
        rec, version, t = (np.concatenate(parts) for parts in zip(*held, strict=True))
        due = t <= now
        held.clear()
        if (~due).any():
            held.append((rec[~due], version[~due], t[~due]))
        if due.any():
            send = np.full(int(due.sum()), now)
            link = self.links[route.profile.link]
            carried = link.carry_changes(send, self.source.kind[rec[due]])
            self.stores[route.target].receive_changes(rec[due], version[due], carried)

    def n_held(self) -> int:
        """Changes held for a later sync."""
        return sum(part[0].size for held in self.held for part in held)
