"""Stores that pass on what they apply (relays), served together so that every relayed change
takes its FIFO place at the store it reaches.

Stores serve in batches at settle points (each day's end). A change that store A relays to
store B reaches B at A's departure plus the link's delay, so B's arrivals before ``now`` are
only all known once A has served. FIFO makes a joint solution exact: with one or c FIFO
servers, an item's departure depends only on the items that arrived before it. Once every
arrival before ``now`` is known, the departure of every item that arrived before ``now`` is
final, whatever arrives later.

``serve_until`` finds those arrivals. With no relay, or when every store has unlimited servers
(departure = arrival + service, whatever else is queued), each store serves what has arrived
and passes it on, and the stores it reached serve again, pass after pass. Otherwise
``JointService`` solves the stores together (see there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.links import Link
from sim.engine.queue import fifo_departures, free_times
from sim.engine.store import Batch, Store

Passes = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""[change, target] mask: which of the changes (record ids, versions, times applied) applied
at a relay's source it passes on to each of its targets."""

MAX_SWEEPS = 100_000
"""A safeguard, never a stopping rule: the fixed point is reached in a few sweeps (as many as
the times a chain of items waiting for one another crosses between stores within one settle
interval; measured: 3 or 4 a day in the world benchmark, at most 16 in the issue's two-store
network at utilisation 0.9 to 0.995)."""

TICKS_PER_DAY = 86_400 * 10**9
"""Nanoseconds: the unit of the joint service's exact arithmetic."""


class RelayError(RuntimeError):
    """Relays that pass a change around for ever, or a service that does not settle."""


