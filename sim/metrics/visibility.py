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
from sim.metrics.integrals import cumulative_counts
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


def daily_integrals(log: RunLog) -> tuple[Grid, dict[str, np.ndarray]]:
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
    for view_queriers, cumulative in returned_cumulatives(log, grid):
        for name in RETURNED:
            rows = ent[view_queriers] @ cumulative[name]
            for row, q in zip(rows, view_queriers, strict=True):
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


def returned_cumulatives(log: RunLog, grid: Grid):
    """Yield (queriers, {quantity: cumulative [group, point]}) for each view."""
    if log.federated:
        yield np.arange(log.world.n_countries), federated_cumulatives(log, grid)
        return
    shown = {
        name: shown_intervals(s.rec, s.version, s.t, log.source, log.horizon)
        for name, s in log.stores.items()
    }
    for view in log.views:
        stores = [log.stores[name] for name in view.stores]
        yield view.queriers, view_cumulatives(log, grid, stores, [shown[s.name] for s in stores])


def view_cumulatives(log: RunLog, grid: Grid, stores: list[StoreLog], shown: list[Shown]):
    """Piece by piece of the stores' joint up/down state, the returned counting functions."""
    lo, hi, masks = up_pieces([s.availability for s in stores], log.warmup, log.horizon)
    n_groups = 3 * log.world.n_countries
    total = {name: np.zeros((n_groups, grid.points.size)) for name in RETURNED}
    by_mask: dict[int, dict[str, np.ndarray]] = {}
    for piece_lo, piece_hi, mask in zip(lo, hi, masks.tolist(), strict=True):
        if mask == 0:
            continue
        if mask not in by_mask:
            up = [i for i in range(len(stores)) if mask >> i & 1]
            by_mask[mask] = segment_cumulatives(
                log, grid, [stores[i] for i in up], [shown[i] for i in up]
            )
        add_piece(total, by_mask[mask], grid, piece_lo, piece_hi)
    return total


def add_piece(total: dict, cumulative: dict, grid: Grid, lo: float, hi: float) -> None:
    """Add the part of ``cumulative`` that falls in [lo, hi) to the running integral."""
    i0, i1 = grid.index(np.array([lo, hi]))
    cols = np.clip(np.arange(grid.points.size), i0, i1)
    for name, values in cumulative.items():
        total[name] += values[:, cols] - values[:, [i0]]


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
        "conflict": visible & (highest_meant > lowest_meant) & (lowest_meant > -2),
    }
    group = group_of(log, rec)
    out = {}
    for name, mask in masks.items():
        sel = mask & (length > 0)
        out[name] = cumulative_counts(
            group[sel], start[sel], start[sel] + length[sel], 1.0, n_groups, grid.points
        )
    return out


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
        pointer = shown_intervals(hub.rec, hub.version, hub.t, src, log.horizon)
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
