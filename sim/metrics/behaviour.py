"""Metrics of the agents' behaviour: staff backlogs, reviews, trust and sharing propensity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.log import BehaviourLog, RunLog


def behaviour_metrics(log: RunLog, owners: np.ndarray) -> dict[str, float | None]:
    """Over the window, for the NCBs ``owners``: backlog delay (days from when an action was
    due to when staff finished it), staff hours per record created, share of capacity used,
    share of reviews missed, and the time-averaged trust and sharing propensity."""
    b: BehaviourLog = log.behaviour  # type: ignore[assignment]
    w0, h = log.warmup, log.horizon
    mine = np.isin(b.work_owner, owners) & (b.work_arrival >= w0) & (b.work_arrival < h)
    delay = (b.work_done - b.work_arrival)[mine]
    finished = np.isfinite(delay)
    created = np.isin(log.source.owner, owners) & (log.source.created >= w0)
    hours = b.work_hours[mine].sum()
    capacity = b.capacity[owners].sum() * (h - w0)
    reviews = np.isin(b.review_owner, owners) & (b.review_time >= w0)
    days = slice(int(np.floor(w0)), None)
    weight = log.world.weight[owners]
    return {
        "backlog_delay_mean_days": float(delay[finished].mean()) if finished.any() else None,
        "backlog_delay_p95_days": float(np.percentile(delay[finished], 95))
        if finished.any()
        else None,
        "backlog_unfinished_fraction": float(1 - finished.mean()) if delay.size else None,
        "staff_hours_per_record": (
            float(hours / (created.sum() * b.work_scale)) if created.any() else None
        ),
        "capacity_used": float(hours / capacity) if capacity > 0 else None,
        "reviews_missed_fraction": float(b.review_missed[reviews].mean())
        if reviews.any()
        else None,
        "trust": weighted_mean(b.trust[owners, days], weight),
        "propensity": weighted_mean(b.propensity[owners, days], weight),
    }


def weighted_mean(values: np.ndarray, weight: np.ndarray) -> float | None:
    """Activity-weighted mean over NCBs of their time-averaged values."""
    per_ncb = np.nanmean(values, axis=1) if values.size else np.empty(0)
    ok = np.isfinite(per_ncb)
    if not ok.any():
        return None
    return float(np.average(per_ncb[ok], weights=weight[ok]))


def behaviour_series(log: RunLog, owners: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    """Daily activity-weighted means of trust, propensity and backlog delay of ``owners``."""
    b: BehaviourLog = log.behaviour  # type: ignore[assignment]
    weight = log.world.weight[owners][:, None]
    columns = {}
    for name, values in (
        ("trust", b.trust),
        ("propensity", b.propensity),
        ("backlog_delay_days", b.backlog_delay),
    ):
        part = values[owners][:, days]
        ok = np.isfinite(part)
        total = np.where(ok, part * weight, 0.0).sum(axis=0)
        norm = np.where(ok, weight, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns[name] = np.where(norm > 0, total / norm, np.nan)
    return pd.DataFrame({"day": days} | columns)
