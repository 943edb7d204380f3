"""Robustness chart 1: how far each lever falls short of the best one, world by world."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.robust_data import assessment, regret_long
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def regret(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Box and strip of the regret of each lever over the sampled worlds."""
    title = "Regret: the shortfall from the best lever in each world"
    found = assessment(results)
    if found is None:
        return empty_chart(results, title, "No sampled worlds: no regret to show.")
    table = regret_long(found)
    levers = list(found.regret.sort_values("max_regret").index)
    colours = variant_colours(list(found.ranks.index), results.kinds)
    fig = new_figure(0.9 + 0.38 * len(levers))
    add_title(fig, title)
    ax = fig.add_subplot()
    rng = np.random.default_rng(0)  # jitter only: the same picture every time
    for y, lever in enumerate(levers):
        values = table.loc[table["lever"] == lever, "regret"].to_numpy()
        ax.boxplot(
            values,
            positions=[y],
            orientation="horizontal",
            widths=0.55,
            showfliers=False,
            medianprops={"color": "black"},
        )
        jitter = rng.uniform(-0.18, 0.18, len(values))
        ax.scatter(
            values, y + jitter, s=8, alpha=0.55, color=colours[lever], lw=0, gid=f"point:{lever}"
        )
    ax.set_yticks(range(len(levers)), levers, fontsize=7.5)
    meta = info(found.metric)
    unit = "percentage points" if meta.share else meta.unit
    ax.set_xlabel(f"{meta.label}: regret ({unit}); 0 = the best lever in that world")
    ax.axvline(0, color=NEUTRAL, lw=0.8, ls="--")
    ax.grid(axis="x", alpha=0.3)
    extra = "box: quartiles, line: median, points: worlds"
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table
