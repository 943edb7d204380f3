"""Metrics: pure functions from a run log to numbers.

The record-based metrics are exact time integrals over [warmup_days, horizon_days]; only the
query latency and availability come from sampled queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.catalogue import RATIO_METRICS
from sim.log import RunLog
from sim.metrics.behaviour import behaviour_metrics, behaviour_series
from sim.metrics.costs import cost_metrics, storage_gb
from sim.metrics.daily import ALL, EXPOSURE, INTEGRALS, MEASURED, daily_rows, daily_table
from sim.metrics.exposure import exposure_by_day
from sim.metrics.intervals import shown_by_key
from sim.metrics.lag import lag_metrics, lag_sample, visibility_curve
from sim.metrics.outcomes import (
    outcome_counts,
    outcome_counts_by_day,
    outcome_metrics,
    outcome_rates,
    outcomes_by_kind,
)
from sim.metrics.queries import (
    QueryCells,
    daily_quantiles,
    query_cells,
    query_metrics,
    query_ratios,
    query_table,
    search_load,
)
from sim.metrics.visibility import Grid, daily_integrals


@dataclass(frozen=True)
class MetricsBundle:
    metrics: dict[str, Any]
    by_region: dict[str, dict[str, float | None]]
    by_kind: dict[str, dict[str, float | None]]
    timeseries: pd.DataFrame
    visibility_curve: pd.DataFrame
    daily: pd.DataFrame
    """Each day's additive parts of the metrics (:mod:`sim.metrics.daily`)."""


def ratio(num: float, den: float) -> float | None:
    """A share; None (not an error) when nothing was there to count."""
    return float(num / den) if den > 0 else None


