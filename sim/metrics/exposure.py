"""Exposure: how many stores outside the owner's country hold a copy of an active record."""

from __future__ import annotations

import numpy as np

from sim.log import RunLog
from sim.metrics.integrals import cumulative_counts
from sim.metrics.intervals import shown_intervals


def exposure_by_day(log: RunLog, grid) -> tuple[np.ndarray, np.ndarray]:
    """Per day: store-days of copies held (ghost copies included) and record-days active."""
    src = log.source
    points = grid.points
    held = np.zeros((1, points.size))
    for store in log.stores.values():
        if not store.holds_copies:
            continue
        shown = shown_intervals(store.rec, store.version, store.t, src, log.horizon)
        held += cumulative_counts(
            np.zeros(shown.rec.size, dtype=np.int64), shown.start, shown.end, 1.0, 1, points
        )
    active = cumulative_counts(
        np.zeros(src.n_records, dtype=np.int64), src.created, src.deleted, 1.0, 1, points
    )
    lo, hi = grid.index(grid.day_lo), grid.index(grid.day_hi)
    return held[0, hi] - held[0, lo], active[0, hi] - active[0, lo]
