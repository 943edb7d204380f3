"""Records the owners answer (the reading rule ``OwnerAnswers``: federated searches).

A record is returned while it is active and its owner's node is up and, when searches first
ask a gate (a pointer index) for the owners, while the gate shows its pointer and is up; times
the chance the answer beats the deadline (the consult's answer probability). The owner answers
from the source itself: no ghost, no stale version, no conflict.
"""

from __future__ import annotations

import numpy as np

from sim.engine.outages import DownWindows
from sim.log import RunLog, StoreLog
from sim.metrics.integrals import IndexedIntervals
from sim.metrics.intervals import Shown, first_shown, shown_intervals, subtract_windows
from sim.metrics.layout import Grid, Layout
from sim.metrics.reading import read_owners
from sim.topology import OwnerAnswers, Phase, View
from sim.world import NATIONAL


def gate_of(log: RunLog, reading: OwnerAnswers) -> StoreLog | None:
    """The store searches ask first to find the owners (a pointer index), if any."""
    return None if reading.gate is None else log.store_log(reading.gate)


OwnersReturn = dict[tuple[str | None, float, float, float], tuple[Grid, np.ndarray]]
"""Per (gate, answer probability, phase window): the grid and what the owners return on it,
computed once for the views that read the owners alike (issuer routing's kinds)."""


def returned_by_owners(
    log: RunLog,
    layout: Layout,
    ent: np.ndarray,
    days: Grid,
    view: View,
    phase: Phase,
    known: OwnersReturn | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(queriers, [querier, kind, quantity, day] integrals, see ``read_owners``) of one phase of
    a view the owners answer: what each querier's search returns of every owner's records.
    ``known``: what other views' phases found, reused where they read the owners alike."""
    (row,) = phase.rows
    reading = log.plan.consults[row].reading
    assert isinstance(reading, OwnerAnswers)
    key = (reading.gate, float(log.answer_probability[row]), phase.start, phase.end)
    known = {} if known is None else known
    if key not in known:
        # The grid takes the hub's up/down edges with or without a gate: extra points change
        # no integral, only the order of the float sums, and these are the points federated
        # figures have always been computed on (same seed, same digits).
        grid = days.refined(log, [*log.node_availability, log.stores["hub"].availability])
        window, gate = (phase.start, phase.end), gate_of(log, reading)
        returned = owners_cumulative(log, layout, grid, gate, log.answer_probability[row], window)
        known[key] = grid, returned
    grid, returned = known[key]
    return view.queriers, read_owners(log, layout, ent, view, grid, returned)


def live_intervals(
    log: RunLog, gate: StoreLog | None, window: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record, start, end) of the times an owner can answer for a record within ``window``:
    active, its owner's node up and, through a gate, the gate up and showing its pointer."""
    src = log.source
    rec = np.flatnonzero(src.sharing != NATIONAL)
    a, b = src.created[rec], np.minimum(src.deleted[rec], log.horizon)
    if gate is not None:
        pointer = shown_intervals(
            gate.rec, gate.version, gate.t, src, log.horizon, (gate.removed_rec, gate.removed_t)
        )
        rec = pointer.rec
        a = np.maximum(pointer.start, src.created[rec])
        b = np.minimum(pointer.end, np.minimum(src.deleted[rec], log.horizon))
        a, b, parent = subtract_windows(a, b, gate.availability.starts, gate.availability.ends)
        rec = rec[parent]
    if np.isfinite(window[0]) or np.isfinite(window[1]):
        a, b = np.maximum(a, window[0]), np.minimum(b, window[1])
    pieces_a, pieces_b, pieces_rec = [], [], []
    for o, mine in enumerate(by_owner(src.owner[rec], len(log.node_availability))):
        availability = log.node_availability[o]
        lo, hi, parent = subtract_windows(a[mine], b[mine], availability.starts, availability.ends)
        pieces_a.append(lo)
        pieces_b.append(hi)
        pieces_rec.append(rec[mine][parent])
    rec = np.concatenate(pieces_rec)
    lo, hi = np.concatenate(pieces_a), np.concatenate(pieces_b)
    keep = lo < hi
    return rec[keep], lo[keep], hi[keep]


def by_owner(owner: np.ndarray, n_owners: int) -> list[np.ndarray]:
    """Per owner, the positions of its items in order: one stable sort, where a mask per
    owner read every item once per owner (196 times)."""
    order = np.argsort(owner, kind="stable")
    ends = np.cumsum(np.bincount(owner, minlength=n_owners))
    return np.split(order, ends[:-1])


def owners_cumulative(
    log: RunLog,
    layout: Layout,
    grid: Grid,
    gate: StoreLog | None,
    weight: float,
    window: tuple[float, float] = (-np.inf, np.inf),
) -> np.ndarray:
    """Cumulative integral per record group of what the owners return, weighted by the chance
    the answer is back within the deadline."""
    rec, lo, hi = live_intervals(log, gate, window)
    visible = IndexedIntervals(layout.group(log, rec), lo, hi, grid.points, layout.n_groups)
    return visible.cumulative(weight=weight)


def first_visible_at_owners(
    log: RunLog, shown: dict[str, Shown], reading: OwnerAnswers, window: tuple[float, float]
) -> np.ndarray:
    """When each record can first be returned by its owner within ``window``: at its creation
    (or the window's start), or once its owner's node is up, and not before the gate shows
    its pointer."""
    src = log.source
    first = np.maximum(src.created, window[0])
    first = DownWindows(log.node_availability).next_up(src.owner, first)
    gate = gate_of(log, reading)
    if gate is not None:
        first = np.maximum(first, first_shown(shown[gate.name], src.n_records))
    return np.where(first < window[1], first, np.inf)
