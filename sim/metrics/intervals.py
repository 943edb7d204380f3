"""Interval algebra on logs: what a store shows when, and where a node is up.

All functions are vectorised over many records; times are float days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.order import grouped_by_record, stable_order
from sim.engine.outages import Availability
from sim.log import RunLog
from sim.records import SourceRecords
from sim.topology import CacheThenOwner, Consult, Shows, short_name

EXPIRING = "\x1f"
"""Between a store's name and a copy lifetime in the key of its expiring copies' intervals."""


@dataclass(frozen=True)
class Shown:
    """Intervals ``[start, end)`` during which a store shows ``version`` of record ``rec``."""

    rec: np.ndarray
    version: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def select(self, mask: np.ndarray | slice) -> Shown:
        return Shown(self.rec[mask], self.version[mask], self.start[mask], self.end[mask])


def shown_intervals(
    rec: np.ndarray,
    version: np.ndarray,
    t: np.ndarray,
    source: SourceRecords,
    horizon: float,
    removed: tuple[np.ndarray, np.ndarray] | None = None,
    ttl_days: float | None = None,
) -> Shown:
    """Replay a store's applications with its rules: never an older version over a newer one,
    a deletion leaves a tombstone (so a late creation stays hidden), a record the store
    removed by retention (``removed``: record ids, ascending, and removal times) shows
    nothing from its removal on, whatever arrives later, and, with ``ttl_days``, each copy
    shows that long after it was applied at most."""
    if ttl_days is None:
        shown = replayed(rec, version, t, source, horizon)
    else:
        shown = expiring(rec, version, t, source, horizon, ttl_days)
    if removed is None or removed[0].size == 0 or shown.rec.size == 0:
        return shown
    removed_rec, removed_t = removed
    pos = np.minimum(np.searchsorted(removed_rec, shown.rec), removed_rec.size - 1)
    until = np.where(removed_rec[pos] == shown.rec, removed_t[pos], np.inf)
    cut = Shown(shown.rec, shown.version, shown.start, np.minimum(shown.end, until))
    return cut.select(cut.start < cut.end)


def shown_key(log: RunLog, consult: Consult) -> str:
    """The key of what ``consult`` reads in the ``shown`` intervals: the store's output name,
    with the lifetime of its copies when they expire."""
    reading = consult.reading
    if isinstance(reading, CacheThenOwner):
        return expiring_key(short_name(reading.cache), reading.ttl_days)
    assert isinstance(reading, Shows)
    return expiring_key(short_name(consult.target), reading.ttl_days)


def expiring_key(name: str, ttl_days: float | None) -> str:
    return name if ttl_days is None else f"{name}{EXPIRING}{ttl_days!r}"


def base_name(key: str) -> str:
    """The store's output name of a ``shown`` key."""
    return key.split(EXPIRING)[0]


def ttl_of(key: str) -> float | None:
    """The copy lifetime (days) of a ``shown`` key, None when copies do not expire."""
    parts = key.split(EXPIRING)
    return float(parts[1]) if len(parts) > 1 else None


def shown_by_key(log: RunLog) -> dict[str, Shown]:
    """What each store shows (by output name), and, for every copy lifetime a reading gives a
    store, what it shows when each copy expires that long after it was applied."""
    keys = list(log.stores)
    for consult in log.plan.consults:
        if isinstance(consult.reading, Shows | CacheThenOwner):
            keys.append(shown_key(log, consult))
    out = {}
    for key in dict.fromkeys(keys):
        s = log.stores[base_name(key)]
        out[key] = shown_intervals(
            s.rec,
            s.version,
            s.t,
            log.source,
            log.horizon,
            (s.removed_rec, s.removed_t),
            ttl_of(key),
        )
    return out


def expiring(
    rec: np.ndarray,
    version: np.ndarray,
    t: np.ndarray,
    source: SourceRecords,
    horizon: float,
    ttl_days: float,
) -> Shown:
    """What a store whose copies expire shows (a cache): each application shows, from its
    time until ``ttl_days`` later or the record's next application, the newest version
    applied so far (never an older over a newer); an application of the same version again
    (a cache filled anew) shows it again; nothing shows once a deletion was applied."""
    if rec.size == 0:
        return replayed(rec, version, t, source, horizon)
    order = by_record_then_time(rec, t, horizon)
    rec, version, t = rec[order], version[order], t[order]
    span = int(max(version.max(), source.last_version.max())) + 2
    newest = np.maximum.accumulate(rec * span + version) - rec * span
    gone = source.is_deletion(rec, newest)
    same_next = np.r_[rec[1:] == rec[:-1], False]
    end = np.minimum(np.where(same_next, np.r_[t[1:], np.inf], np.inf), t + ttl_days)
    shown = Shown(rec.astype(np.int32), newest.astype(np.int32), t, np.minimum(end, horizon))
    return shown.select(~gone & (t < horizon) & (shown.start < shown.end))


