"""Who sees what, when: exact time integrals per querier and per day.

For querier q, owner o and scope s the quantities below are counting functions of time
(records owned by o with scope s that are, at t, ...):

- ``act``: active at the source; ``allact`` the same before any entitlement filter;
- ``vis``: returned by a query of q (shown by a store q consults that is up);
- ``vis_act``: returned and active; ``ghost``: returned but deleted at the source;
- ``stale``: returned, active, and the newest version returned is older than the source's;
- ``conflict``: returned, and the stores q consults that are meant to hold it disagree on
  presence or version.

Each is integrated exactly (``cumulative_counts``) at a common grid of time points, summed over
the owners and scopes q is entitled to, and integrated over q's own up time for the returned
quantities (a querier whose node is down sees nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.log import RunLog, StoreLog
from sim.metrics.integrals import IndexedIntervals, cumulative_counts
from sim.metrics.intervals import Shown, shown_intervals, subtract_windows, up_pieces
from sim.world import NATIONAL

RETURNED = ("vis", "vis_act", "ghost", "stale", "conflict")
QUANTITIES = ("act", "allact", *RETURNED)


@dataclass(frozen=True)
class Grid:
    """Time points at which cumulative integrals are evaluated, and the metric days."""

    points: np.ndarray
    day_lo: np.ndarray
    day_hi: np.ndarray

    @classmethod
    def build(cls, log: RunLog) -> Grid:
        w, h = log.warmup, log.horizon
        first, last = int(np.floor(w)), int(np.ceil(h))
        days = np.arange(first, last)
        day_lo = np.maximum(days, w).astype(float)
        day_hi = np.minimum(days + 1, h).astype(float)
        cuts = [day_lo, day_hi]
        for availability in [
            *log.node_availability,
            *(s.availability for s in log.stores.values()),
        ]:
            cuts += [availability.starts, availability.ends]
        points = np.unique(np.clip(np.concatenate(cuts), w, h))
        return cls(points, day_lo, day_hi)

    def index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.points, t)

    @property
    def n_days(self) -> int:
        return self.day_lo.size


def daily_integrals(
    log: RunLog, shown: dict[str, Shown]
) -> tuple[Grid, dict[str, np.ndarray]]:
    """For each quantity, an array [country, day] of entitled, up-time integrals (record-days)."""
    grid = Grid.build(log)
    n = log.world.n_countries
    ent = entitlement_by_group(log)
    others = np.repeat(~np.eye(n, dtype=bool), 3, axis=1)
    active = active_cumulative(log, grid)
    out = {
        "act": per_day(ent @ active, grid),
        "allact": per_day(others @ active, grid),
    }
    for name in RETURNED:
        out[name] = np.zeros((n, grid.n_days))
    for view_queriers, projected in returned_by_view(log, grid, ent, shown):
        for name in RETURNED:
            for row, q in zip(projected[name], view_queriers, strict=True):
                out[name][q] = per_up_day(row, log.node_availability[q], grid)
    return grid, out


def entitlement_by_group(log: RunLog) -> np.ndarray:
    """``E[q, 3 o + s]``: querier q may see records of owner o with scope s."""
    ent = log.world.entitlement()
    n = log.world.n_countries
    return np.transpose(ent, (1, 2, 0)).reshape(n, 3 * n).astype(float)


def group_of(log: RunLog, rec: np.ndarray) -> np.ndarray:
    return log.source.owner[rec] * 3 + log.source.scope[rec].astype(np.int64)


def active_cumulative(log: RunLog, grid: Grid) -> np.ndarray:
    src = log.source
    rec = np.arange(src.n_records)
    return cumulative_counts(
        group_of(log, rec), src.created, src.deleted, 1.0, 3 * log.world.n_countries, grid.points
    )


def per_day(cumulative: np.ndarray, grid: Grid) -> np.ndarray:
    return cumulative[:, grid.index(grid.day_hi)] - cumulative[:, grid.index(grid.day_lo)]


def per_up_day(row: np.ndarray, availability, grid: Grid) -> np.ndarray:
    """Integral of one querier's counting function over its up time, day by day."""
    a, b, parent = subtract_windows(
        grid.day_lo, grid.day_hi, availability.starts, availability.ends
    )
    values = row[grid.index(b)] - row[grid.index(a)]
    return np.bincount(parent, weights=values, minlength=grid.n_days)


