"""Latency and availability from the sampled queries (the only sampled metrics)."""

from __future__ import annotations

import numpy as np

from sim.log import RunLog

SECONDS_PER_DAY = 86400.0


def query_table(log: RunLog) -> dict[str, np.ndarray]:
    """Per query in the window: querier, day, answered within the deadline, latency (s)."""
    q = log.queries
    window = (q.t >= log.warmup) & (q.t < log.horizon)
    elapsed = q.done[window] - q.t[window]
    answered = q.sent[window] & (elapsed <= log.deadline_days)
    latency = np.minimum(elapsed, log.deadline_days) * SECONDS_PER_DAY
    return {
        "querier": q.querier[window],
        "day": np.floor(q.t[window]).astype(np.int64),
        "sent": q.sent[window],
        "answered": answered,
        "latency": latency,
    }


def query_metrics(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, float | None]:
    sent = table["sent"] & mask
    latency = table["latency"][sent]
    n = int(mask.sum())
    return {
        "query_latency_mean_seconds": float(latency.mean()) if latency.size else None,
        "query_latency_p50_seconds": float(np.percentile(latency, 50)) if latency.size else None,
        "query_latency_p95_seconds": float(np.percentile(latency, 95)) if latency.size else None,
        "query_availability": float(table["answered"][mask].mean()) if n else None,
    }
