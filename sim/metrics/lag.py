"""Time from a record's creation to its first appearance in a system a querier consults."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sim.log import RunLog
from sim.metrics.held import never_sent
from sim.metrics.integrals import sorted_weighted_quantiles
from sim.metrics.intervals import Shown, base_name, first_shown, shown_key
from sim.metrics.owners import first_visible_at_owners, gate_of
from sim.topology import CacheThenOwner, OwnerAnswers, Phase, Shows
from sim.topology import views as plan_views
from sim.world import NATIONAL

CURVE_HOURS = np.array([0, 1, 2, 4, 6, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720])


@dataclass(frozen=True)
class LagSample:
    """(record, view) outcomes, sorted by lag, with the query weight of the entitled queriers
    behind each: as a column of a small table, not a weight per outcome and region (which
    would take more memory than the rest of the metrics)."""

    lag_days: np.ndarray
    """Days from creation to first visibility, ascending; ``inf`` when never visible (deleted
    first, or never sent to any store the view consults)."""
    column: np.ndarray
    """Per outcome, its column of ``table``: (view, scope, owner)."""
    table: np.ndarray
    """Query weight per querier region (rows), with a last row for queriers in another region
    than the owner, per column."""
    kind: np.ndarray
    """Kind of the record behind each outcome."""

    def weight(self, row: int | None) -> np.ndarray:
        """Per outcome, the weight of the queriers of region ``row`` (-1: in another region
        than the owner; None: of every region)."""
        per_column = self.table[:-1].sum(axis=0) if row is None else self.table[row]
        return per_column[self.column]

    @property
    def n_visible(self) -> int:
        """Outcomes visible at some time: the first ones, as the lags are sorted."""
        return int(np.searchsorted(self.lag_days, np.inf))


def lag_sample(log: RunLog, shown: dict[str, Shown]) -> LagSample:
    """Every (shareable record created in the window, view) outcome whose end is known by the
    horizon: visible, deleted first, or never sent where the view looks. Only records still
    on their way at the horizon are left out (censored)."""
    src = log.source
    window = (src.created >= log.warmup) & (src.created < log.horizon) & (src.sharing != NATIONAL)
    candidates = np.flatnonzero(window)
    lags: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    tables: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    for view, view_kinds, view_owners, first, never in first_visible_by_view(log, shown):
        rec = candidates
        if view_kinds.size < len(src.kind_names):
            rec = rec[np.isin(src.kind[rec], view_kinds)]
        if view_owners is not None:
            rec = rec[np.isin(src.owner[rec], view_owners)]
        known = (first[rec] <= log.horizon) | (src.deleted[rec] <= log.horizon) | never[rec]
        rec = rec[known]
        visible_first = first[rec] < src.deleted[rec]
        lags.append(np.where(visible_first, first[rec] - src.created[rec], np.inf))
        weights = view_weights(log, view)  # region, scope, owner
        column = len(tables) * weights[0].size + src.scope[rec] * weights.shape[2] + src.owner[rec]
        columns.append(column.astype(np.int32))
        tables.append(weights.reshape(weights.shape[0], -1))
        kinds.append(src.kind[rec].astype(np.int16))
    # The peak of the metrics is here: free each list of parts once joined.
    lag_days = np.concatenate(lags)
    del lags
    order = np.argsort(lag_days)
    lag_days = lag_days[order]
    column = np.concatenate(columns)[order]
    del columns
    kind = np.concatenate(kinds)[order]
    return LagSample(lag_days, column, np.concatenate(tables, axis=1), kind)


def view_weights(log: RunLog, queriers: np.ndarray) -> np.ndarray:
    """``W[r, s, o]``: query weight of the view's queriers in region r entitled to (o, s);
    the last r is the weight of those in another region than the owner."""
    ent = log.world.entitlement()
    w = np.zeros(log.query_rate.size)
    w[queriers] = log.query_rate[queriers]
    region = log.world.region_of
    rows = []
    for r in range(len(log.world.regions)):
        rows.append(np.einsum("q,sqo->so", w * (region == r), ent))
    other = (region[:, None] != region[None, :]).astype(float)
    rows.append(np.einsum("q,sqo,qo->so", w, ent, other))
    return np.stack(rows)


def first_visible_by_view(
    log: RunLog, shown: dict[str, Shown]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]]:
    """Yield (queriers, kinds, owners (None: all), first time anything the view consults
    returns each record, whether nothing it consults is ever sent it)."""
    n = log.source.n_records
    first_of: dict[str, np.ndarray] = {}
    for view in plan_views(log.plan, log.world.n_countries, log.source.kind_names):
        first = np.full(n, np.inf)
        never = np.ones(n, dtype=bool)
        for phase in view.phases:
            for row in phase.rows:
                seen, unsent = first_and_never(log, shown, first_of, phase, row)
                first = np.minimum(first, seen)
                never &= unsent
        yield view.queriers, view.kinds, view.owners, first, never


def first_and_never(
    log: RunLog, shown: dict[str, Shown], first_of: dict[str, np.ndarray], phase: Phase, row: int
) -> tuple[np.ndarray, np.ndarray]:
    """(when row ``row`` of the plan first returns each record within ``phase``, whether the
    record is never sent where it looks)."""
    consult = log.plan.consults[row]
    reading = consult.reading
    window = (phase.start, phase.end)
    n = log.source.n_records
    if isinstance(reading, OwnerAnswers):
        gate = gate_of(log, reading)
        never = np.zeros(n, dtype=bool) if gate is None else never_sent(log, gate)
        return first_visible_at_owners(log, shown, reading, window), never
    if isinstance(reading, CacheThenOwner):
        return first_visible_at_owners(log, shown, OwnerAnswers(), window), np.zeros(n, bool)
    assert isinstance(reading, Shows)
    key = shown_key(log, consult)
    if key not in first_of:
        first_of[key] = first_shown(shown[key], n)
    first = first_of[key] if window == (0.0, np.inf) else first_within(shown[key], n, window)
    return first, never_sent(log, log.stores[base_name(key)])


def first_within(shown: Shown, n_records: int, window: tuple[float, float]) -> np.ndarray:
    """When each record is first shown within ``[start, end)`` (``inf``: never)."""
    start, end = window
    inside = (shown.end > start) & (shown.start < end)
    part = shown.select(inside)
    opens = np.maximum(part.start, start)
    first = np.full(n_records, np.inf)
    np.minimum.at(first, part.rec, opens)
    return first


def lag_metrics(
    sample: LagSample, row: int | None, kind: int | None = None
) -> dict[str, float | None]:
    """Percentiles in hours and the never-visible share, over every outcome with its weight;
    ``row`` None sums every region, ``kind`` restricts to one record kind. A percentile that
    falls among the never-visible outcomes is None (never), as when there is nothing to count."""
    w = sample.weight(row)
    if kind is not None:
        w[sample.kind != kind] = 0.0
    total = w.sum()
    n = sample.n_visible
    never = float(w[n:].sum() / total) if total > 0 else None
    days = sorted_weighted_quantiles(sample.lag_days, w, [0.5, 0.95, 0.99])
    p50, p95, p99 = (None if d is None or np.isinf(d) else d * 24.0 for d in days)
    return {
        "lag_p50_hours": p50,
        "lag_p95_hours": p95,
        "lag_p99_hours": p99,
        "never_visible_fraction": never,
    }


def visibility_curve(sample: LagSample) -> tuple[np.ndarray, np.ndarray]:
    """Share of (record, querier in another region) pairs visible ``hours`` after creation."""
    w = sample.weight(-1)
    total = w.sum()
    within = np.searchsorted(sample.lag_days * 24.0, CURVE_HOURS, side="right")
    share = np.array([w[:n].sum() / total if total > 0 else np.nan for n in within])
    return CURVE_HOURS.astype(float), share
