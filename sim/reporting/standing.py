"""Who stands level with the best on a metric, by the one rule the bottom line, the executive
summary and the robustness section all read, so that their framings of one comparison agree:
the best value as shown, and every variant that shows the same or (with intervals) is not
significantly apart from it."""

from __future__ import annotations

import pandas as pd

from sim.analysis import paired_differences, summarise
from sim.catalogue import better_higher, materiality, value_with_unit
from sim.reporting.charts.data import first_point
from sim.reporting.loading import Results
from sim.verdict.ties import equivalent_means


def best_shown(column: pd.Series, metric: str) -> list[str]:
    """The variants with the best value as shown (equal when they print the same)."""
    valued = column.dropna()
    if valued.empty:
        return []
    top = valued.max() if better_higher(metric) else valued.min()
    best = value_with_unit(metric, top)
    return [str(v) for v, x in valued.items() if value_with_unit(metric, x) == best]


def level_with(results: Results, column: pd.Series, metric: str) -> list[str]:
    """The best variants on ``metric`` (``column``: each variant's mean) and every variant
    level with them: the same value as shown, a paired difference whose interval holds zero
    (one run has no interval: equal only), or a mean within the metric's materiality
    threshold."""
    best = best_shown(column, metric)
    if not best or results.single_run:
        return best
    diff = paired_differences(first_point(results), best[0], [metric])
    level = diff.loc[~diff["significant"].astype(bool), "variant"].astype(str)
    valued = set(column.dropna().index)
    close = equivalent_means(column.dropna(), metric, materiality(metric))
    return [*best, *(v for v in [*level, *close] if v in valued and v not in best)]


def level_best(results: Results, metric: str) -> list[str]:
    """:func:`level_with` on the means of the charted grid point."""
    runs = first_point(results)
    if runs.empty or metric not in runs.columns:
        return []
    means = summarise(runs, [metric]).set_index("variant")["mean"]
    return level_with(results, means, metric)
