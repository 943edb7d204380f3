"""What every architecture says: where writes go and which stores a query consults.

A strategy owns no time loop: the model calls ``route_changes`` and ``route_queries`` once a
day with the day's batches, and ``settle`` when stores must serve what has arrived.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.engine.store import Store
from sim.world import NATIONAL

if TYPE_CHECKING:
    from sim.model import DataSharingModel


@dataclass(frozen=True)
class View:
    """The stores a group of queriers consult (``hub`` and platform names)."""

    queriers: np.ndarray
    stores: tuple[str, ...]


@dataclass
class QueryBook:
    """How many answers each query waits for, and answers computed outside any store."""

    n_targets: np.ndarray
    direct_qid: list[np.ndarray] = field(default_factory=list)
    direct_done: list[np.ndarray] = field(default_factory=list)

    def expect(self, qid: np.ndarray, n: int | np.ndarray) -> None:
        self.n_targets[qid] += n

    def direct(self, qid: np.ndarray, done: np.ndarray) -> None:
        """Answers (``inf``: no complete answer) computed by the strategy itself."""
        self.n_targets[qid] += 1
        self.direct_qid.append(qid)
        self.direct_done.append(done)


class Strategy(ABC):
    """Base of the four architectures."""

    kind: ClassVar[str]
    federated: ClassVar[bool] = False

    def __init__(self, model: DataSharingModel) -> None:
        self.model = model
        self.world = model.world
        self.source = model.source
        self.links = model.links
        self.hub: Store = model.hub.store
        self.platforms: list[Store] = [p.store for p in model.platforms]
        self.nodes: list[Store] = [n.node for n in model.ncbs]
        self.queries = QueryBook(np.zeros(model.n_queries, dtype=np.int64))
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

    def manual_entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change must be keyed into by hand (staff work): one by default, the
        single system the NCB writes to; none for records that never leave the country."""
        return self._shared(idx).astype(np.int64)

    def settle(self, now: float) -> None:
        """Serve everything that has arrived before ``now``, until no store has more."""
        stores = self.active_stores()
        for _ in range(100):
            for store in stores:
                store.process_until(now)
            if not any(store.has_due(now) for store in stores):
                return

    def sync(self, now: float) -> None:  # noqa: B027 (only batch architectures synchronise)
        """Periodic synchronisation (batch architectures only)."""

    # --- what the metrics read -------------------------------------------------------------

    @abstractmethod
    def views(self) -> list[View]:
        """Groups of queriers that consult the same stores."""

    @abstractmethod
    def destined(self, store: str) -> np.ndarray:
        """Records the architecture routes to ``store`` (by record id)."""

    def copy_stores(self) -> list[Store]:
        """Stores outside the owners' countries that hold copies."""
        return [s for s in [self.hub, *self.platforms] if s.application_log()[0].size]

    def active_stores(self) -> list[Store]:
        return [*self.platforms, self.hub]

    # --- helpers ---------------------------------------------------------------------------

    def store(self, name: str) -> Store:
        if name == "hub":
            return self.hub
        return self.platforms[self.world.platforms.index(name)]

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
