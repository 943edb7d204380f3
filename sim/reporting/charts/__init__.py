"""The standard charts. Each returns ``(Figure, DataFrame of exactly what is drawn)``.

Shares are drawn as percentages. Drawn artists carry a ``gid`` (``bar:<variant>``,
``line:<variant>``, ``point:<variant>``, ``interval:<variant>``) so tests and readers of SVG
output can find them. Values that are missing (a denominator was zero, every run failed) are
left out of the data and marked "n/a" on the chart, never drawn as zero. One module per chart;
the tables they draw are built in :mod:`sim.reporting.charts.data`.
"""

from __future__ import annotations

from sim.reporting.charts.base import Chart, render
from sim.reporting.charts.break_even import break_even
from sim.reporting.charts.comparison import comparison
from sim.reporting.charts.data import (
    first_point,
    label_stack,
    pareto_efficient,
    point_note,
    summary_table,
)
from sim.reporting.charts.differences import differences
from sim.reporting.charts.distribution import distribution
from sim.reporting.charts.load import load
from sim.reporting.charts.outcomes_costs import outcomes_costs
from sim.reporting.charts.over_time import behaviour, over_time
from sim.reporting.charts.ranking_odds import ranking_odds
from sim.reporting.charts.region_gains import region_gains
from sim.reporting.charts.regions import regions
from sim.reporting.charts.regret import regret
from sim.reporting.charts.scenario_discovery import scenario_discovery
from sim.reporting.charts.sensitivity import sensitivity
from sim.reporting.charts.settings import settings
from sim.reporting.charts.tradeoff import tradeoff
from sim.reporting.charts.visibility import visibility
from sim.reporting.charts.worlds_tradeoff import axes_of as worlds_tradeoff_axes
from sim.reporting.charts.worlds_tradeoff import worlds_tradeoff
from sim.reporting.loading import Results

CHARTS: dict[str, Chart] = {
    "comparison": comparison,
    "outcomes_costs": outcomes_costs,
    "tradeoff": tradeoff,
    "sensitivity": sensitivity,
    "over_time": over_time,
    "behaviour": behaviour,
    "visibility": visibility,
    "regions": regions,
    "region_gains": region_gains,
    "load": load,
    "differences": differences,
    "ranking_odds": ranking_odds,
    "distribution": distribution,
    "regret": regret,
    "worlds_tradeoff": worlds_tradeoff,
    "settings": settings,
    "break_even": break_even,
    "scenario_discovery": scenario_discovery,
}
"""The charts by name, in the order the report shows them."""

ROBUSTNESS_CHARTS = (
    "ranking_odds",
    "distribution",
    "regret",
    "worlds_tradeoff",
    "settings",
    "break_even",
    "scenario_discovery",
)
"""Drawn only for a sweep with sampled worlds (the report's "How robust is the ranking?")."""

STANDARD_CHARTS = tuple(name for name in CHARTS if name not in ROBUSTNESS_CHARTS)
"""Drawn for every sweep and run."""


def charts_for(results: Results) -> tuple[str, ...]:
    """The charts that have something to show for ``results``: the robustness charts only
    when it sampled worlds, and PRIM's only when it found a region; over sampled worlds
    without a grid, the break-even curves take the place of the grid's sensitivity lines."""
    found = results.robustness
    standard = STANDARD_CHARTS
    if found is not None and not results.factors:
        standard = tuple(n for n in STANDARD_CHARTS if n != "sensitivity")
    robust: tuple[str, ...] = () if found is None else ROBUSTNESS_CHARTS
    if found is not None and (found.discovery is None or not found.discovery.significant):
        robust = tuple(n for n in robust if n != "scenario_discovery")
    if found is not None and not found.break_evens:
        robust = tuple(n for n in robust if n != "break_even")
    if found is not None and not found.settings:
        robust = tuple(n for n in robust if n != "settings")
    if found is not None and worlds_tradeoff_axes(results, found.metric) is None:
        robust = tuple(n for n in robust if n != "worlds_tradeoff")
    return (*standard, *robust)


__all__ = [
    "CHARTS",
    "ROBUSTNESS_CHARTS",
    "STANDARD_CHARTS",
    "Chart",
    "charts_for",
    "first_point",
    "label_stack",
    "pareto_efficient",
    "point_note",
    "render",
    "summary_table",
]
