"""Time from a record's creation to its first appearance in a system a querier consults."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.log import RunLog
from sim.metrics.integrals import weighted_quantiles
from sim.metrics.intervals import Shown
from sim.world import NATIONAL

CURVE_HOURS = np.array([0, 1, 2, 4, 6, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720])


@dataclass(frozen=True)
class LagSample:
    """(record, view) outcomes with the query weight of the entitled queriers behind each."""

    lag_days: np.ndarray
    """Days from creation to first visibility; ``inf`` when deleted before ever visible."""
    weight: np.ndarray
    """Per querier region (rows) and a last row for queriers in another region than the owner."""
    kind: np.ndarray
    """Kind of the record behind each outcome."""


def lag_sample(log: RunLog, shown: dict[str, Shown]) -> LagSample:
    src = log.source
    window = (src.created >= log.warmup) & (src.created < log.horizon) & (src.sharing != NATIONAL)
    candidates = np.flatnonzero(window)
    lags, weights, kinds = [], [], []
    for view, first in first_visible_by_view(log, shown):
        rec = candidates
        known = (first[rec] <= log.horizon) | (src.deleted[rec] <= log.horizon)
        rec = rec[known]
        visible_first = first[rec] < src.deleted[rec]
        lags.append(np.where(visible_first, first[rec] - src.created[rec], np.inf))
        weights.append(view_weights(log, view)[:, src.scope[rec], src.owner[rec]])
        kinds.append(src.kind[rec])
    return LagSample(np.concatenate(lags), np.concatenate(weights, axis=1), np.concatenate(kinds))


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


def first_visible_by_view(log: RunLog, shown: dict[str, Shown]):
    """Yield (queriers, first time any store the view consults shows each record)."""
    src = log.source
    if log.federated:
        first = src.created.copy()
        for o, availability in enumerate(log.node_availability):
            mine = src.owner == o
            first[mine] = availability.next_up(first[mine])
        if log.federated_index:
            first = np.maximum(first, first_shown(log, shown["hub"]))
        yield np.arange(log.world.n_countries), first
        return
    cache = {name: first_shown(log, s) for name, s in shown.items()}
    for view in log.views:
        first = np.full(src.n_records, np.inf)
        for name in view.stores:
            first = np.minimum(first, cache[name])
        yield view.queriers, first


def first_shown(log: RunLog, shown: Shown) -> np.ndarray:
    first = np.full(log.source.n_records, np.inf)
    np.minimum.at(first, shown.rec, shown.start)
    return first


def lag_metrics(
    sample: LagSample, row: int | None, kind: int | None = None
) -> dict[str, float | None]:
    """Percentiles in hours and the never-visible share; ``row`` None sums every region,
    ``kind`` restricts to one record kind."""
    w = sample.weight[:-1].sum(axis=0) if row is None else sample.weight[row]
    if kind is not None:
        w = np.where(sample.kind == kind, w, 0.0)
    finite = np.isfinite(sample.lag_days)
    p50, p95, p99 = weighted_quantiles(sample.lag_days[finite] * 24.0, w[finite], [0.5, 0.95, 0.99])
    total = w.sum()
    never = float(w[~finite].sum() / total) if total > 0 else None
    return {
        "lag_p50_hours": p50,
        "lag_p95_hours": p95,
        "lag_p99_hours": p99,
        "never_visible_fraction": never,
    }


def visibility_curve(sample: LagSample) -> tuple[np.ndarray, np.ndarray]:
    """Share of (record, querier in another region) pairs visible ``hours`` after creation."""
    w = sample.weight[-1]
    total = w.sum()
    hours = sample.lag_days * 24.0
    share = np.array([w[hours <= h].sum() / total if total > 0 else np.nan for h in CURVE_HOURS])
    return CURVE_HOURS.astype(float), share
