"""What the queriers of a view read of its integrals: each querier's up time, cut by day, on
the view's grid, and the integral over it of what each record group it may see returns.

A view's integrals are running values on its grid, one row per record group. A querier reads
them only at the edges of its own up pieces: a few hundred of the grid's thousands of points
(the grid holds every querier's up/down edges). So each querier's daily integrals are taken
from the groups' rows directly (``read_groups``): the days it was up throughout from each
group's daily increments, the parts of days around its outages group by group. Projecting
every group's row on every querier at every point, to read a few points after, took 8 % of a
robustness world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from sim.engine.outages import Availability
from sim.log import RunLog
from sim.metrics.intervals import subtract_windows
from sim.metrics.layout import RETURNED, Grid, Layout, one_blas_thread
from sim.topology import View


@dataclass(frozen=True)
class UpDays:
    """One querier's up time cut into pieces within each day: where each piece starts and
    ends on the grid, and its day."""

    start: np.ndarray
    end: np.ndarray
    day: np.ndarray

    @classmethod
    def of(cls, availability: Availability, grid: Grid) -> UpDays:
        a, b, parent = subtract_windows(
            grid.day_lo, grid.day_hi, availability.starts, availability.ends
        )
        return cls(grid.index(a), grid.index(b), parent)


@dataclass(frozen=True)
class Readings:
    """What a view's queriers read on its grid, by day: ``whole[i, d]`` is 1 where querier i
    was up all day d (the day's edges on the grid are ``day_lo``, ``day_hi``); its other up
    pieces (parts of days) are ``ptr[i]`` to ``ptr[i + 1]`` of ``start``, ``end``, ``day``.
    A day a querier was down throughout is in neither."""

    day_lo: np.ndarray
    day_hi: np.ndarray
    whole: np.ndarray
    ptr: np.ndarray
    start: np.ndarray
    end: np.ndarray
    day: np.ndarray

    @classmethod
    def of(cls, log: RunLog, queriers: np.ndarray, grid: Grid) -> Readings:
        day_lo, day_hi = grid.index(grid.day_lo), grid.index(grid.day_hi)
        whole = np.zeros((queriers.size, grid.n_days))
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for i, q in enumerate(queriers.tolist()):
            up = UpDays.of(log.node_availability[q], grid)
            pieces = np.bincount(up.day, minlength=grid.n_days)[up.day]
            full = (pieces == 1) & (up.start == day_lo[up.day]) & (up.end == day_hi[up.day])
            whole[i, up.day[full]] = 1.0
            parts.append((up.start[~full], up.end[~full], up.day[~full]))
        ptr = np.zeros(queriers.size + 1, dtype=np.int64)
        np.cumsum([day.size for _, _, day in parts], out=ptr[1:])
        start, end, day = (
            np.concatenate([np.zeros(0, dtype=np.int64)] + [p[f] for p in parts]).astype(np.int64)
            for f in range(3)
        )
        return cls(day_lo, day_hi, whole, ptr, start, end, day)


def read_groups(
    layout: Layout,
    ent: np.ndarray,
    queriers: np.ndarray,
    readings: Readings,
    groups: np.ndarray,
    values: np.ndarray,
    out: np.ndarray,
    kinds: np.ndarray | None = None,
    owners: np.ndarray | None = None,
) -> None:
    """Add to ``out[querier, kind, quantity, day]`` each querier's integral over its up time
    of ``values[i, quantity, point]`` (the running values of record group ``groups[i]`` on the
    grid of ``readings``), over the groups it may see: owners and scopes it is entitled to
    (``ent``), of the kinds ``kinds`` and owners ``owners`` only (all by default).

    Days a querier was up throughout read every group's whole day: one product per kind of
    the entitlements and the groups' daily increments, as ``Layout.project`` (on one BLAS
    thread); the parts of days around its outages are read group by group (``add_parts``)."""
    weights = layout.owner_weights(ent, queriers, owners)
    kind = (groups % layout.n_kinds).astype(np.int64)
    owner_scope = (groups // layout.n_kinds).astype(np.int64)
    wanted = np.zeros(layout.n_kinds, dtype=bool)
    wanted[slice(None) if kinds is None else kinds] = True
    kind[~wanted[kind]] = -1
    days = day_increments(values, readings.day_lo, readings.day_hi)
    whole = readings.whole[:, None, :]
    with one_blas_thread():
        for k in np.flatnonzero(wanted).tolist():
            mine = np.flatnonzero(kind == k)
            if mine.size:
                product = weights[:, owner_scope[mine]] @ days[mine].reshape(mine.size, -1)
                product = product.reshape(out.shape[0], *days.shape[1:])
                product *= whole  # in place: no second temporary of the product's size
                out[:, k] += product
    add_parts(
        values,
        owner_scope,
        kind,
        weights,
        readings.ptr,
        readings.start,
        readings.end,
        readings.day,
        out,
    )


@numba.njit(cache=True)
def day_increments(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``values[g, q, hi[d]] - values[g, q, lo[d]]``: each group's increments over each day
    (numpy's gather of the grid's day edges, a few hundred columns of thousands, took three
    times as long)."""
    n_groups, n_quantities = values.shape[0], values.shape[1]
    out = np.empty((n_groups, n_quantities, lo.size))
    for g in range(n_groups):
        for q in range(n_quantities):
            for d in range(lo.size):
                out[g, q, d] = values[g, q, hi[d]] - values[g, q, lo[d]]
    return out


@numba.njit(cache=True)
def add_parts(
    values: np.ndarray,
    owner_scope: np.ndarray,
    kind: np.ndarray,
    weights: np.ndarray,
    ptr: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    day: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[i, kind[g], q, day] += weights[i, owner_scope[g]] x (values[g, q, end] -
    values[g, q, start])`` over the groups g (a kind of -1: not read), the queriers i and
    their pieces of days (``ptr``, ``start``, ``end``, ``day``). Group by group, so that a
    group's rows are read from cache by every querier."""
    n_groups, n_quantities = values.shape[0], values.shape[1]
    for g in range(n_groups):
        k = kind[g]
        if k < 0:
            continue
        column = owner_scope[g]
        for i in range(weights.shape[0]):
            w = weights[i, column]
            if w == 0.0:
                continue
            for j in range(ptr[i], ptr[i + 1]):
                a, b, d = start[j], end[j], day[j]
                for q in range(n_quantities):
                    out[i, k, q, d] += w * (values[g, q, b] - values[g, q, a])


def read_owners(
    log: RunLog, layout: Layout, ent: np.ndarray, view: View, grid: Grid, returned: np.ndarray
) -> np.ndarray:
    """``[querier, kind, quantity, day]`` integrals of what owners return (``returned[group,
    point]``, running values on ``grid``): an owner answers from its source, so what it returns
    is returned and active (``vis``, ``vis_act``); never a ghost, stale or in conflict."""
    shape = (view.queriers.size, layout.n_kinds)
    read = np.zeros((*shape, 1, grid.n_days))
    read_groups(
        layout,
        ent,
        view.queriers,
        Readings.of(log, view.queriers, grid),
        np.arange(layout.n_groups),
        returned[:, None, :],
        read,
        view.kinds,
        view.owners,
    )
    out = np.zeros((*shape, len(RETURNED), grid.n_days))
    for name in ("vis", "vis_act"):
        out[:, :, RETURNED.index(name)] = read[:, :, 0]
    return out
