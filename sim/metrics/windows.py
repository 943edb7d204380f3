"""Window algebra: the times in which a subset of stores is consulted, and what falls inside.

A view consults a subset of its stores in the pieces of time when exactly those are up. Only
those pieces count for that subset, so its stores' intervals are clipped to them (with a
margin, and without short gaps) before any segment is classified.
"""

from __future__ import annotations

import numpy as np

from sim.log import RunLog
from sim.metrics.intervals import Shown, clip_to_windows

CLIP_MARGIN_DAYS = 1e-3
"""Cuts stay this far outside the pieces: a cut rounds (as a key ``record * span + t``), and a
rounded cut must not move the integral at a piece's edge, which is a grid point."""

CLIP_GAP_DAYS = 7.0
"""Gaps between pieces shorter than this are not cut out: cutting splits every interval that
spans the gap, which costs more than the little inside it saves."""


def clipping_windows(pieces: np.ndarray, log: RunLog) -> tuple[np.ndarray, np.ndarray]:
    """Sorted disjoint windows covering the pieces ``[lo, hi)`` in which a subset is consulted,
    with a margin, and without the short gaps. Nothing outside the run's window counts
    anyway, so windows that reach its edges are left open there (and a subset consulted
    throughout is not clipped at all)."""
    lo, hi = merged(pieces + np.array([-CLIP_MARGIN_DAYS, CLIP_MARGIN_DAYS]))
    lo, hi = merged(np.column_stack([lo, hi + CLIP_GAP_DAYS]))
    hi = hi - CLIP_GAP_DAYS
    if lo[0] < log.warmup + CLIP_GAP_DAYS:
        lo[0] = -np.inf
    if hi[-1] > log.horizon - CLIP_GAP_DAYS:
        hi[-1] = np.inf
    return lo, hi


def clipped(shown: Shown, lo: np.ndarray, hi: np.ndarray) -> Shown:
    """What a store shows inside the sorted disjoint windows ``[lo, hi)``: outside them no
    view consults the subset, so nothing there counts (and records absent from every window
    need no work at all)."""
    if np.isneginf(lo[0]) and np.isposinf(hi[-1]) and lo.size == 1:
        return shown
    start, end, parent = clip_to_windows(shown.start, shown.end, lo, hi)
    return Shown(shown.rec[parent], shown.version[parent], start, end)


def inside(t: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether each time falls in one of the sorted disjoint windows ``[lo, hi)``."""
    k = np.searchsorted(hi, t, side="right")
    return (k < lo.size) & (lo[np.minimum(k, lo.size - 1)] <= t)


def merged(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of possibly overlapping windows, as sorted disjoint windows."""
    order = np.argsort(windows[:, 0])
    lo, hi = windows[order, 0], np.maximum.accumulate(windows[order, 1])
    starts_new = np.r_[True, lo[1:] > hi[:-1]]
    ends = np.r_[np.flatnonzero(starts_new)[1:] - 1, lo.size - 1]
    return lo[starts_new], hi[ends]
