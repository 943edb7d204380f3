"""Interval algebra on logs: what a store shows when, and where a node is up.

All functions are vectorised over many records; times are float days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.outages import Availability
from sim.records import SourceRecords


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
) -> Shown:
    """Replay a store's applications with its rules: never an older version over a newer one,
    a deletion leaves a tombstone (so a late creation stays hidden), and a record the store
    removed by retention (``removed``: record ids, ascending, and removal times) shows
    nothing from its removal on, whatever arrives later."""
    shown = replayed(rec, version, t, source, horizon)
    if removed is None or removed[0].size == 0 or shown.rec.size == 0:
        return shown
    removed_rec, removed_t = removed
    pos = np.minimum(np.searchsorted(removed_rec, shown.rec), removed_rec.size - 1)
    until = np.where(removed_rec[pos] == shown.rec, removed_t[pos], np.inf)
    cut = Shown(shown.rec, shown.version, shown.start, np.minimum(shown.end, until))
    return cut.select(cut.start < cut.end)


def replayed(
    rec: np.ndarray, version: np.ndarray, t: np.ndarray, source: SourceRecords, horizon: float
) -> Shown:
    """What the store shows by its first two rules (no retention), ordered by record, time."""
    if rec.size == 0:
        e = np.empty(0)
        return Shown(e.astype(np.int32), e.astype(np.int32), e, e)
    # Order by record, then time. Two versions applied at the same instant may come in either
    # order: the running maximum below shows the newer one either way.
    order = ordered_by(rec * (float(np.ceil(horizon)) + 2.0) + np.minimum(t, horizon + 1.0))
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


def ordered_by(keys: np.ndarray) -> np.ndarray:
    """The stable ascending order of ``keys``; found by the (much faster) default sort when
    no two keys tie, as then every order is the stable one."""
    order = np.argsort(keys)
    ordered = keys[order]
    if np.any(ordered[1:] == ordered[:-1]):
        return np.argsort(keys, kind="stable")
    return order


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