def record_ratios(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every record metric of the catalogue as its ratio of time integrals, elementwise (one
    day, one region, one kind or the whole window alike); NaN where the denominator is 0."""
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for spec in RATIO_METRICS:
            assert spec.ratio is not None
            parts, denominator = spec.ratio
            numerator = sum(np.asarray(sums[part], dtype=float) for part in parts)
            den = np.asarray(sums[denominator], dtype=float)
            out[spec.name] = np.where(den > 0, numerator / np.where(den > 0, den, 1.0), np.nan)
    return out


def record_metrics(sums: dict[str, float]) -> dict[str, float | None]:
    """The record metrics of whole-window integrals; None where nothing was there to count."""
    return {
        name: None if np.isnan(value) else float(value)
        for name, value in record_ratios({k: np.asarray(v) for k, v in sums.items()}).items()
    }


def window_metrics(sums: Mapping[str, float]) -> dict[str, float | None]:
    """The ratio and count metrics of summed daily parts (a row of
    :func:`sim.metrics.daily.window_sums`): the same formulas as the whole run's, so the
    whole measured window gives the run's own figures. The outcomes and exposure only where
    their parts are there (a run with subjects; the world row)."""
    out = record_metrics({name: sums[name] for name in INTEGRALS})
    out |= query_ratios(sums)
    if "searches" in sums and not np.isnan(sums["searches"]):
        out |= outcome_rates(sums, sums[MEASURED])
    held, active = EXPOSURE
    if held in sums and not np.isnan(sums[held]):
        out["exposure"] = ratio(sums[held], sums[active])
    return out


def compute_metrics(log: RunLog) -> MetricsBundle:
    """Every metric of one run: world-wide, by region and by kind, a daily time series and the
    visibility curve, all from the run log alone."""
    shown = shown_by_key(log)
    days = Grid.days(log)
    daily = daily_integrals(log, shown)  # the peak of the metrics: nothing else made yet
    sample = lag_sample(log, shown)
    exposure = exposure_by_day(log, days, shown)
    storage = storage_gb(log, shown) if log.costs is not None else None
    del shown  # the largest arrays here: free them before the rest
    queries = query_table(log)
    n_kinds = len(log.source.kind_names)
    parts = _Parts(
        log=log,
        days=days,
        daily=daily,
        sample=sample,
        exposure=exposure,
        storage=storage,
        queries=queries,
        cells=query_cells(queries, log.world.region_of, n_kinds, days.first, days.n_days),
        messages=messages_per_day(log, days),
    )
    metrics, by_region, by_kind = _headline(parts), {}, _by_kind(parts)
    quantiles = parts.daily_latency_quantiles()
    rows = [timeseries_rows("all", days, parts.weighted(parts.everyone), parts, quantiles[0])]
    for r, name in enumerate(log.world.regions):
        by_region[name], frame = _region(parts, r, name, quantiles[r + 1])
        rows.append(frame)
    if log.behaviour is not None:
        metrics |= behaviour_metrics(log, parts.everyone)
        for r, name in enumerate(log.world.regions):
            by_region[name] |= behaviour_metrics(log, parts.members(r))
        rows = [with_behaviour(log, frame, log.world.region_of) for frame in rows]
    outcomes = None if log.subjects is None else outcome_counts(log, parts.daily, days)
    if outcomes is not None:
        metrics |= _outcomes(parts, outcomes, by_region, by_kind)
    timeseries = _timeseries(parts, rows)
    hours, share = visibility_curve(parts.sample)
    curve = pd.DataFrame({"hours": hours, "share": share})
    return MetricsBundle(metrics, by_region, by_kind, timeseries, curve, _daily(parts, outcomes))


@dataclass(frozen=True)
class _Parts:
    """What every breakdown of a run's metrics reads: the per-querier daily integrals, the
    lag sample, exposure, storage, the query table and the daily messages."""

    log: RunLog
    days: Grid
    daily: dict[str, np.ndarray]
    """Integral name -> [country, kind, day]."""
    sample: Any
    exposure: tuple[np.ndarray, np.ndarray]
    storage: Any
    queries: dict[str, np.ndarray]
    cells: QueryCells
    messages: dict[str, dict[str, Any]]

    @property
    def everyone(self) -> np.ndarray:
        return np.arange(self.log.world.n_countries)

    def searches(self, region: int | None = None, kind: int | None = None) -> dict[str, Any]:
        """The search metrics of the queriers of ``region`` asking of ``kind`` (None: all)."""
        answered = self.queries["answered"].copy()
        if region is not None:
            answered &= self.cells.region == region
        if kind is not None:
            answered &= self.queries["kind"] == kind
        return query_metrics(self.cells.totals(region, kind), self.queries["latency"][answered])

    def daily_latency_quantiles(self) -> list[np.ndarray]:
        """Each day's latency median and 95th percentile ([2, day]) of the world's searches,
        then of each region's."""
        region, latency = self.cells.region, self.queries["latency"]
        groups = [np.ones(latency.size, dtype=bool)]
        groups += [region == r for r in range(len(self.log.world.regions))]
        day = self.queries["day"] - self.days.first
        return daily_quantiles(latency, day, groups, self.days.n_days, [0.5, 0.95])

    def members(self, region: int) -> np.ndarray:
        return np.flatnonzero(self.log.world.region_of == region)

    def weighted(self, rows: np.ndarray, kind: int | None = None) -> dict[str, np.ndarray]:
        """Query-weighted integrals of the given queriers (of one kind), per day."""
        w = self.log.query_rate
        out = {}
        for name, values in self.daily.items():
            part = values[rows] if kind is None else values[rows, kind : kind + 1]
            out[name] = np.einsum("q,qkd->d", w[rows], part)
        return out


def _totals(sums: dict[str, np.ndarray]) -> dict[str, float | None]:
    return record_metrics({k: float(v.sum()) for k, v in sums.items()})


def _headline(parts: _Parts) -> dict[str, Any]:
    """The world-wide metrics."""
    log, (num, den) = parts.log, parts.exposure
    metrics: dict[str, Any] = _totals(parts.weighted(parts.everyone))
    metrics |= lag_metrics(parts.sample, None)
    metrics |= parts.searches()
    metrics["exposure"] = ratio(num.sum(), den.sum())
    metrics["messages_per_day"] = {name: m["mean"] for name, m in parts.messages.items()}
    metrics["utilisation"] = utilisation(log)
    metrics["search_load_per_second"] = search_load(log)
    return metrics


def _region(
    parts: _Parts, r: int, name: str, quantiles: np.ndarray
) -> tuple[dict[str, float | None], pd.DataFrame]:
    """One region's metrics (its members as queriers) and its rows of the time series, with
    its daily latency ``quantiles``."""
    sums = parts.weighted(parts.members(r))
    metrics = _totals(sums) | lag_metrics(parts.sample, r) | parts.searches(region=r)
    return metrics, timeseries_rows(name, parts.days, sums, parts, quantiles, r)


def _by_kind(parts: _Parts) -> dict[str, dict[str, float | None]]:
    return {
        name: _totals(parts.weighted(parts.everyone, k))
        | lag_metrics(parts.sample, None, kind=k)
        | parts.searches(kind=k)
        for k, name in enumerate(parts.log.source.kind_names)
    }


def _outcomes(
    parts: _Parts,
    outcomes: dict[str, np.ndarray],
    by_region: dict[str, dict[str, Any]],
    by_kind: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Hits, misses and false hits a year (and costs) world-wide; adds the regions' and kinds'
    outcome metrics to ``by_region`` and ``by_kind`` in place."""
    log, days, everyone = parts.log, parts.days, parts.everyone
    kinds = log.source.kind_names
    metrics = outcome_metrics(outcomes, everyone, days) | outcomes_by_kind(
        outcomes, everyone, days, kinds
    )
    for r, name in enumerate(log.world.regions):
        by_region[name] |= outcome_metrics(outcomes, parts.members(r), days)
    for k, name in enumerate(kinds):
        by_kind[name] |= outcome_metrics(outcomes, everyone, days, k)
    if log.costs is not None:
        metrics |= cost_metrics(log, days, parts.storage, outcomes, by_region)
    return metrics


def _daily(parts: _Parts, outcomes: dict[str, np.ndarray] | None) -> pd.DataFrame:
    """The daily table: the world's rows (with exposure), each region's, each kind's."""
    days, everyone = parts.days, parts.everyone
    numbers = days.numbers
    measured = {MEASURED: days.day_hi - days.day_lo}

    def rows(region: str, kind: str, queriers: np.ndarray, r: int | None, k: int | None):
        counted = parts.cells.by_day(r, k)
        found = {} if outcomes is None else outcome_counts_by_day(outcomes, queriers, k)
        sums = parts.weighted(queriers, k)
        return daily_rows(numbers, region, kind, measured, sums, counted, found)

    world = rows(ALL, ALL, everyone, None, None)
    world[list(EXPOSURE)] = np.column_stack(parts.exposure)
    frames = [world]
    for r, name in enumerate(parts.log.world.regions):
        frames.append(rows(name, ALL, parts.members(r), r, None))
    for k, name in enumerate(parts.log.source.kind_names):
        frames.append(rows(ALL, name, everyone, None, k))
    return daily_table(frames)


def _timeseries(parts: _Parts, rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The daily rows with each day's exposure and messages."""
    timeseries = pd.concat(rows, ignore_index=True)
    day_index = timeseries["day"].to_numpy() - parts.days.first
    num, den = parts.exposure
    exposure_daily = np.array([np.nan if d <= 0 else n / d for n, d in zip(num, den, strict=True)])
    timeseries["exposure"] = exposure_daily[day_index]
    total_messages = sum(m["daily"] for m in parts.messages.values())
    timeseries["messages"] = np.asarray(total_messages)[day_index]
    return timeseries


def with_behaviour(log: RunLog, frame: pd.DataFrame, region: np.ndarray) -> pd.DataFrame:
    """Add the day's trust, propensity and backlog delay of the frame's region."""
    name = frame["region"].iloc[0] if len(frame) else "all"
    owners = (
        np.arange(log.world.n_countries)
        if name == "all"
        else np.flatnonzero(region == log.world.regions.index(name))
    )
    series = behaviour_series(log, owners, frame["day"].to_numpy())
    return frame.merge(series, on="day", how="left")


def timeseries_rows(
    region: str,
    days: Grid,
    sums: dict[str, np.ndarray],
    parts: _Parts,
    quantiles: np.ndarray,
    r: int | None = None,
) -> pd.DataFrame:
    """One row per day: the record metrics of that day's integrals and that day's searches by
    the queriers of region ``r`` (None: all), whose latency median and 95th percentile are
    ``quantiles``."""
    frame = {"day": days.numbers, "region": region} | record_ratios(sums)
    return pd.DataFrame(frame | daily_search_metrics(parts.cells.by_day(r), quantiles))


def daily_search_metrics(counts: dict[str, np.ndarray], quantiles: np.ndarray) -> dict:
    """Each day's search metrics of the time series: mean latency, its median and 95th
    percentile (``quantiles``), availability and mean answer share; NaN on a day without
    searches (or without answers, for latency)."""

    def mean(num: str, den: str) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(counts[den] > 0, counts[num] / counts[den], np.nan)

    p50, p95 = quantiles
    return {
        "query_latency_mean_seconds": mean("latency_sum_seconds", "latency_n"),
        "query_latency_p50_seconds": p50,
        "query_latency_p95_seconds": p95,
        "query_availability": mean("queries_answered", "queries"),
        "answer_share_mean": mean("answer_share_sum", "answer_share_n"),
    }


def messages_per_day(log: RunLog, days: Grid) -> dict[str, dict[str, Any]]:
    """Messages by link class: the daily counts over the window and their mean (full days)."""
    day_numbers = days.numbers
    full = (days.day_hi - days.day_lo) >= 1.0 - 1e-12
    out = {}
    for name, counts in log.messages_per_day.items():
        daily = counts[day_numbers]
        out[name] = {"daily": daily, "mean": float(daily[full].mean()) if full.any() else None}
    return out


def utilisation(log: RunLog) -> dict[str, float | None]:
    """Share of server time busy over the run; None for unlimited servers."""
    return {
        name: (store.busy_days / (store.servers * log.horizon) if store.servers else None)
        for name, store in log.stores.items()
    }
