"""Robustness chart: the trade-off across worlds, each lever's worlds as a cloud on two of
the criteria (the ranked metric against the year's cost, or the next criterion)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.robust_data import assessment
from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours
from sim.robustness import world_table

COST = "cost_per_year"


def axes_of(results: Results, metric: str) -> tuple[str, str] | None:
    """(x, y): the ranked metric against the cost a year if the runs have it, else the first
    other criterion; None when there is no second metric."""
    found = assessment(results)
    others = [t.metric for t in results.criteria_thresholds if t.metric != metric]
    if COST in results.runs and results.runs[COST].notna().any():
        return metric, COST
    return (metric, others[0]) if others and found is not None else None


def clouds(results: Results, x: str, y: str) -> pd.DataFrame:
    """lever, world, x, y in display units, on the worlds every lever has both."""
    grid = list(results.manifest.get("grid_factors") or [])
    a, b = world_table(results.runs, x, grid), world_table(results.runs, y, grid)
    worlds = a.index.intersection(b.index)
    frames = [
        pd.DataFrame({"lever": lever, "world": worlds,
                      "x": a.loc[worlds, lever] * scale(x), "y": b.loc[worlds, lever] * scale(y)})
        for lever in a.columns if lever in b.columns
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def worlds_tradeoff(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Each lever's worlds as points on two criteria, its mean as a larger marker: where the
    clouds separate, the levers trade one criterion for the other."""
    title = "The trade-off across worlds"
    found = assessment(results)
    pair = axes_of(results, found.metric) if found is not None else None
    if found is None or pair is None:
        return empty_chart(results, title, "No sampled worlds or no second criterion to show.")
    x, y = pair
    table = clouds(results, x, y)
    colours = variant_colours(list(table["lever"].unique()), results.kinds)
    fig = new_figure(3.6)
    add_title(fig, f"{title}: {info(x).label.lower()} against {info(y).label.lower()}")
    ax = fig.add_subplot()
    for lever, part in table.groupby("lever", sort=False):
        colour = colours[str(lever)]
        ax.scatter(part["x"], part["y"], s=9, alpha=0.45, color=colour, lw=0, gid=f"point:{lever}")
        ax.scatter([part["x"].mean()], [part["y"].mean()], s=60, color=colour, edgecolors="black",
                   lw=0.8, label=str(lever), gid=f"mean:{lever}")  # fmt: skip
    ax.set_xlabel(info(x).axis_label)
    ax.set_ylabel(info(y).axis_label)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7, loc="best")
    better = [("higher" if info(m).higher_is_better else "lower") for m in (x, y)]
    extra = (
        f"small points: one world each; large: the lever's mean over the worlds; {better[0]} is"
        f" better across, {better[1]} up the page"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table
