"""Who sees what, when: exact time integrals per querier, per record kind and per day.

For querier q and the records of owner o, scope s and kind k, the quantities below are counting
functions of time (how many such records are, at t, ...):

- ``act``: active at the source; ``allact`` the same before any entitlement filter;
- ``vis``: returned by a query of q (shown by a store q consults that is up);
- ``vis_act``: returned and active; ``ghost``: returned but deleted at the source;
- ``stale``: returned, active, and the newest version returned is older than the source's;
- ``conflict``: returned, and the stores q consults that are meant to hold it disagree on
  presence or version.

Each is integrated exactly (``IndexedIntervals``) at a grid of time points, summed over the
owners and scopes q is entitled to, and, for the returned quantities, integrated over q's own
up time only (a querier whose node is down sees nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.outages import Availability
from sim.log import RunLog, StoreLog
from sim.metrics.integrals import Increments, IndexedIntervals, grid_positions
from sim.metrics.intervals import (
    Shown,
    clip_to_windows,
    shown_intervals,
    subtract_windows,
    up_pieces,
)
from sim.world import NATIONAL

RETURNED = ("vis", "vis_act", "ghost", "stale", "conflict")


@dataclass(frozen=True)
class Layout:
    """Records are counted in groups g = (owner, scope, kind); queriers in rows (q, kind)."""

    n_countries: int
    n_scopes: int
    n_kinds: int

    @classmethod
    def of(cls, log: RunLog) -> Layout:
        return cls(log.world.n_countries, log.world.n_scopes, len(log.source.kind_names))

    @property
    def n_groups(self) -> int:
        return self.n_countries * self.n_scopes * self.n_kinds

    def group(self, log: RunLog, rec: np.ndarray) -> np.ndarray:
        src = log.source
        return (src.owner[rec] * self.n_scopes + src.scope[rec]) * self.n_kinds + src.kind[rec]

    def projection(self, ent: np.ndarray, queriers: np.ndarray) -> np.ndarray:
        """P[(q, k), (o, s, k')] = ent[s, q, o] if k == k': sums what q may see, kind by kind."""
        per_owner = np.transpose(ent[:, queriers, :], (1, 2, 0))  # q, o, s
        eye = np.eye(self.n_kinds)
        full = per_owner[:, None, :, :, None] * eye[None, :, None, None, :]  # q, k, o, s, k'
        return full.reshape(queriers.size * self.n_kinds, self.n_groups)


def summed(projection: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``projection @ values`` by numpy's own loops, not BLAS: these products are small, and
    threaded BLAS on a busy two-core machine made them up to ten times slower (a one-thread
    BLAS would be about three times faster than this, but its thread count is not ours)."""
    return np.einsum("rg,gp->rp", projection, values)


@dataclass(frozen=True)
class Grid:
    """Sorted time points inside the window, always including every metric day's edges."""

    points: np.ndarray
    day_lo: np.ndarray
    day_hi: np.ndarray

    @classmethod
    def days(cls, log: RunLog) -> Grid:
        first, last = int(np.floor(log.warmup)), int(np.ceil(log.horizon))
        days = np.arange(first, last)
        day_lo = np.maximum(days, log.warmup).astype(float)
        day_hi = np.minimum(days + 1, log.horizon).astype(float)
        return cls(np.unique(np.r_[day_lo, day_hi]), day_lo, day_hi)

    def refined(self, log: RunLog, availabilities: list[Availability]) -> Grid:
        """The same days, with the up/down edges of the given nodes added."""
        cuts = [self.points]
        for availability in availabilities:
            cuts += [availability.starts, availability.ends]
        points = np.unique(np.clip(np.concatenate(cuts), log.warmup, log.horizon))
        return Grid(points, self.day_lo, self.day_hi)

    def index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.points, t)

    @property
    def n_days(self) -> int:
        return self.day_lo.size


def daily_integrals(log: RunLog, shown: dict[str, Shown]) -> dict[str, np.ndarray]:
    """For each quantity, an array [country, kind, day] of entitled integrals (record-days),
    the returned ones over the querier's up time."""
    layout = Layout.of(log)
    everyone = np.arange(layout.n_countries)
    ent = log.world.entitlement()
    days = Grid.days(log)
    active = active_cumulative(log, layout, days)
    others = np.broadcast_to(~np.eye(layout.n_countries, dtype=bool), ent.shape)
    shape = (layout.n_countries, layout.n_kinds, days.n_days)
    out = {
        "act": per_day(summed(layout.projection(ent, everyone), active), days).reshape(shape),
        "allact": per_day(summed(layout.projection(others, everyone), active), days).reshape(shape),
    }
    for name in RETURNED:
        out[name] = np.zeros(shape)
    for queriers, grid, projected in returned_by_view(log, layout, ent, days, shown):
        for name in RETURNED:
            rows = projected[name].reshape(queriers.size, layout.n_kinds, -1)
            for q, row in zip(queriers, rows, strict=True):
                out[name][q] = per_up_day(row, log.node_availability[q], grid)
    return out


def active_cumulative(log: RunLog, layout: Layout, grid: Grid) -> np.ndarray:
    src = log.source
    group = layout.group(log, np.arange(src.n_records))
    return IndexedIntervals(
        group, src.created, src.deleted, grid.points, layout.n_groups
    ).cumulative()


def per_day(cumulative: np.ndarray, grid: Grid) -> np.ndarray:
    return cumulative[..., grid.index(grid.day_hi)] - cumulative[..., grid.index(grid.day_lo)]


def per_up_day(rows: np.ndarray, availability: Availability, grid: Grid) -> np.ndarray:
    """Integral of one querier's counting functions (one row per kind) over its up time, by day."""
    a, b, parent = subtract_windows(
        grid.day_lo, grid.day_hi, availability.starts, availability.ends
    )
    values = rows[:, grid.index(b)] - rows[:, grid.index(a)]
    out = np.zeros((rows.shape[0], grid.n_days))
    np.add.at(out.T, parent, values.T)
    return out


# --- returned quantities, per view -------------------------------------------------------------


def returned_by_view(
    log: RunLog, layout: Layout, ent: np.ndarray, days: Grid, shown: dict[str, Shown]
):
    """Yield (queriers, grid, {quantity: [(querier, kind), point] cumulative}) per view.

    A view's stores go up and down; in each piece of time the stores that are up form a
    subset, and the same subset recurs across pieces and views. Each subset's segments are
    computed once, on the union of the grids of the views that need it, and projected onto
    each of them."""
    if log.federated:
        queriers = np.arange(layout.n_countries)
        grid = days.refined(log, [*log.node_availability, log.stores["hub"].availability])
        cumulative = federated_cumulatives(log, layout, grid)
        projection = layout.projection(ent, queriers)
        # Several quantities share one array there: sum each array once.
        distinct = {id(v): v for v in cumulative.values()}
        sums = {key: summed(projection, v) for key, v in distinct.items()}
        yield queriers, grid, {name: sums[id(v)] for name, v in cumulative.items()}
        return
    source = SourceIndex.of(log)
    views = []
    uses: dict[tuple[str, ...], list[tuple[ViewIntegral, float, float]]] = {}
    for view in log.views:
        stores = [log.stores[name] for name in view.stores]
        availabilities = [s.availability for s in stores]
        grid = days.refined(log, availabilities + [log.node_availability[q] for q in view.queriers])
        acc = ViewIntegral(layout.projection(ent, view.queriers), grid)
        views.append((view, acc))
        lo, hi, masks = up_pieces(availabilities, log.warmup, log.horizon)
        for piece_lo, piece_hi, mask in zip(lo, hi, masks.tolist(), strict=True):
            subset = tuple(s.name for i, s in enumerate(stores) if mask >> i & 1)
            if subset:
                uses.setdefault(subset, []).append((acc, piece_lo, piece_hi))
    for subset, targets in uses.items():
        points = np.unique(np.concatenate([acc.grid.points for acc, _, _ in targets]))
        windows = clipping_windows(np.array([(a, b) for _, a, b in targets]), log)
        cumulative = segment_cumulatives(
            log,
            layout,
            points,
            [log.stores[name] for name in subset],
            [clipped(shown[name], *windows) for name in subset],
            source,
            windows,
        )
        for acc in {id(acc): acc for acc, _, _ in targets}.values():
            projected = acc.project(cumulative, points)
            for target, piece_lo, piece_hi in targets:
                if target is acc:
                    acc.add_piece(projected, piece_lo, piece_hi)
    for view, acc in views:
        yield view.queriers, acc.grid, acc.finish()


class ViewIntegral:
    """Running cumulative integrals of one view on its own grid, projected per (querier, kind)."""

    def __init__(self, projection: np.ndarray, grid: Grid) -> None:
        self.projection = projection
        self.grid = grid
        shape = (projection.shape[0], grid.points.size)
        self.values = {name: np.zeros(shape) for name in RETURNED}
        self.jumps = {name: np.zeros(shape) for name in RETURNED}

    def project(self, cumulative: dict, points: np.ndarray) -> dict[str, np.ndarray]:
        """A subset's cumulative integrals (on ``points``) summed per (querier, kind) and taken
        at this view's grid points."""
        cols = np.searchsorted(points, self.grid.points)
        return {name: summed(self.projection, v[:, cols]) for name, v in cumulative.items()}

    def add_piece(self, projected: dict, lo: float, hi: float) -> None:
        """Add the part of ``projected`` inside [lo, hi): inside the piece the running value
        grows as the piece's own integral; after it, by its total."""
        i0, i1 = (int(i) for i in self.grid.index(np.array([lo, hi])))
        for name, values in projected.items():
            local = values[:, i0 : i1 + 1] - values[:, i0 : i0 + 1]
            self.values[name][:, i0 : i1 + 1] += local
            if i1 + 1 < self.grid.points.size:
                self.jumps[name][:, i1 + 1] += local[:, -1]

    def finish(self) -> dict[str, np.ndarray]:
        return {name: self.values[name] + np.cumsum(self.jumps[name], axis=1) for name in RETURNED}


CLIP_MARGIN_DAYS = 1e-3
"""Cuts stay this far outside the pieces: a cut rounds (as a key ``record * span + t``), and a
rounded cut must not move the integral at a piece's edge, which is a grid point."""

CLIP_GAP_DAYS = 7.0
"""Gaps between pieces shorter than this are not cut out: cutting splits every interval that
spans the gap, which costs more than the little inside it saves."""


def clipping_windows(pieces: np.ndarray, log: RunLog) -> tuple[np.ndarray, np.ndarray]:
    """Sorted disjoint windows covering the pieces ``[lo, hi)`` in which a subset is consulted,
    with a margin, and without the short gaps. Nothing outside the run's window counts
    anyway, so windows that reach its edges are left open there (and a subset consulted
    throughout is not clipped at all)."""
    lo, hi = merged(pieces + np.array([-CLIP_MARGIN_DAYS, CLIP_MARGIN_DAYS]))
    lo, hi = merged(np.column_stack([lo, hi + CLIP_GAP_DAYS]))
    hi = hi - CLIP_GAP_DAYS
    if lo[0] < log.warmup + CLIP_GAP_DAYS:
        lo[0] = -np.inf
    if hi[-1] > log.horizon - CLIP_GAP_DAYS:
        hi[-1] = np.inf
    return lo, hi


def clipped(shown: Shown, lo: np.ndarray, hi: np.ndarray) -> Shown:
    """What a store shows inside the sorted disjoint windows ``[lo, hi)``: outside them no
    view consults the subset, so nothing there counts (and records absent from every window
    need no work at all)."""
    if np.isneginf(lo[0]) and np.isposinf(hi[-1]) and lo.size == 1:
        return shown
    start, end, parent = clip_to_windows(shown.start, shown.end, lo, hi)
    return Shown(shown.rec[parent], shown.version[parent], start, end)


def inside(t: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether each time falls in one of the sorted disjoint windows ``[lo, hi)``."""
    k = np.searchsorted(hi, t, side="right")
    return (k < lo.size) & (lo[np.minimum(k, lo.size - 1)] <= t)


def merged(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of possibly overlapping windows, as sorted disjoint windows."""
    order = np.argsort(windows[:, 0])
    lo, hi = windows[order, 0], np.maximum.accumulate(windows[order, 1])
    starts_new = np.r_[True, lo[1:] > hi[:-1]]
    ends = np.r_[np.flatnonzero(starts_new)[1:] - 1, lo.size - 1]
    return lo[starts_new], hi[ends]


CHUNK_RECORDS = 65_536
"""Records classified at once: bounds the temporary arrays of ``segment_cumulatives`` (about
150 MB at the benchmark's scale; smaller chunks were no slower)."""


@dataclass(frozen=True)
class SourceIndex:
    """The source's changes ordered by (record, time), to slice by record range."""

    rec: np.ndarray
    time: np.ndarray
    version: np.ndarray

    @classmethod
    def of(cls, log: RunLog) -> SourceIndex:
        src = log.source
        order = np.lexsort((src.change_time, src.change_rec))
        return cls(src.change_rec[order], src.change_time[order], src.change_version[order])


def segment_cumulatives(
    log: RunLog,
    layout: Layout,
    points: np.ndarray,
    stores: list[StoreLog],
    shown: list[Shown],
    source: SourceIndex,
    windows: tuple[np.ndarray, np.ndarray],
) -> dict[str, np.ndarray]:
    """Cut each record's life at every change of what the given (up) stores show or of its
    source version; classify each segment; integrate the segments on ``points``. ``shown``
    is clipped to the sorted disjoint ``windows``, the only times that count.

    Records are taken in chunks (the result is a sum over records)."""
    totals: dict[str, Increments] = {}
    for lo in range(0, log.source.n_records, CHUNK_RECORDS):
        bounds = np.array([lo, lo + CHUNK_RECORDS])
        part = [s.select(slice(*np.searchsorted(s.rec, bounds))) for s in shown]
        if not any(s.rec.size for s in part):
            continue
        i0, i1 = np.searchsorted(source.rec, bounds)
        chunk = SourceIndex(source.rec[i0:i1], source.time[i0:i1], source.version[i0:i1])
        classes = classify_segments(log, layout, points, stores, part, chunk, windows)
        for name, values in classes.items():
            if name in totals:
                totals[name] += values
            else:
                totals[name] = values
    if not totals:
        return {name: np.zeros((layout.n_groups, points.size)) for name in RETURNED}
    return {name: inc.cumulative() for name, inc in totals.items()}


def classify_segments(
    log: RunLog,
    layout: Layout,
    points: np.ndarray,
    stores: list[StoreLog],
    shown: list[Shown],
    source: SourceIndex,
    windows: tuple[np.ndarray, np.ndarray],
) -> dict[str, Increments]:
    """Times are keys ``record * span + t`` so that one sort orders every record's breakpoints;
    ``span`` exceeds the horizon, so keys of different records never mix.

    Only segments some store shows count; outside the windows none does, so source changes
    there need not cut segments (the source version is still looked up among them all)."""
    src = log.source
    span = float(np.ceil(log.horizon) + 2)
    in_view = np.zeros(src.n_records, dtype=bool)
    for s in shown:
        in_view[s.rec] = True
    mine = in_view[source.rec]
    src_rec, src_ver = source.rec[mine], source.version[mine]
    src_key = src_rec * span + source.time[mine]
    cuts = src_key[inside(source.time[mine], *windows)]
    starts = [s.rec * span + s.start for s in shown]
    ends = [s.rec * span + s.end for s in shown]
    keys, rank = breakpoints([cuts, *starts, *ends])
    ranks = np.split(rank[cuts.size :], np.cumsum([k.size for k in starts + ends])[:-1])
    states = [
        versions_by_breakpoint(ranks[i], ranks[len(shown) + i], s.version, keys.size)
        for i, s in enumerate(shown)
    ]
    newest = np.maximum.reduce(states)
    rec = np.floor(keys / span).astype(np.int64)
    same_next = np.r_[rec[1:] == rec[:-1], False]
    start = keys - rec * span
    # A segment ends where the next one of the same record starts: locate each time once.
    j_start = grid_positions(points, start)
    end = np.r_[start[1:], 0.0]
    j_end = np.r_[j_start[1:], 0]
    # Only what some store shows counts: drop the rest before classifying.
    live = same_next & (end > start) & (end > log.warmup) & (start < log.horizon)
    live = np.flatnonzero(live & (newest >= 0))
    keys, rec, newest = keys[live], rec[live], newest[live]
    states = [state[live] for state in states]

    lowest_meant = np.full(keys.size, np.iinfo(np.int64).max)
    highest_meant = np.full(keys.size, -2, dtype=np.int64)
    for store, state in zip(stores, states, strict=True):
        meant = store.destined[rec]
        lowest_meant = np.where(meant, np.minimum(lowest_meant, state), lowest_meant)
        highest_meant = np.where(meant, np.maximum(highest_meant, state), highest_meant)
    pos = np.maximum(np.searchsorted(src_key, keys, side="right") - 1, 0)
    source_version = np.where(src_rec[pos] == rec, src_ver[pos], -1)
    deleted_key = rec * span + np.minimum(src.deleted[rec], log.horizon + 0.5)
    active = keys < deleted_key
    segments = IndexedIntervals(
        layout.group(log, rec),
        start[live],
        end[live],
        points,
        layout.n_groups,
        located=(j_start[live], j_end[live]),
    )
    shown_all = segments.increments()
    ghost = segments.increments(~active)
    return {
        "vis": shown_all,
        "vis_act": shown_all - ghost,
        "ghost": ghost,
        "stale": segments.increments(active & (newest < source_version)),
        "conflict": segments.increments(highest_meant > lowest_meant),
    }


def breakpoints(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of all the parts, ascending, and the index among them of each key of
    the parts (concatenated): found by the sort itself, not searched for again."""
    keys = np.concatenate(parts)
    order = np.argsort(keys, kind="stable")  # the parts are sorted runs: merging is cheap
    ordered = keys[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return ordered[new], rank


def versions_by_breakpoint(
    first: np.ndarray, after: np.ndarray, version: np.ndarray, n: int
) -> np.ndarray:
    """Version a store shows from each of ``n`` breakpoints on (-1: nothing), its intervals
    (sorted, disjoint) spanning breakpoints ``first`` to ``after - 1``."""
    lengths = np.empty(2 * first.size + 1, dtype=np.int64)
    lengths[0:-1:2] = first - np.r_[0, after[:-1]]  # the gap before each interval
    lengths[1::2] = after - first
    lengths[-1] = n - (after[-1] if after.size else 0)
    values = np.full(lengths.size, -1, dtype=version.dtype)
    values[1::2] = version
    return np.repeat(values, lengths)


# --- federated ---------------------------------------------------------------------------------


def federated_cumulatives(log: RunLog, layout: Layout, grid: Grid) -> dict[str, np.ndarray]:
    """A record is returned while it is active, its owner's node is up (and, with an index,
    the hub holds its pointer and is up), times the chance the answer beats the deadline.
    The owner answers from the source itself: no ghost, no stale version, no conflict."""
    src = log.source
    rec = np.flatnonzero(src.sharing != NATIONAL)
    a, b = src.created[rec], np.minimum(src.deleted[rec], log.horizon)
    if log.federated_index:
        hub = log.stores["hub"]
        pointer = shown_intervals(hub.rec, hub.version, hub.t, src, log.horizon)
        rec = pointer.rec
        a = np.maximum(pointer.start, src.created[rec])
        b = np.minimum(pointer.end, np.minimum(src.deleted[rec], log.horizon))
        a, b, parent = subtract_windows(a, b, hub.availability.starts, hub.availability.ends)
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
    returned = visible.cumulative(weight=log.answer_probability)
    zero = np.zeros_like(returned)
    return {"vis": returned, "vis_act": returned, "ghost": zero, "stale": zero, "conflict": zero}
