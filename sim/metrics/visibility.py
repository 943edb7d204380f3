"""Who sees what, when: exact time integrals per querier, per record kind and per day.

For querier q and the records of owner o, scope s and kind k, the quantities below are counting
functions of time (how many such records are, at t, ...):

- ``act``: active at the source; ``allact`` the same before any entitlement filter;
- ``vis``: returned by a query of q (shown by a store q consults that is up);
- ``vis_act``: returned and active; ``ghost``: returned but deleted at the source;
- ``stale``: returned, active, and the newest version returned is older than the source's
  latest material version (one that changes what an officer should do);
- ``stale_any``: the same against the source's latest version, material or administrative;
- ``conflict``: returned, and the stores q consults that are meant to hold it disagree on
  presence or version.

Each is integrated exactly (``IndexedIntervals``) at a grid of time points, summed over the
owners and scopes q is entitled to, and, for the returned quantities, integrated over q's own
up time only (a querier whose node is down sees nothing).
"""

from __future__ import annotations

from collections.abc import Iterator

import numba
import numpy as np

from sim.log import RunLog
from sim.metrics.cache import owner_part
from sim.metrics.integrals import IndexedIntervals
from sim.metrics.intervals import Shown, base_name, shown_key, up_pieces
from sim.metrics.layout import RETURNED, Grid, Layout
from sim.metrics.owners import OwnersReturn, returned_by_owners
from sim.metrics.reading import Readings, read_groups
from sim.metrics.segments import COLUMNS, SPARE, Slots, subset_slots
from sim.topology import CacheThenOwner, OwnerAnswers, Phase, Shows, View
from sim.topology import views as plan_views

__all__ = ["RETURNED", "Grid", "Layout", "daily_integrals"]


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
        "act": per_day(layout.project(ent, everyone, active), days).reshape(shape),
        "allact": per_day(layout.project(others, everyone, active), days).reshape(shape),
    }
    for name in RETURNED:
        out[name] = np.zeros(shape)
    for queriers, read in returned_by_view(log, layout, ent, days, shown):
        for q, name in enumerate(RETURNED):
            # A querier's views hold for other kinds or other days: their integrals add.
            out[name][queriers] += read[:, :, q]
    SPARE.release()
    return out


def active_cumulative(log: RunLog, layout: Layout, grid: Grid) -> np.ndarray:
    src = log.source
    group = layout.group(log, np.arange(src.n_records))
    return IndexedIntervals(
        group, src.created, src.deleted, grid.points, layout.n_groups
    ).cumulative()


def per_day(cumulative: np.ndarray, grid: Grid) -> np.ndarray:
    return cumulative[..., grid.index(grid.day_hi)] - cumulative[..., grid.index(grid.day_lo)]


# --- returned quantities, per view -------------------------------------------------------------


Returned = Iterator[tuple[np.ndarray, np.ndarray]]
"""(queriers, [querier, kind, quantity, day] integrals over each querier's up time) of one
view's phases (quantities in the order of ``RETURNED``)."""


def returned_by_view(
    log: RunLog, layout: Layout, ent: np.ndarray, days: Grid, shown: dict[str, Shown]
) -> Returned:
    """What each view of the plan returns, by the reading rule of each of its phases: the
    phases where stores answer together, then those where owners answer, then those where a
    cache answers (like a store) or else the owners."""
    phases = view_phases(log)
    yield from returned_by_stores(log, layout, ent, days, shown, phases[Shows])
    known: OwnersReturn = {}
    for view, phase in phases[OwnerAnswers]:
        yield returned_by_owners(log, layout, ent, days, view, phase, known)
    del known
    yield from returned_by_stores(log, layout, ent, days, shown, phases[CacheThenOwner])
    for view, phase in phases[CacheThenOwner]:
        yield owner_part(log, layout, ent, days, shown, view, phase)


