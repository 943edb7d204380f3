"""Exposure: how many stores outside the owner's country hold a copy of an active record."""

from __future__ import annotations

import numpy as np

from sim.log import RunLog
from sim.metrics.held import holds_copies
from sim.metrics.integrals import cumulative_counts
from sim.metrics.intervals import Shown


def exposure_by_day(log: RunLog, grid, shown: dict[str, Shown]) -> tuple[np.ndarray, np.ndarray]:
    """Per day: store-days of copies held (ghost copies included) and record-days active."""
    src = log.source
    points = grid.points
    held = np.zeros((1, points.size))
    for name, store in log.stores.items():
        if not holds_copies(log, store):
            continue
        copies = shown[name]
        held += cumulative_counts(
            np.zeros(copies.rec.size, dtype=np.int64), copies.start, copies.end, 1.0, 1, points
        )
    active = cumulative_counts(
        np.zeros(src.n_records, dtype=np.int64), src.created, src.deleted, 1.0, 1, points
    )
    lo, hi = grid.index(grid.day_lo), grid.index(grid.day_hi)  # day edges are grid points
    return held[0, hi] - held[0, lo], active[0, hi] - active[0, lo]