def replayed(
    rec: np.ndarray, version: np.ndarray, t: np.ndarray, source: SourceRecords, horizon: float
) -> Shown:
    """What the store shows by its first two rules (no retention), ordered by record, time."""
    if rec.size == 0:
        e = np.empty(0)
        return Shown(e.astype(np.int32), e.astype(np.int32), e, e)
    # Order by record, then time. Two versions applied at the same instant may come in either
    # order: the running maximum below shows the newer one either way.
    order = by_record_then_time(rec, t, horizon)
    rec, version, t = rec[order], version[order], t[order]
    span = int(version.max()) + 2
    key = rec * span + version
    previous = np.r_[-1, np.maximum.accumulate(key)[:-1]]
    newer = key > previous
    # int32 halves the largest arrays of the metrics (record ids and versions fit).
    rec, version, t = rec[newer].astype(np.int32), version[newer].astype(np.int32), t[newer]
    same_next = np.r_[rec[1:] == rec[:-1], False]
    end = np.where(same_next, np.r_[t[1:], np.inf], np.inf)
    visible = ~source.is_deletion(rec, version) & (t < horizon)
    shown = Shown(rec, version, t, np.minimum(end, horizon))
    return shown.select(visible & (shown.start < shown.end))


def first_shown(shown: Shown, n_records: int) -> np.ndarray:
    """When each record is first shown (``inf``: never): the start of its first interval, as a
    store's shown intervals are ordered by record, then time."""
    first = np.full(n_records, np.inf)
    opens = np.flatnonzero(np.diff(shown.rec, prepend=-1))
    first[shown.rec[opens]] = shown.start[opens]
    return first


def by_record_then_time(rec: np.ndarray, t: np.ndarray, horizon: float) -> np.ndarray:
    """The stable ascending order of the keys ``rec * (ceil(horizon) + 2) + min(t, horizon +
    1)``: by record, then time (ties in log order). Records are whole numbers and, with no
    time before 0, the keys of one record lie below the next one's by a day at least, so a
    counting sort by record, then each record's applications sorted by their keys
    (``grouped_order``), is that order; a log is mostly in time order already, so the
    insertion sorts do little."""
    keys = rec * (float(np.ceil(horizon)) + 2.0) + np.minimum(t, horizon + 1.0)
    if rec.size == 0 or t.min() < 0 or rec.min() < 0:
        return stable_order(keys)
    return grouped_by_record(rec, keys)[0]


def subtract_windows(
    a: np.ndarray, b: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the down windows ``[starts, ends)`` out of intervals ``[a, b)``.

    Returns (piece starts, piece ends, index of the interval each piece came from).
    """
    parent = np.arange(a.size)
    if starts.size == 0 or a.size == 0:
        return a, b, parent
    j0 = np.searchsorted(ends, a, side="right")
    j1 = np.searchsorted(starts, b, side="left")
    n_cut = np.maximum(j1 - j0, 0)
    n_pieces = n_cut + 1
    parent = np.repeat(parent, n_pieces)
    k = np.arange(parent.size) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    first = np.repeat(j0, n_pieces)
    last_piece = k == np.repeat(n_cut, n_pieces)
    w_before = np.clip(first + k - 1, 0, max(ends.size - 1, 0))
    w_after = np.clip(first + k, 0, max(starts.size - 1, 0))
    lo = np.where(k == 0, a[parent], ends[w_before])
    hi = np.where(last_piece, b[parent], starts[w_after])
    lo = np.maximum(lo, a[parent])
    hi = np.minimum(hi, b[parent])
    keep = lo < hi
    return lo[keep], hi[keep], parent[keep]


def up_pieces(
    availabilities: list[Availability], t0: float, t1: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``[t0, t1)`` where any of the nodes goes down or up.

    Returns piece starts, piece ends and, per piece, a bitmask of the nodes that are up.
    """
    cuts = [np.array([t0, t1])]
    for availability in availabilities:
        cuts += [availability.starts, availability.ends]
    edges = np.unique(np.clip(np.concatenate(cuts), t0, t1))
    lo, hi = edges[:-1], edges[1:]
    mid = (lo + hi) / 2
    mask = np.zeros(lo.size, dtype=np.int64)
    for bit, availability in enumerate(availabilities):
        mask |= availability.is_up(mid).astype(np.int64) << bit
    return lo, hi, mask