@dataclass(frozen=True)
class Relay:
    """``source`` passes on to each of ``targets``, over the link of the same position in
    ``links``, the changes it applies that ``passes`` selects for it, each copy leaving when
    the change is applied."""

    source: Store
    targets: tuple[Store, ...]
    links: tuple[Link, ...]
    passes: Passes
    kind: np.ndarray | None = None
    """Each record's kind (by record id), which the links count the changes they send by
    (bandwidth); None: unknown."""

    def __post_init__(self) -> None:
        if len(self.links) != len(self.targets):
            raise RelayError("a relay needs one link per target")

    def kinds(self, rec: np.ndarray) -> np.ndarray | None:
        """The record kinds of changes to records ``rec``, as the links count them."""
        return None if self.kind is None else self.kind[rec]

    def copies(self, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
        """Per target, the items served at the source at ``t`` (positions) passed on to it:
        changes only, never queries."""
        changes = np.flatnonzero(version >= 0)
        mask = self.passes(rec[changes], version[changes], t[changes])
        return [changes[np.flatnonzero(mask[:, t])] for t in range(len(self.targets))]

    def delays(self, counts: Sequence[int]) -> list[np.ndarray]:
        """Link delays of ``counts[t]`` copies to each target, drawn target after target: one
        draw for a run of targets that share a link (a relay over one link draws as one)."""
        out: list[np.ndarray] = []
        start = 0
        while start < len(counts):
            end = start + 1
            while end < len(counts) and self.links[end] is self.links[start]:
                end += 1
            drawn = self.links[start].change_delays(int(sum(counts[start:end])))
            cuts = np.cumsum(counts[start:end])[:-1]
            out += np.split(drawn, cuts)
            start = end
        return out

    def forward(self, items: Batch, departure: np.ndarray) -> None:
        """Send on at once what the source just served (``items``, leaving at ``departure``)."""
        copies = self.copies(items.rec, items.version, departure)
        for store, link, sel in zip(self.targets, self.links, copies, strict=True):
            if sel.size:
                arrival = link.carry_changes(departure[sel], self.kinds(items.rec[sel]))
                store.receive_changes(items.rec[sel], items.version[sel], arrival)


def hops(relays: Sequence[Relay]) -> int:
    """Relay hops in all: a change that crosses more has crossed one twice, and would be passed
    around for ever (what a relay passes on depends on the change alone)."""
    return sum(len(relay.targets) for relay in relays)


def serve_until(stores: Sequence[Store], relays: Sequence[Relay], now: float) -> None:
    """Serve every item that arrives at ``stores`` before ``now``, relayed changes included,
    each in its FIFO place."""
    if relays and any(store.pool.servers is not None for store in stores):
        JointService(stores, relays, now).run()
    else:
        serve_in_passes(stores, relays, now)


def serve_in_passes(stores: Sequence[Store], relays: Sequence[Relay], now: float) -> None:
    """Each store serves what has arrived and passes it on, pass after pass, until nothing
    that arrived before ``now`` waits. Exact without relays (one pass), and with relays when
    servers are unlimited: a departure then does not depend on what else is queued.

    A change crosses at least one hop per pass and at most ``hops(relays)`` in all, hence at
    most ``hops(relays) + 1`` passes."""
    for _ in range(hops(relays) + 2):
        for store in stores:
            if not store.waiting:  # most national nodes, most days: nothing to serve or pass on
                continue
            items, departure = store.process_until(now)
            if items.size == 0:
                continue
            for relay in relays:
                if relay.source is store:
                    relay.forward(items, departure)
        if not any(store.has_due(now) for store in stores):
            return
    raise RelayError(f"relays still pass changes on after {hops(relays) + 2} passes: a cycle")


class JointService:
    """Stores linked by relays, served together up to ``now``.

    A first iterate assumes that no item waits (departure = arrival + service). Then each
    store is served from its state at the last settle point with every arrival before
    ``now`` known so far; its departures give the arrivals of what it relays; a store whose
    arrivals before ``now`` changed is served again from the same state, until none changes.
    Service times and link delays belong to items, drawn once, and departures are computed in
    exact integer time, so the sweeps are deterministic and stop when nothing changed.

    The fixed point is the FIFO network's own trajectory: if every store's arrivals before t
    are right, so are the departures of those items (FIFO), and a relayed arrival before
    t + m (m: a service time plus a link delay) comes from an item that arrived before t;
    each sweep thus extends the span of time that is right, from any first iterate, and a
    relayed change cannot be served before it arrives. Only then are the results committed.
    """

    def __init__(self, stores: Sequence[Store], relays: Sequence[Relay], now: float) -> None:
        self.windows = {id(store): Window(store, now) for store in stores}
        ends = [store for relay in relays for store in (relay.source, *relay.targets)]
        if any(id(store) not in self.windows for store in ends):
            raise RelayError("a relay joins stores that are not served together")
        self.legs = [
            Leg(
                relay,
                self.windows[id(relay.source)],
                [self.windows[id(t)] for t in relay.targets],
                hops(relays),
            )
            for relay in relays
        ]

    def run(self) -> None:
        if all(window.n == 0 for window in self.windows.values()):
            return
        for window in self.windows.values():
            self._relay(window, window.guess(), first=True)
        for _ in range(MAX_SWEEPS):
            if not self._sweep():
                break
        else:
            raise RelayError(f"the joint service did not settle in {MAX_SWEEPS} sweeps")
        for window in self.windows.values():
            window.commit()
        for leg in self.legs:
            leg.commit()

    def _sweep(self) -> bool:
        """Serve again each store whose arrivals changed; whether any did."""
        served = False
        for window in self.windows.values():
            if window.stale:
                self._relay(window, window.serve())
                served = True
        return served

    def _relay(self, window: Window, changed: np.ndarray, first: bool = False) -> None:
        """Pass on the new departures of ``window``'s ``changed`` items."""
        for leg in self.legs:
            if leg.source is window:
                leg.update(changed, first)


class Window:
    """One store's items in a joint service: those that had arrived when it started (the
    first ``n`` positions, sorted by arrival), then the changes relayed to it. Each keeps its
    service time, drawn once when it joins. Arrays have room to spare beyond ``n``."""

    def __init__(self, store: Store, now: float) -> None:
        self.store = store
        self.now = now
        self.origin = math.floor(now)
        """Of the integer time."""
        due = store.take_due(now)
        self.n = due.size
        self.rec, self.version, self.back = due.rec, due.version, due.back
        self.arrival = due.arrival.copy()
        """``inf`` for a relayed change whose sender has not served it (yet)."""
        self.service = store.service_times(due.size)
        self.departure = np.full(due.size, np.inf)
        """``inf`` for an item not served before ``now``."""
        self.leave = np.zeros(due.size, dtype=np.int64)
        """The departures, in nanoseconds since ``origin`` (exact)."""
        self.hops = np.zeros(due.size, dtype=np.int64)
        """Relays each item crossed in this service (the ones due at its start: none)."""
        self.parent = np.full(due.size, -1)
        """Of a relayed copy: the position of its change at the source."""
        self.delay = np.zeros(due.size)
        """Of a relayed copy: its link delay."""
        self.served = np.arange(due.size)
        """Items arrived before ``now``, in FIFO order: by arrival, ties by position."""
        self.moved: list[np.ndarray] = []
        """Items whose arrival before ``now`` changed since the last service."""
        self.fresh = True
        """Not served yet (``guess`` only)."""
        self.stale = True
        """To be served (again): ``fresh``, or some item ``moved``."""

    def join(
        self,
        rec: np.ndarray,
        version: np.ndarray,
        hops: np.ndarray,
        parent: np.ndarray,
        delay: np.ndarray,
        arrival: np.ndarray,
    ) -> np.ndarray:
        """Add copies of changes relayed from positions ``parent`` of the source, ``delay``
        after they leave it, arriving at ``arrival`` (``inf``: not sent yet). Their positions."""
        start, n = self.n, rec.size
        self.n += n
        self.rec = extended(self.rec, start, rec)
        self.version = extended(self.version, start, version)
        self.back = extended(self.back, start, np.nan, n)
        self.arrival = extended(self.arrival, start, arrival)
        self.service = extended(self.service, start, self.store.service_times(n))
        self.departure = extended(self.departure, start, np.inf, n)
        self.leave = extended(self.leave, start, 0, n)
        self.hops = extended(self.hops, start, hops)
        self.parent = extended(self.parent, start, parent)
        self.delay = extended(self.delay, start, delay)
        keys = np.arange(start, self.n)
        inside = keys[arrival < self.now]
        if inside.size:
            self.moved.append(inside)
            self.stale = True
        return keys

    def move(self, keys: np.ndarray, arrival: np.ndarray) -> None:
        """New arrival times of relayed changes ``keys``."""
        before = self.arrival[keys]
        moved = (before != arrival) & ((before < self.now) | (arrival < self.now))
        self.arrival[keys] = arrival
        if moved.any():
            self.moved.append(keys[moved])
            self.stale = True

    def guess(self) -> np.ndarray:
        """The first iterate: departures as if no item waited (arrival + service), right for
        every item that finds a server free. The items given a departure."""
        arrived = np.flatnonzero(self.arrival[: self.n] < self.now)
        self._depart(arrived, ticks(self.arrival[arrived], self.origin) + self._service_ns(arrived))
        return arrived

    def serve(self) -> np.ndarray:
        """Departures of the items arrived before ``now``, from the store's state at the start
        (the servers' free times, untouched until ``commit``); the items whose departure
        changed. Only the items from the first place where the FIFO order changed are served
        again: the others leave as they did (FIFO), and integer arithmetic makes that exact
        to the last bit (float sums would round differently from another starting point)."""
        order, first, gone = self._first_order() if self.fresh else self._reordered()
        tail = order[first:]
        leave = fifo_departures(
            self.store.pool.servers,
            ticks(self.arrival[tail], self.origin),
            self._service_ns(tail),
            self._free_at(order[:first]),
        )
        was = self.departure[tail]
        self._depart(tail, leave)
        gone = gone[self.departure[gone] < np.inf]
        self.departure[gone] = np.inf
        self.served = order
        self.stale = False
        return np.concatenate([tail[self.departure[tail] != was], gone])

    def _service_ns(self, keys: np.ndarray) -> np.ndarray:
        return ticks(self.service[keys], 0.0)

    def _depart(self, keys: np.ndarray, leave: np.ndarray) -> None:
        """Items ``keys`` leave at ``leave`` (nanoseconds since ``origin``)."""
        self.leave[keys] = leave
        self.departure[keys] = self.origin + leave / TICKS_PER_DAY

    def _free_at(self, before: np.ndarray) -> list[float]:
        """The servers' free times (nanoseconds) once the items ``before`` (FIFO) are served."""
        pool = self.store.pool
        initial = ticks(np.asarray(pool.free_at), self.origin)
        if before.size == 0 or pool.servers is None:
            return initial.tolist()
        return free_times(initial, self.leave[before], pool.servers)

    def _first_order(self) -> tuple[np.ndarray, int, np.ndarray]:
        """The FIFO order of a window never served: by arrival, ties by position (a stable
        sort of the positions in order); the items the first iterate served that no longer
        arrive before ``now``."""
        self.fresh, self.moved = False, []
        inside = self.arrival[: self.n] < self.now
        arrived = np.flatnonzero(inside)
        times = self.arrival[arrived]
        if times.size > 1 and (times[1:] < times[:-1]).any():  # relayed copies joined
            arrived = arrived[np.argsort(times, kind="stable")]
        order = arrived
        return order, 0, np.flatnonzero(~inside & (self.departure[: self.n] < np.inf))

    def _reordered(self) -> tuple[np.ndarray, int, np.ndarray]:
        """The FIFO order once the items that ``moved`` are taken out and put back at their
        new arrival (if before ``now``: a merge, the rest being in order already); the first
        place where it differs from the last order; the moved items no longer in it."""
        if not self.moved:
            return self.served, self.served.size, self.served[:0]
        out = np.zeros(self.n, dtype=bool)
        for keys in self.moved:
            out[keys] = True
        self.moved = []
        hit = out[self.served]
        kept = self.served[~hit]
        first = int(np.argmax(hit)) if hit.any() else self.served.size
        inside = out & (self.arrival[: self.n] < self.now)
        gone = np.flatnonzero(out & ~inside)
        back = np.flatnonzero(inside)
        back = back[np.argsort(self.arrival[back], kind="stable")]
        a_kept, a_back = self.arrival[kept], self.arrival[back]
        place = np.searchsorted(a_kept, a_back)
        tie = a_kept[np.minimum(place, a_kept.size - 1)] == a_back if kept.size else place < 0
        if tie.any():  # an equal arrival among the kept: ties go by position
            both = np.concatenate([kept, back])
            order = both[np.lexsort((both, self.arrival[both]))]
            return order, min(first, int(np.argmax(out[order]))) if back.size else first, gone
        place += np.arange(back.size)
        order = np.empty(kept.size + back.size, dtype=np.int64)
        is_back = np.zeros(order.size, dtype=bool)
        is_back[place] = True
        order[is_back], order[~is_back] = back, kept
        return order, min(first, int(place[0])) if back.size else first, gone

    def commit(self) -> None:
        """Make the service final: the servers' state, the logs, the listeners."""
        keys = self.served
        departure = self.departure[keys]
        items = Batch(self.rec[keys], self.version[keys], self.arrival[keys], self.back[keys])
        self.store.pool.advance(departure)
        self.store.complete(items, self.service[keys], departure)


class Leg:
    """What one relay carries in a joint service: per target, the position there of the copy
    of each source item (-1: none; a copy knows its parent and link delay, ``Window``), and
    the copies known from the first iterate to arrive from ``now`` on (``late``)."""

    def __init__(self, relay: Relay, source: Window, targets: list[Window], max_hops: int) -> None:
        self.relay = relay
        self.source = source
        self.targets = targets
        self.max_hops = max_hops
        self.asked = np.zeros(0, dtype=bool)
        """Per source item: whether the relay was asked about it (once it was served)."""
        self.copy = [np.zeros(0, dtype=np.int64) for _ in targets]
        self.late: list[tuple[int, np.ndarray, np.ndarray]] = []
        """(target, parents, delays) of copies that cannot arrive before ``now``: they never
        join the target's service here, and wait in its queue once the parent's departure is
        final."""

    def update(self, changed: np.ndarray, first: bool = False) -> None:
        """Arrivals at the targets of the copies of the source items whose departure
        ``changed``; ``first``: the departures are the first iterate's (lower bounds)."""
        if changed.size == 0:
            return
        self._cover(self.source.n)
        departure = self.source.departure
        new = ~self.asked[changed] & (departure[changed] < np.inf)
        again = changed[~new]
        for window, copy in zip(self.targets, self.copy, strict=True):
            keys = copy[again]
            keys = keys[keys >= 0]
            if keys.size:
                sent = departure[window.parent[keys]] + window.delay[keys]  # inf: not served
                window.move(keys, window.store.availability.next_up(sent))
        if new.any():
            self._copy(changed[new], first)

    def _copy(self, new: np.ndarray, first: bool) -> None:
        """Source items served for the first time: their copies join the targets, but for
        those that cannot arrive before ``now``. The first iterate's departures are lower
        bounds of the true ones (no item leaves before its arrival plus its service, and a
        relayed change arrives no earlier than its source's lower bound plus the delay), so a
        copy whose first-iterate arrival is not before ``now`` will not be served here."""
        self.asked[new] = True
        src = self.source
        rows = self.relay.copies(src.rec[new], src.version[new], src.departure[new])
        delays = self.relay.delays([r.size for r in rows])
        for t, (window, row) in enumerate(zip(self.targets, rows, strict=True)):
            if row.size == 0:
                continue
            parent, delay = new[row], delays[t]
            hops = src.hops[parent] + 1
            if hops.max() > self.max_hops:
                raise RelayError(
                    f"a change crossed more relay hops than there are ({self.max_hops})"
                )
            arrival = window.store.availability.next_up(src.departure[parent] + delay)
            if first:
                late = arrival >= window.now
                self.late.append((t, parent[late], delay[late]))
                parent, delay, hops, arrival = (x[~late] for x in (parent, delay, hops, arrival))
            keys = window.join(src.rec[parent], src.version[parent], hops, parent, delay, arrival)
            self.copy[t][parent] = keys

    def _cover(self, n: int) -> None:
        """Room for ``n`` source items."""
        if n > self.asked.size:
            grown = max(n, 2 * self.asked.size)
            self.asked = extended(np.zeros(grown, dtype=bool), 0, self.asked)
            self.copy = [extended(np.full(grown, -1), 0, copy) for copy in self.copy]

    def commit(self) -> None:
        """Count what was sent; what arrives from ``now`` on waits in its target's queue."""
        departure = self.source.departure
        for t, (window, copy) in enumerate(zip(self.targets, self.copy, strict=True)):
            keys = copy[: self.source.n]
            keys = keys[keys >= 0]
            keys = keys[departure[window.parent[keys]] < np.inf]
            self._sent(t, departure[window.parent[keys]], window.rec[keys])
            later = keys[window.arrival[keys] >= window.now]
            window.store.hold_changes(
                window.rec[later], window.version[later], window.arrival[later]
            )
        for t, parent, delay in self.late:
            window, leave = self.targets[t], departure[parent]
            sent = leave < np.inf
            rec, version = self.source.rec[parent[sent]], self.source.version[parent[sent]]
            self._sent(t, leave[sent], rec)
            arrival = window.store.availability.next_up(leave[sent] + delay[sent])
            window.store.hold_changes(rec, version, arrival)

    def _sent(self, target: int, departure: np.ndarray, rec: np.ndarray) -> None:
        """Count the changes to records ``rec`` sent to target ``target`` at ``departure``."""
        if departure.size:
            self.relay.links[target].count_changes(departure, self.relay.kinds(rec))


def ticks(t: np.ndarray, origin: float) -> np.ndarray:
    """Days since ``origin`` in whole nanoseconds."""
    return np.rint((t - origin) * TICKS_PER_DAY).astype(np.int64)


def extended(
    buffer: np.ndarray, used: int, values: np.ndarray | float, n: int | None = None
) -> np.ndarray:
    """``buffer`` with ``values`` (or ``n`` times the value) written after its first ``used``
    entries, reallocated with twice the room when full: appending n entries costs O(n), not
    O(size)."""
    end = used + (np.size(values) if n is None else n)
    if end > buffer.size:
        grown = np.empty(max(end, 2 * buffer.size), dtype=buffer.dtype)
        grown[:used] = buffer[:used]
        buffer = grown
    buffer[used:end] = values
    return buffer
