"""Routes compiled against one run's records: which changes each carries, and the relays
that pass on at once what a store applies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.engine.links import Link
from sim.engine.network import Relay
from sim.engine.store import Store
from sim.records import SourceRecords
from sim.topology import Route, kind_mask, scope_mask


@dataclass(frozen=True)
class Compiled:
    """A route with its masks over owners, kinds and sharing values."""

    route: Route
    owners: np.ndarray
    kinds: np.ndarray
    scopes: np.ndarray

    @classmethod
    def of(cls, route: Route, kind_names: tuple[str, ...]) -> Compiled:
        return cls(
            route, route.owners, kind_mask(route.kinds, kind_names), scope_mask(route.scopes)
        )

    def carries(self, source: SourceRecords, rec: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether the route carries changes of records ``rec`` leaving at ``t``: read from the
        source as it is now (behaviour may have narrowed a record's sharing)."""
        route = self.route
        mask = (
            self.owners[source.owner[rec]]
            & self.kinds[source.kind[rec]]
            & self.scopes[source.sharing[rec]]
        )
        if route.start_day > 0 or np.isfinite(route.end_day):
            mask &= (t >= route.start_day) & (t < route.end_day)
        return mask

    def lifecycle(self, source: SourceRecords, idx: np.ndarray) -> np.ndarray:
        """Of the changes ``idx``, those a pointer follows: creation, review extensions,
        deletion (without the extensions, the target's own retention would drop a live
        record's pointer at its first review date)."""
        rec, version = source.change_rec[idx], source.change_version[idx]
        return (version == 0) | source.change_review[idx] | source.is_deletion(rec, version)


def push_relays(
    routes: list[Compiled],
    source: SourceRecords,
    stores: Mapping[str, Store],
    links: Mapping[str, Link],
) -> list[Relay]:
    """One relay per store that passes changes on at once, its targets in the order of the
    routes (what ``sim.engine.network`` serves in FIFO order across the stores)."""
    by_via: dict[str, list[Compiled]] = {}
    for c in routes:
        assert c.route.via is not None
        by_via.setdefault(c.route.via, []).append(c)
    relays = []
    for via, rows in by_via.items():

        def passes(rec, version, t, rows=rows):
            return np.column_stack([c.carries(source, rec, t) for c in rows])

        relays.append(
            Relay(
                stores[via],
                tuple(stores[c.route.target] for c in rows),
                tuple(links[c.route.profile.link] for c in rows),
                passes,
                source.kind,
            )
        )
    return relays
