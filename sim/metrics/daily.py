"""The daily table: each measured day's additive parts of a run's ratio and count metrics, for
the world (region and kind ``all``), each region (its queriers) and each record kind.

A ratio of sums is not the mean of daily ratios (a day's denominators differ), so a window's
metrics cannot come from the daily series of ratios; they come exactly from this table: the
window's rows summed, then divided by the very formulas of the whole run
(:func:`sim.metrics.window_metrics`). Over the whole measured window they give the run's own
figures. Lag percentiles, latency percentiles, behaviour and costs are not sums of days and
have no window.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.metrics.outcomes import OUTCOMES
from sim.metrics.queries import QUERY_COUNTS

ALL = "all"
"""The region or kind of rows that count every region or every kind."""

KEYS = ("day", "region", "kind")
"""A row's identity within a run: a day number, a region (or ``all``), a kind (or ``all``)."""

INTEGRALS = ("act", "allact", "vis", "vis_act", "ghost", "stale", "stale_any", "conflict")
"""The query-weighted record integrals (record-days) the record ratios divide."""

OUTCOME_COUNTS = ("searches", *OUTCOMES)
"""Expected searches and outcomes at real volume (present when the run models subjects)."""

EXPOSURE = ("copies_held", "records_active")
"""Store-days of copies held and record-days active: the world row's exposure (NaN in the
other rows, whose exposure is not defined)."""

MEASURED = "measured_days"
"""The part of the day inside the measured window (1 but for a fractional warm-up's end or
horizon): the outcomes' years."""

SUMMED = (MEASURED, *INTEGRALS, *QUERY_COUNTS, *OUTCOME_COUNTS, *EXPOSURE)
"""Every additive column, in the table's order."""


def daily_rows(
    day: np.ndarray, region: str, kind: str, *parts: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    """One row per day for one (region, kind): the day number, then each part's columns."""
    frame: dict[str, object] = {"day": day, "region": region, "kind": kind}
    for part in parts:
        frame |= {name: np.asarray(values, dtype=float) for name, values in part.items()}
    return pd.DataFrame(frame)


def daily_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of every (region, kind), every additive column present in a fixed order."""
    table = pd.concat(frames, ignore_index=True)
    columns = [*KEYS, *(c for c in SUMMED if c in table.columns)]
    return table[columns]


def window_sums(
    daily: pd.DataFrame, first: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """The additive columns summed over days ``first <= day < end`` (either open), per the
    other columns of ``daily`` (run keys, region, kind): one row each. NaN stays NaN where a
    column has no value (exposure off the world row)."""
    rows = daily
    if first is not None:
        rows = rows[rows["day"] >= first]
    if end is not None:
        rows = rows[rows["day"] < end]
    summed = [c for c in SUMMED if c in rows.columns]
    groups = [c for c in rows.columns if c not in summed and c != "day"]
    return rows.groupby(groups, sort=False, dropna=False)[summed].sum(min_count=1).reset_index()
