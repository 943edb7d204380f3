"""The standard charts. Each returns ``(Figure, DataFrame of exactly what is drawn)``.

Shares are drawn as percentages. Drawn artists carry a ``gid`` (``bar:<variant>``,
``line:<variant>``, ``point:<variant>``, ``interval:<variant>``) so tests and readers of SVG
output can find them. Values that are missing (a denominator was zero, every run failed) are
left out of the data and marked "n/a" on the chart, never drawn as zero. One module per chart;
the tables they draw are built in :mod:`sim.reporting.charts.data`.
"""

from __future__ import annotations

from sim.reporting.charts.base import Chart, render
from sim.reporting.charts.comparison import comparison
from sim.reporting.charts.data import (
    first_point,
    label_stack,
    pareto_efficient,
    point_note,
    summary_table,
)
from sim.reporting.charts.differences import differences
from sim.reporting.charts.load import load
from sim.reporting.charts.over_time import behaviour, over_time
from sim.reporting.charts.regions import regions
from sim.reporting.charts.sensitivity import sensitivity
from sim.reporting.charts.tradeoff import tradeoff
from sim.reporting.charts.visibility import visibility

CHARTS: dict[str, Chart] = {
    "comparison": comparison,
    "tradeoff": tradeoff,
    "sensitivity": sensitivity,
    "over_time": over_time,
    "behaviour": behaviour,
    "visibility": visibility,
    "regions": regions,
    "load": load,
    "differences": differences,
}
"""The standard charts by name, in the order the report shows them."""

__all__ = [
    "CHARTS",
    "Chart",
    "first_point",
    "label_stack",
    "pareto_efficient",
    "point_note",
    "render",
    "summary_table",
]