# --- returned quantities, per view -------------------------------------------------------------


def returned_by_view(log: RunLog, grid: Grid, ent: np.ndarray, shown: dict[str, Shown]):
    """Yield (queriers, {quantity: [querier, point] cumulative integrals}) for each view.

    A view's stores go up and down; in each piece of time the stores that are up form a
    subset, and the same subset recurs across pieces and views. Each subset's segments are
    computed once, over the pieces where it is needed, then projected onto every view that
    uses it (``ent`` sums owners and scopes per querier)."""
    if log.federated:
        queriers = np.arange(log.world.n_countries)
        cumulative = federated_cumulatives(log, grid)
        yield queriers, {name: ent @ cumulative[name] for name in RETURNED}
        return
    views = [(view, ProjectedIntegral(ent[view.queriers], grid.points.size)) for view in log.views]
    uses: dict[tuple[str, ...], list[tuple[ProjectedIntegral, float, float]]] = {}
    for view, acc in views:
        stores = [log.stores[name] for name in view.stores]
        lo, hi, masks = up_pieces([s.availability for s in stores], log.warmup, log.horizon)
        for piece_lo, piece_hi, mask in zip(lo, hi, masks.tolist(), strict=True):
            subset = tuple(s.name for i, s in enumerate(stores) if mask >> i & 1)
            if subset:
                uses.setdefault(subset, []).append((acc, piece_lo, piece_hi))
    for subset, targets in uses.items():
        windows = np.array([(a, b) for _, a, b in targets])
        stores = [log.stores[name] for name in subset]
        cumulative = segment_cumulatives(
            log, grid, stores, [within(shown[name], windows) for name in subset]
        )
        for acc, piece_lo, piece_hi in targets:
            acc.add_piece(cumulative, grid, piece_lo, piece_hi)
    for view, acc in views:
        yield view.queriers, acc.finish()


class ProjectedIntegral:
    """Running cumulative integrals of one view, already summed per querier."""

    def __init__(self, ent: np.ndarray, n_points: int) -> None:
        self.ent = ent
        self.values = {name: np.zeros((ent.shape[0], n_points)) for name in RETURNED}
        self.jumps = {name: np.zeros((ent.shape[0], n_points)) for name in RETURNED}

    def add_piece(self, cumulative: dict, grid: Grid, lo: float, hi: float) -> None:
        """Add the part of ``cumulative`` inside [lo, hi): inside the piece the running value
        grows as the piece's own integral; after it, by the piece's total (a jump)."""
        i0, i1 = (int(i) for i in grid.index(np.array([lo, hi])))
        for name, values in cumulative.items():
            local = self.ent @ (values[:, i0 : i1 + 1] - values[:, [i0]])
            self.values[name][:, i0 : i1 + 1] += local
            if i1 + 1 < self.jumps[name].shape[1]:
                self.jumps[name][:, i1 + 1] += local[:, -1]

    def finish(self) -> dict[str, np.ndarray]:
        return {name: self.values[name] + np.cumsum(self.jumps[name], axis=1) for name in RETURNED}


def within(shown: Shown, windows: np.ndarray) -> Shown:
    """The intervals that overlap at least one of the windows."""
    lo, hi = merged(windows)
    k = np.searchsorted(hi, shown.start, side="right")
    safe = np.minimum(k, lo.size - 1)
    overlap = (k < lo.size) & (lo[safe] < shown.end)
    return shown.select(overlap)


