"""Records the owners answer (the reading rule ``OwnerAnswers``: federated searches).

A record is returned while it is active and its owner's node is up and, when searches first
ask a gate (a pointer index) for the owners, while the gate shows its pointer and is up; times
the chance the answer beats the deadline (the consult's answer probability). The owner answers
from the source itself: no ghost, no stale version, no conflict.
"""

from __future__ import annotations

import numba
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


def answerable_intervals(
    log: RunLog, gate: StoreLog | None, window: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record, start, end) of the times an owner could answer for a record within
    ``window``, its node's outages aside: the record active and, through a gate, the gate
    up and showing its pointer."""
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
    keep = a < b
    return rec[keep], a[keep], b[keep]


def owners_cumulative(
    log: RunLog,
    layout: Layout,
    grid: Grid,
    gate: StoreLog | None,
    weight: float,
    window: tuple[float, float] = (-np.inf, np.inf),
) -> np.ndarray:
    """Running integral per record group of what the owners return, weighted by the chance
    the answer is back within the deadline (``returned_while_up``)."""
    rec, lo, hi = answerable_intervals(log, gate, window)
    return returned_while_up(log, layout, grid, rec, lo, hi, weight)


def returned_while_up(
    log: RunLog,
    layout: Layout,
    grid: Grid,
    rec: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    weight: float,
) -> np.ndarray:
    """Running integral per record group, from the grid's first point (readers take its
    differences), of ``weight`` times the intervals ``[lo, hi)`` of records ``rec`` in which
    their owner's node is up.

    A group's records have one owner, and the grid holds every owner's up and down edges
    (``check_owner_edges``): so the intervals are integrated whole, and only the increments
    of the grid intervals where the group's owner is up are kept (``while_up``). The same
    integral as cutting each record's intervals at its owner's outages first, up to the
    order of the float sums, with 7 to 13 times fewer intervals to place on the grid in a
    federated run of a robustness world."""
    check_owner_edges(log, grid)
    keep = lo < hi
    rec, lo, hi = rec[keep], lo[keep], hi[keep]
    visible = IndexedIntervals(layout.group(log, rec), lo, hi, grid.points, layout.n_groups)
    owner = np.arange(layout.n_groups) // (layout.n_scopes * layout.n_kinds)
    return while_up(visible.cumulative(weight=weight), owner, owners_up(log, grid))


def owners_up(log: RunLog, grid: Grid) -> np.ndarray:
    """``[owner, k]``: whether the owner's node is up over the grid interval ``(points[k],
    points[k + 1])`` (throughout: its edges are points of the grid), tested at its middle."""
    points = grid.points
    middle = (points[:-1] + points[1:]) / 2
    n_owners = len(log.node_availability)
    node = np.repeat(np.arange(n_owners), middle.size)
    up = DownWindows(log.node_availability).nodes_up(node, np.tile(middle, n_owners))
    return up.reshape(n_owners, middle.size)


def check_owner_edges(log: RunLog, grid: Grid) -> None:
    """Raise unless every owner's up and down edges inside the grid are points of it (what
    ``owners_cumulative`` relies on)."""
    points = grid.points
    edges = np.concatenate(
        [np.concatenate([a.starts, a.ends]) for a in log.node_availability] + [np.empty(0)]
    )
    inside = edges[(edges > points[0]) & (edges < points[-1])]
    if not np.isin(inside, points).all():
        raise ValueError("the owners' grid lacks some of their up and down edges")


@numba.njit(cache=True)
def while_up(whole: np.ndarray, owner: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``out[g, j]``: the sum over the grid intervals k < j where group g's owner is up of
    ``whole[g, k + 1] - whole[g, k]`` (``whole``: running integrals ignoring the owners'
    outages)."""
    n_groups, n = whole.shape
    out = np.empty((n_groups, n))
    for g in range(n_groups):
        running = 0.0
        out[g, 0] = 0.0
        for k in range(n - 1):
            if up[owner[g], k]:
                running += whole[g, k + 1] - whole[g, k]
            out[g, k + 1] = running
    return out


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
