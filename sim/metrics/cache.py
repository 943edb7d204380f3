"""Records a cache answers for, or else their owners (the reading rule ``CacheThenOwner``).

A search asks the cache first: while it holds a copy of the record (each copy kept for its
lifetime after it was filled) and is up, the copy is the answer, classified like any store's
(a ghost once the owner deleted the record, stale once the owner changed it). Otherwise the
owner answers from its live record, as ``sim.metrics.owners`` counts it, weighted by the
chance that answer (after the cache's) beats the deadline.
"""

from __future__ import annotations

import numpy as np

from sim.log import RunLog
from sim.metrics.intervals import Shown, shown_key, subtract_windows
from sim.metrics.layout import Grid, Layout
from sim.metrics.owners import answerable_intervals, returned_while_up
from sim.metrics.reading import read_owners
from sim.topology import CacheThenOwner, Phase, View


def cache_answers(log: RunLog, shown: dict[str, Shown], row: int) -> Shown:
    """The intervals in which the cache of consult ``row`` answers with a copy: it holds one
    and is up."""
    consult = log.plan.consults[row]
    reading = consult.reading
    assert isinstance(reading, CacheThenOwner)
    copies = shown[shown_key(log, consult)]
    down = log.store_log(reading.cache).availability
    a, b, parent = subtract_windows(copies.start, copies.end, down.starts, down.ends)
    return Shown(copies.rec[parent], copies.version[parent], a, b)


def owner_part(
    log: RunLog,
    layout: Layout,
    ent: np.ndarray,
    days: Grid,
    shown: dict[str, Shown],
    view: View,
    phase: Phase,
) -> tuple[np.ndarray, np.ndarray]:
    """What the owners return when the cache does not answer."""
    (row,) = phase.rows
    reading = log.plan.consults[row].reading
    assert isinstance(reading, CacheThenOwner)
    rec, lo, hi = answerable_intervals(log, None, (phase.start, phase.end))
    answered = cache_answers(log, shown, row)
    rec, lo, hi = minus_per_record(rec, lo, hi, answered, log.horizon)
    cache = log.store_log(reading.cache)
    grid = days.refined(log, [*log.node_availability, cache.availability])
    returned = returned_while_up(log, layout, grid, rec, lo, hi, log.answer_probability[row])
    return view.queriers, read_owners(log, layout, ent, view, grid, returned)


def minus_per_record(
    rec: np.ndarray, lo: np.ndarray, hi: np.ndarray, cut: Shown, horizon: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The intervals ``[lo, hi)`` of records ``rec`` without the intervals ``cut`` holds for
    the same record. Each record's times are laid on one line, record after record (``rec x
    span + t``), where the cut intervals, ordered by record then time and disjoint within a
    record, are one sorted set of windows; the line's resolution is that of a float at
    ``n_records x span`` (about a millisecond at a million records)."""
    span = float(np.ceil(horizon)) + 2.0
    offset, cut_offset = rec * span, cut.rec.astype(np.int64) * span
    a, b, parent = subtract_windows(
        lo + offset, hi + offset, cut.start + cut_offset, cut.end + cut_offset
    )
    rec = rec[parent]
    return rec, a - rec * span, b - rec * span