def merged(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of possibly overlapping windows, as sorted disjoint windows."""
    order = np.argsort(windows[:, 0])
    lo, hi = windows[order, 0], np.maximum.accumulate(windows[order, 1])
    starts_new = np.r_[True, lo[1:] > hi[:-1]]
    ends = np.r_[np.flatnonzero(starts_new)[1:] - 1, lo.size - 1]
    return lo[starts_new], hi[ends]


def segment_cumulatives(log: RunLog, grid: Grid, stores: list[StoreLog], shown: list[Shown]):
    """Cut each record's life at every change of what the given (up) stores show or of its
    source version; classify each segment; integrate the segments."""
    src = log.source
    span = float(np.ceil(log.horizon) + 2)
    n_groups = 3 * log.world.n_countries
    empty = {name: np.zeros((n_groups, grid.points.size)) for name in RETURNED}
    if not any(s.rec.size for s in shown):
        return empty
    in_view = np.zeros(src.n_records, dtype=bool)
    for s in shown:
        in_view[s.rec] = True
    changes = in_view[src.change_rec]
    src_rec, src_t = src.change_rec[changes], src.change_time[changes]
    src_key = src_rec * span + src_t
    order = np.argsort(src_key, kind="stable")
    src_key, src_rec, src_ver = src_key[order], src_rec[order], src.change_version[changes][order]
    keys = np.unique(
        np.concatenate(
            [src_key]
            + [s.rec * span + s.start for s in shown]
            + [s.rec * span + s.end for s in shown]
        )
    )
    rec = np.floor(keys / span).astype(np.int64)
    same_next = np.r_[rec[1:] == rec[:-1], False]
    length = np.where(same_next, np.r_[keys[1:], 0.0] - keys, 0.0)
    start = keys - rec * span
    live = (length > 0) & (start + length > log.warmup) & (start < log.horizon)
    keys, rec, length, start = keys[live], rec[live], length[live], start[live]

    newest = np.full(keys.size, -1, dtype=np.int64)
    lowest_meant = np.full(keys.size, np.iinfo(np.int64).max)
    highest_meant = np.full(keys.size, -2, dtype=np.int64)
    for store, s in zip(stores, shown, strict=True):
        state = state_at(keys, rec, s, span)
        newest = np.maximum(newest, state)
        meant = store.destined[rec]
        lowest_meant = np.where(meant, np.minimum(lowest_meant, state), lowest_meant)
        highest_meant = np.where(meant, np.maximum(highest_meant, state), highest_meant)

    pos = np.searchsorted(src_key, keys, side="right") - 1
    source_version = np.where(src_rec[np.maximum(pos, 0)] == rec, src_ver[np.maximum(pos, 0)], -1)
    deleted_key = rec * span + np.minimum(src.deleted[rec], log.horizon + 0.5)
    visible = newest >= 0
    active = visible & (keys < deleted_key)
    masks = {
        "vis": visible,
        "vis_act": active,
        "ghost": visible & (keys >= deleted_key),
        "stale": active & (newest < source_version),
        "conflict": visible & (highest_meant > lowest_meant),
    }
    segments = IndexedIntervals(group_of(log, rec), start, start + length, grid.points)
    return {name: segments.cumulative(mask, n_groups) for name, mask in masks.items()}


def state_at(keys: np.ndarray, rec: np.ndarray, s: Shown, span: float) -> np.ndarray:
    """Version a store shows at each segment start (-1: nothing)."""
    start_key = s.rec * span + s.start
    end_key = s.rec * span + s.end
    pos = np.searchsorted(start_key, keys, side="right") - 1
    safe = np.maximum(pos, 0)
    inside = (pos >= 0) & (s.rec[safe] == rec) & (keys < end_key[safe])
    return np.where(inside, s.version[safe], -1)


# --- federated ---------------------------------------------------------------------------------


def federated_cumulatives(log: RunLog, grid: Grid) -> dict[str, np.ndarray]:
    """A record is returned while it is active, its owner's node is up (and, with an index,
    the hub holds its pointer and is up), times the chance the answer beats the deadline.
    The owner answers from the source itself: no ghost, no stale version, no conflict."""
    src = log.source
    n_groups = 3 * log.world.n_countries
    rec = np.flatnonzero(src.scope != NATIONAL)
    a, b = src.created[rec], np.minimum(src.deleted[rec], log.horizon)
    if log.federated_index:
        hub = log.stores["hub"]
        pointer = shown_intervals(hub.rec, hub.version, hub.t, src, log.horizon)  # small: pointers
        rec = pointer.rec
        a = np.maximum(pointer.start, src.created[rec])
        b = np.minimum(pointer.end, np.minimum(src.deleted[rec], log.horizon))
        a, b, parent = subtract_windows_sorted(a, b, hub.availability)
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
    visible = cumulative_counts(
        group_of(log, rec[keep]), lo[keep], hi[keep], log.answer_probability, n_groups, grid.points
    )
    zero = np.zeros_like(visible)
    return {"vis": visible, "vis_act": visible, "ghost": zero, "stale": zero, "conflict": zero}


def subtract_windows_sorted(a: np.ndarray, b: np.ndarray, availability):
    return subtract_windows(a, b, availability.starts, availability.ends)