def view_phases(log: RunLog) -> dict[type, list[tuple[View, Phase]]]:
    """Every phase of every view of the plan, by the type of its reading rule (a phase reads
    by one rule: ``sim.topology.check``)."""
    out: dict[type, list[tuple[View, Phase]]] = {rule: [] for rule in READINGS}
    n, kinds = log.world.n_countries, log.source.kind_names
    for view in plan_views(log.plan, n, kinds):
        for phase in view.phases:
            rule = type(log.plan.consults[phase.rows[0]].reading)
            out[rule].append((view, phase))
    return out


READINGS = (Shows, OwnerAnswers, CacheThenOwner)


def returned_by_stores(
    log: RunLog,
    layout: Layout,
    ent: np.ndarray,
    days: Grid,
    shown: dict[str, Shown],
    phases: list[tuple[View, Phase]],
) -> Returned:
    """The phases where stores answer: a view's stores go up and down; in each piece of time
    the stores that are up form a subset, and the same subset recurs across pieces and views.
    Every subset's integrals come from one sweep of the records (``subset_slots``), on the
    union of the views' grids; each view then adds up its pieces."""
    integrals, uses = view_integrals(log, layout, ent, days, phases)
    if not integrals:
        return
    subsets = list(uses)
    points = np.unique(np.concatenate([acc.grid.points for _, acc in integrals]))
    pieces: dict[int, list[tuple[int, float, float]]] = {id(acc): [] for _, acc in integrals}
    for j, targets in enumerate(uses.values()):
        for acc, piece_lo, piece_hi in targets:
            pieces[id(acc)].append((j, piece_lo, piece_hi))
    for block in subset_slots(log, layout, shown, subsets, points):
        for _, acc in integrals:
            acc.integrate(block, pieces[id(acc)])
    for view, acc in integrals:
        yield view.queriers, acc.read


Uses = dict[tuple[str, ...], list[tuple["ViewIntegral", float, float]]]
"""Per subset of stores up together, the (view, piece start, piece end) that consult it."""


def view_integrals(
    log: RunLog, layout: Layout, ent: np.ndarray, days: Grid, phases: list[tuple[View, Phase]]
) -> tuple[list[tuple[View, ViewIntegral]], Uses]:
    """An empty integral per view on its own grid, and in which pieces of time each subset of
    its stores is the one up, phase by phase."""
    integrals: dict[int, tuple[View, ViewIntegral]] = {}
    uses: Uses = {}
    for view, phase in phases:
        keys = [shown_key(log, log.plan.consults[i]) for i in phase.rows]
        stores = [log.stores[base_name(key)] for key in keys]
        availabilities = [s.availability for s in stores]
        if id(view) not in integrals:
            grid = days.refined(
                log,
                [log.stores[base_name(k)].availability for k in view_keys(log, view)]
                + [log.node_availability[q] for q in view.queriers],
            )
            readings = Readings.of(log, view.queriers, grid)
            integrals[id(view)] = (view, ViewIntegral(layout, ent, view, grid, readings))
        acc = integrals[id(view)][1]
        lo, hi, masks = up_pieces(
            availabilities, max(log.warmup, phase.start), min(log.horizon, phase.end)
        )
        for piece_lo, piece_hi, mask in zip(lo, hi, masks.tolist(), strict=True):
            subset = tuple(key for i, key in enumerate(keys) if mask >> i & 1)
            if subset and piece_lo < piece_hi:
                uses.setdefault(subset, []).append((acc, piece_lo, piece_hi))
    return list(integrals.values()), uses


def view_keys(log: RunLog, view: View) -> list[str]:
    """The stores (as ``shown`` keys) a view's phases read what they applied from (stores,
    caches), in order."""
    keys = [
        shown_key(log, log.plan.consults[i])
        for phase in view.phases
        for i in phase.rows
        if isinstance(log.plan.consults[i].reading, Shows | CacheThenOwner)
    ]
    return list(dict.fromkeys(keys))


