"""Records answered by their owners (``RunLog.reads == "owners"``: federated).

A record is returned while it is active and its owner's node is up, and, when queries first
ask an index for the owners, while the index holds its pointer and is up; times the chance the
answer beats the deadline. The owner answers from the source itself: no ghost, no stale
version, no conflict. Everything the metrics say of federated queries is here; the rest of the
metrics read stores.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.log import RunLog, StoreLog
from sim.metrics.integrals import IndexedIntervals
from sim.metrics.intervals import Shown, first_shown, shown_intervals, subtract_windows
from sim.metrics.layout import Grid, Layout, summed
from sim.world import NATIONAL


def index_store(log: RunLog) -> StoreLog | None:
    """The store queries ask first to find the owners (a pointer index): the one store their
    view consults, if any."""
    names = sorted({name for view in log.views for name in view.stores})
    if len(names) > 1:
        raise ValueError(f"owners are found through one index store, not {names}")
    return log.stores[names[0]] if names else None


def returned_by_owners(
    log: RunLog, layout: Layout, ent: np.ndarray, days: Grid
) -> Iterator[tuple[np.ndarray, Grid, dict[str, np.ndarray]]]:
    """The one (queriers, grid, {quantity: [(querier, kind), point] cumulative}) of
    ``visibility.returned_by_view`` when owners answer: every querier asks every owner."""
    queriers = np.arange(layout.n_countries)
    index = index_store(log)
    # The grid takes the hub's up/down edges with or without an index: extra points change no
    # integral, only the order of the float sums, and these are the points federated figures
    # have always been computed on (same seed, same digits).
    grid = days.refined(log, [*log.node_availability, log.stores["hub"].availability])
    returned = owners_cumulative(log, layout, grid, index)
    projected = summed(layout.projection(ent, queriers), returned)
    zero = np.zeros_like(projected)
    yield (
        queriers,
        grid,
        {
            "vis": projected,
            "vis_act": projected,
            "ghost": zero,
            "stale": zero,
            "stale_any": zero,
            "conflict": zero,
        },
    )


def owners_cumulative(
    log: RunLog, layout: Layout, grid: Grid, index: StoreLog | None
) -> np.ndarray:
    """Cumulative integral per record group of what the owners return, weighted by the chance
    the answer is back within the deadline."""
    src = log.source
    rec = np.flatnonzero(src.sharing != NATIONAL)
    a, b = src.created[rec], np.minimum(src.deleted[rec], log.horizon)
    if index is not None:
        pointer = shown_intervals(
            index.rec,
            index.version,
            index.t,
            src,
            log.horizon,
            (index.removed_rec, index.removed_t),
        )
        rec = pointer.rec
        a = np.maximum(pointer.start, src.created[rec])
        b = np.minimum(pointer.end, np.minimum(src.deleted[rec], log.horizon))
        a, b, parent = subtract_windows(a, b, index.availability.starts, index.availability.ends)
        rec = rec[parent]
    owner = src.owner[rec]
    pieces_a, pieces_b, pieces_rec = [], [], []
    for o, availability in enumerate(log.node_availability):
        mine = owner == o
        lo, hi, parent = subtract_windows(a[mine], b[mine], availability.starts, availability.ends)
        pieces_a.append(lo)
        pieces_b.append(hi)
        pieces_rec.append(rec[mine][parent])
    rec = np.concatenate(pieces_rec)
    lo, hi = np.concatenate(pieces_a), np.concatenate(pieces_b)
    keep = lo < hi
    visible = IndexedIntervals(
        layout.group(log, rec[keep]), lo[keep], hi[keep], grid.points, layout.n_groups
    )
    return visible.cumulative(weight=log.answer_probability)


def first_visible_at_owners(log: RunLog, shown: dict[str, Shown]) -> np.ndarray:
    """When each record can first be returned: at its creation, or once its owner's node is
    up, and not before the index shows its pointer."""
    src = log.source
    first = src.created.copy()
    for o, availability in enumerate(log.node_availability):
        mine = src.owner == o
        first[mine] = availability.next_up(first[mine])
    index = index_store(log)
    if index is not None:
        first = np.maximum(first, first_shown(shown[index.name], src.n_records))
    return first
