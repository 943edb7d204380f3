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

import numpy as np

from sim.engine.outages import Availability
from sim.log import RunLog, View
from sim.metrics.federated import returned_by_owners
from sim.metrics.integrals import IndexedIntervals
from sim.metrics.intervals import Shown, subtract_windows, up_pieces
from sim.metrics.layout import RETURNED, Grid, Layout, summed
from sim.metrics.segments import SourceIndex, Subset, segment_cumulatives
from sim.metrics.windows import clipped, clipping_windows

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
) -> Iterator[tuple[np.ndarray, Grid, dict[str, np.ndarray]]]:
    """Yield (queriers, grid, {quantity: [(querier, kind), point] cumulative}) per view.

    A view's stores go up and down; in each piece of time the stores that are up form a
    subset, and the same subset recurs across pieces and views. Each subset's segments are
    computed once, on the union of the grids of the views that need it, and projected onto
    each of them."""
    if log.reads == "owners":
        yield from returned_by_owners(log, layout, ent, days)
        return
    integrals, uses = view_integrals(log, layout, ent, days)
    source = SourceIndex.of(log)
    for subset, targets in uses.items():
        points = np.unique(np.concatenate([acc.grid.points for acc, _, _ in targets]))
        windows = clipping_windows(np.array([(a, b) for _, a, b in targets]), log)
        cumulative = segment_cumulatives(
            Subset(
                log,
                layout,
                points,
                [log.stores[name] for name in subset],
                [clipped(shown[name], *windows) for name in subset],
                source,
                windows,
            )
        )
        for acc in {id(acc): acc for acc, _, _ in targets}.values():
            projected = acc.project(cumulative, points)
            for target, piece_lo, piece_hi in targets:
                if target is acc:
                    acc.add_piece(projected, piece_lo, piece_hi)
    for view, acc in integrals:
        yield view.queriers, acc.grid, acc.finish()


Uses = dict[tuple[str, ...], list[tuple["ViewIntegral", float, float]]]
"""Per subset of stores up together, the (view, piece start, piece end) that consult it."""


def view_integrals(
    log: RunLog, layout: Layout, ent: np.ndarray, days: Grid
) -> tuple[list[tuple[View, ViewIntegral]], Uses]:
    """An empty integral per view on its own grid, and in which pieces of time each subset of
    its stores is the one up."""
    integrals = []
    uses: Uses = {}
    for view in log.views:
        stores = [log.stores[name] for name in view.stores]
        availabilities = [s.availability for s in stores]
        grid = days.refined(log, availabilities + [log.node_availability[q] for q in view.queriers])
        acc = ViewIntegral(layout.projection(ent, view.queriers), grid)
        integrals.append((view, acc))
        lo, hi, masks = up_pieces(availabilities, log.warmup, log.horizon)
        for piece_lo, piece_hi, mask in zip(lo, hi, masks.tolist(), strict=True):
            subset = tuple(s.name for i, s in enumerate(stores) if mask >> i & 1)
            if subset:
                uses.setdefault(subset, []).append((acc, piece_lo, piece_hi))
    return integrals, uses


class ViewIntegral:
    """Running cumulative integrals of one view on its own grid, projected per (querier, kind)."""

    def __init__(self, projection: np.ndarray, grid: Grid) -> None:
        self.projection = projection
        self.grid = grid
        shape = (projection.shape[0], grid.points.size)
        self.values = {name: np.zeros(shape) for name in RETURNED}
        self.jumps = {name: np.zeros(shape) for name in RETURNED}

    def project(
        self, cumulative: dict[str, np.ndarray], points: np.ndarray
    ) -> dict[str, np.ndarray]:
        """A subset's cumulative integrals (on ``points``) summed per (querier, kind) and taken
        at this view's grid points."""
        cols = np.searchsorted(points, self.grid.points)
        return {name: summed(self.projection, v[:, cols]) for name, v in cumulative.items()}

    def add_piece(self, projected: dict[str, np.ndarray], lo: float, hi: float) -> None:
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