class ViewIntegral:
    """The integrals of one view on its own grid, read by each querier over its up time:
    ``read[querier, kind, quantity, day]`` (quantities in the order of ``RETURNED``), added
    up block by block."""

    def __init__(
        self, layout: Layout, ent: np.ndarray, view: View, grid: Grid, readings: Readings
    ) -> None:
        self.layout = layout
        self.ent = ent
        self.view = view
        self.grid = grid
        self.readings = readings
        self.read = np.zeros((view.queriers.size, layout.n_kinds, len(RETURNED), grid.n_days))

    def seen_groups(self) -> np.ndarray:
        """Per record group (owner, scope, kind): some querier of the view may see it."""
        layout, view = self.layout, self.view
        weights = layout.owner_weights(self.ent, view.queriers, view.owners)
        owner_scope = np.asarray(weights.any(axis=0))  # o, s
        kinds = np.zeros(layout.n_kinds, dtype=bool)
        kinds[view.kinds] = True
        return (owner_scope[:, None] & kinds[None, :]).reshape(-1)

    def integrate(self, slots: Slots, pieces: list[tuple[int, float, float]]) -> None:
        """Add up the pieces ``(subset, start, end)`` for the classes of one block of slots:
        inside a piece the running value grows as that subset's integral, after it by the
        subset's total over the piece. Summed per record group first, then read by each
        querier over its up time into ``read``."""
        seen = np.flatnonzero(self.seen_groups()[slots.class_group])
        seen = seen[(seen >= slots.classes.start) & (seen < slots.classes.stop)]
        if seen.size == 0:
            return
        subsets = np.array([subset for subset, _, _ in pieces], dtype=np.int64)
        edges = self.grid.index(np.array([(lo, hi) for _, lo, hi in pieces]).reshape(-1, 2))
        groups, member = np.unique(slots.class_group[seen], return_inverse=True)
        summed = piecewise(
            slots.cumulative,
            slots.rows(slots.slot_of[np.ix_(seen, subsets)]),
            np.searchsorted(slots.points, self.grid.points),
            edges[:, 0].astype(np.int64),
            edges[:, 1].astype(np.int64),
            COLUMNS,
            member.astype(np.int64),
            groups.size,
        )
        view = self.view
        read_groups(
            self.layout,
            self.ent,
            view.queriers,
            self.readings,
            groups,
            summed,
            self.read,
            view.kinds,
            view.owners,
        )


@numba.njit(cache=True)
def piecewise(
    cumulative: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    columns: np.ndarray,
    member: np.ndarray,
    n_groups: int,
) -> np.ndarray:
    """``[group, quantity, point]`` running integrals of a view on its grid, summed over the
    classes of each record group (class c of group ``member[c]``): piece p (points
    ``first[p]`` to ``last[p]``) reads class c's row ``rows[c, p]`` of ``cumulative`` (at the
    columns ``cols`` of its grid): inside the piece the value grows as that row from the
    piece's start; after it by the row's total over the piece. One pass per class into one
    class-sized scratch, added to its group's row in class order (the same sums as adding
    the classes' arrays group by group); no temporary the size of the classes. Point by
    point, the quantities side by side: ``cumulative`` holds them so, and the scratch too."""
    n_classes, n_pieces = rows.shape
    n, n_quantities = cols.size, columns.size
    values = np.zeros((n_groups, n_quantities, n))
    scratch = np.empty((n, n_quantities))
    jumps = np.empty((n + 1, n_quantities))
    base = np.empty(n_quantities)
    run = np.empty(n_quantities)
    for c in range(n_classes):
        scratch[:] = 0.0
        jumps[:] = 0.0
        for p in range(n_pieces):
            row, i0, i1 = rows[c, p], first[p], last[p]
            at = cumulative[row]
            for q in range(n_quantities):
                base[q] = at[cols[i0], columns[q]]
            for i in range(i0, i1 + 1):
                point = at[cols[i]]
                for q in range(n_quantities):
                    scratch[i, q] += point[columns[q]] - base[q]
            for q in range(n_quantities):
                jumps[i1 + 1, q] += at[cols[i1], columns[q]] - base[q]
        g = member[c]
        run[:] = 0.0
        for i in range(n):
            for q in range(n_quantities):
                run[q] += jumps[i, q]
                values[g, q, i] += scratch[i, q] + run[q]
    return values
