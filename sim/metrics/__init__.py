"""Metrics: pure functions from a run log to numbers.

The record-based metrics are exact time integrals over [warmup_days, horizon_days]; only the
query latency and availability come from sampled queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.log import RunLog
from sim.metrics.exposure import exposure_by_day
from sim.metrics.intervals import shown_intervals
from sim.metrics.lag import lag_metrics, lag_sample, visibility_curve
from sim.metrics.queries import query_metrics, query_table
from sim.metrics.visibility import daily_integrals


@dataclass(frozen=True)
class MetricsBundle:
    metrics: dict[str, Any]
    by_region: dict[str, dict[str, float | None]]
    timeseries: pd.DataFrame
    visibility_curve: pd.DataFrame


def ratio(num: float, den: float) -> float | None:
    """A share; None (not an error) when nothing was there to count."""
    return float(num / den) if den > 0 else None


def record_metrics(sums: dict[str, float]) -> dict[str, float | None]:
    ghost = ratio(sums["ghost"], sums["vis"])
    stale = ratio(sums["stale"], sums["vis"])
    return {
        "completeness": ratio(sums["vis_act"], sums["act"]),
        "coverage": ratio(sums["vis_act"], sums["allact"]),
        "ghost_rate": ghost,
        "stale_rate": stale,
        "inconsistency_rate": None if ghost is None or stale is None else ghost + stale,
        "conflict_rate": ratio(sums["conflict"], sums["vis"]),
    }


def compute_metrics(log: RunLog) -> MetricsBundle:
    shown = {
        name: shown_intervals(s.rec, s.version, s.t, log.source, log.horizon)
        for name, s in log.stores.items()
    }
    grid, daily = daily_integrals(log, shown)
    w = log.query_rate
    region = log.world.region_of
    sample = lag_sample(log, shown)
    queries = query_table(log)
    exposure_num, exposure_den = exposure_by_day(log, grid, shown)
    messages = messages_per_day(log, grid)

    def weighted(rows: np.ndarray) -> dict[str, np.ndarray]:
        return {name: (w[rows, None] * values[rows]).sum(axis=0) for name, values in daily.items()}

    everyone = np.arange(log.world.n_countries)
    per_day_all = weighted(everyone)
    metrics: dict[str, Any] = record_metrics({k: v.sum() for k, v in per_day_all.items()})
    metrics |= lag_metrics(sample, None)
    metrics |= query_metrics(queries, np.ones(queries["sent"].size, dtype=bool))
    metrics["exposure"] = ratio(exposure_num.sum(), exposure_den.sum())
    metrics["messages_per_day"] = {name: m["mean"] for name, m in messages.items()}
    metrics["utilisation"] = utilisation(log)

    by_region: dict[str, dict[str, float | None]] = {}
    rows = [timeseries_rows("all", grid, per_day_all, queries, np.ones_like(queries["sent"]))]
    for r, name in enumerate(log.world.regions):
        members = np.flatnonzero(region == r)
        sums = weighted(members)
        in_region = np.isin(queries["querier"], members)
        by_region[name] = (
            record_metrics({k: v.sum() for k, v in sums.items()})
            | lag_metrics(sample, r)
            | query_metrics(queries, in_region)
        )
        rows.append(timeseries_rows(name, grid, sums, queries, in_region))
    timeseries = pd.concat(rows, ignore_index=True)
    exposure_daily = pd.Series(
        [ratio(n, d) for n, d in zip(exposure_num, exposure_den, strict=True)], dtype=float
    )
    day_index = timeseries["day"].to_numpy() - int(grid.day_lo[0] // 1)
    timeseries["exposure"] = exposure_daily.to_numpy()[day_index]
    total_messages = sum(m["daily"] for m in messages.values())
    timeseries["messages"] = np.asarray(total_messages)[day_index]
    hours, share = visibility_curve(sample)
    curve = pd.DataFrame({"hours": hours, "share": share})
    return MetricsBundle(metrics, by_region, timeseries, curve)


def timeseries_rows(region: str, grid, sums, queries, mask) -> pd.DataFrame:
    days = np.floor(grid.day_lo).astype(np.int64)
    rows = []
    for i, day in enumerate(days):
        record = record_metrics({k: v[i] for k, v in sums.items()})
        in_day = mask.astype(bool) & (queries["day"] == day)
        record |= query_metrics(queries, in_day)
        rows.append({"day": int(day), "region": region} | record)
    return pd.DataFrame(rows)


def messages_per_day(log: RunLog, grid) -> dict[str, dict[str, Any]]:
    """Messages by link class: the daily counts over the window and their mean."""
    days = np.floor(grid.day_lo).astype(np.int64)
    length = grid.day_hi - grid.day_lo
    out = {}
    for name, counts in log.messages_per_day.items():
        daily = counts[days] if counts.size else np.zeros(days.size)
        full = length >= 1.0 - 1e-12
        mean = float(daily[full].mean()) if full.any() else None
        out[name] = {"daily": daily, "mean": mean}
    return out


def utilisation(log: RunLog) -> dict[str, float | None]:
    """Share of server time busy over the run; None for unlimited servers."""
    return {
        name: (store.busy_days / (store.servers * log.horizon) if store.servers else None)
        for name, store in log.stores.items()
    }
