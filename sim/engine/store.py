"""A store: a database (hub, platform or national node) behind a FIFO queue and an outage
schedule.

Changes and queries join one FIFO queue. Arrivals are known in advance (the sender computes
them when it sends), so the store serves everything that has arrived by ``now`` in one
vectorised pass (``process_until``). A change that arrives while the store is down waits until
it is up; a query that arrives while it is down gets no answer. Stores that pass changes on to
one another are served together instead (``sim.engine.network``): ``take_due`` and
``complete`` are the two ends of a service, between which the departures are found.

The store does not decide which version it shows: it logs every application ``(record,
version, time)`` and the metrics replay the log with the rule "never an older version over a
newer one; a deletion leaves a tombstone".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.engine.dists import Sampler
from sim.engine.outages import Availability
from sim.engine.queue import ServerPool

Applied = Callable[[np.ndarray, np.ndarray, np.ndarray], None]
"""Listener called with (record ids, versions, application times) of changes just applied."""


@dataclass(frozen=True)
class Batch:
    """Items of a queue: changes (record id, version >= 0) and queries (query id, version -1,
    ``back``: the days the answer takes to travel back)."""

    rec: np.ndarray
    version: np.ndarray
    arrival: np.ndarray
    back: np.ndarray

    @classmethod
    def empty(cls) -> Batch:
        return cls(
            np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        )

    @property
    def size(self) -> int:
        return int(self.arrival.size)


class Store:
    """One database. ``kind`` is ``hub``, ``platform`` or ``ncb``."""

    def __init__(
        self,
        name: str,
        kind: str,
        pool: ServerPool,
        service: Sampler,
        availability: Availability,
        rng: np.random.Generator,
    ) -> None:
        self.name = name
        self.kind = kind
        self.pool = pool
        self.service = service
        self.availability = availability
        self.rng = rng
        self._pending: list[tuple[np.ndarray, ...]] = []
        self.listeners: list[Applied] = []
        self._log: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._answers: list[tuple[np.ndarray, np.ndarray]] = []
        self.busy_days = 0.0

    # --- arrivals --------------------------------------------------------------------------

    def receive_changes(self, rec: np.ndarray, version: np.ndarray, arrival: np.ndarray) -> None:
        """Changes that will arrive at ``arrival``; held until the store is up."""
        if rec.size:
            self.hold_changes(rec, version, self.availability.next_up(arrival))

    def hold_changes(self, rec: np.ndarray, version: np.ndarray, arrival: np.ndarray) -> None:
        """Changes that will arrive at ``arrival``, a time the store is up."""
        if rec.size:
            self._pending.append((rec, version, arrival, np.full(rec.size, np.nan)))

    def receive_queries(self, qid: np.ndarray, arrival: np.ndarray, back: np.ndarray) -> None:
        """Queries that arrive at ``arrival``; the answer travels back in ``back`` days."""
        if qid.size == 0:
            return
        up = self.availability.is_up(arrival)
        lost = qid[~up]
        if lost.size:
            self._answers.append((lost, np.full(lost.size, np.inf)))
        qid, arrival, back = qid[up], arrival[up], back[up]
        if qid.size:
            self._pending.append((qid, np.full(qid.size, -1), arrival, back))

    # --- service ---------------------------------------------------------------------------

    def process_until(self, now: float, inclusive: bool = False) -> tuple[Batch, np.ndarray]:
        """Serve, in arrival order, every item that has arrived before ``now`` (or at it): the
        items served and their departures."""
        due = self.take_due(now, inclusive)
        if due.size == 0:
            return due, np.empty(0)
        service = self.service_times(due.size)
        departure = self.pool.serve(due.arrival, service)
        self.complete(due, service, departure)
        return due, departure

    @property
    def waiting(self) -> bool:
        """Whether any item is queued, arrived or not."""
        return bool(self._pending)

    def take_due(self, now: float, inclusive: bool = False) -> Batch:
        """Remove from the queue the items that have arrived before ``now`` (or at it): sorted
        by arrival, ties in the order received."""
        if not self._pending:
            return Batch.empty()
        rec, version, arrival, back = (np.concatenate(p) for p in zip(*self._pending, strict=True))
        due = arrival <= now if inclusive else arrival < now
        if not due.all():
            self._pending = [(rec[~due], version[~due], arrival[~due], back[~due])]
        else:
            self._pending = []
        if not due.any():
            return Batch.empty()
        rec, version, arrival, back = rec[due], version[due], arrival[due], back[due]
        if arrival.size > 1 and (arrival[1:] < arrival[:-1]).any():
            order = np.argsort(arrival, kind="stable")
            rec, version, arrival, back = rec[order], version[order], arrival[order], back[order]
        return Batch(rec, version, arrival, back)

    def service_times(self, n: int) -> np.ndarray:
        """Service times of the next ``n`` items, from the store's own stream."""
        if self.service.is_zero:
            return np.zeros(n)
        return self.service.draw(self.rng, n)

    def complete(self, items: Batch, service: np.ndarray, departure: np.ndarray) -> None:
        """Account for ``items`` served (sorted by arrival), leaving at ``departure``: busy
        time, answers of the queries, applications of the changes (listeners told)."""
        self.busy_days += float(service.sum())
        is_query = items.version < 0
        if is_query.any():
            self._answers.append((items.rec[is_query], departure[is_query] + items.back[is_query]))
        changes = ~is_query
        if changes.any():
            self._applied(items.rec[changes], items.version[changes], departure[changes])

    def _applied(self, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
        self._log.append((rec, version, t))
        for listener in self.listeners:
            listener(rec, version, t)

    # --- what the metrics read -----------------------------------------------------------------

    def has_due(self, now: float) -> bool:
        """Whether anything that arrived before ``now`` still waits to be served."""
        return any(bool((p[2] < now).any()) for p in self._pending)

    @property
    def pending_changes(self) -> int:
        return int(sum((p[1] >= 0).sum() for p in self._pending))

    def application_log(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every change applied: record ids, versions, application times (unsorted)."""
        if not self._log:
            empty = np.empty(0)
            return empty.astype(np.int64), empty.astype(np.int64), empty
        if len(self._log) > 1:  # keep one consolidated copy, not the parts and a copy
            rec, version, t = (np.concatenate(parts) for parts in zip(*self._log, strict=True))
            self._log = [(rec, version, t)]
        return self._log[0]

    def answer_log(self) -> tuple[np.ndarray, np.ndarray]:
        """Query ids and the time each answer got back to the querier (inf: no answer)."""
        if not self._answers:
            return np.empty(0, dtype=np.int64), np.empty(0)
        qid, t = (np.concatenate(parts) for parts in zip(*self._answers, strict=True))
        return qid, t
