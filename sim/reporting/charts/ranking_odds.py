"""Robustness chart 2: in how many of the plausible worlds each lever ranks first, second..."""

from __future__ import annotations

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from sim.catalogue import better_higher
from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.robust_data import assessment, odds_long
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import sequential_cmap


def ranking_odds(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Stacked bars: per lever, the share of worlds at each rank (first at the left)."""
    title = "Ranking odds: how often each lever ranks first, second, ..."
    found = assessment(results)
    if found is None:
        return empty_chart(results, title, "No sampled worlds: no ranking odds to show.")
    table = odds_long(found)
    levers = list(dict.fromkeys(table["lever"]))
    ranks = sorted(table["rank"].unique())
    cmap = colormaps[sequential_cmap()]
    fig = new_figure(1.1 + 0.34 * len(levers))
    add_title(fig, title)
    ax = fig.add_subplot()
    left = pd.Series(0.0, index=levers)
    for rank in ranks:
        share = table[table["rank"] == rank].set_index("lever")["share"].reindex(levers) * 100
        colour = cmap(0.05 + 0.9 * (rank - 1) / max(1, len(ranks) - 1))
        ax.barh(
            range(len(levers)),
            share,
            left=left,
            color=colour,
            label=ordinal(rank),
            height=0.65,
            gid=f"bar:rank{rank}",
        )
        for y, (value, start) in enumerate(zip(share, left, strict=True)):
            if value >= 8:
                ink = "white" if rank <= len(ranks) / 2 else "black"
                ax.text(
                    start + value / 2,
                    y,
                    f"{value:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=ink,
                )
        left += share
    ax.set_yticks(range(len(levers)), levers, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    better = "higher" if better_higher(found.metric) else "lower"
    label = info(found.metric).label.lower()
    ax.set_xlabel(f"Share of {found.worlds} worlds (%), ranked on {label} ({better} is better)")
    ax.legend(
        frameon=False,
        ncols=min(len(ranks), 6),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.25),
        fontsize=7,
    )
    extra = (
        "each world's levers ranked on the mean over its replications; levers within the"
        " metric's materiality threshold of each other share a rank, so two equivalent leaders"
        " are both first"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table


def ordinal(rank: int) -> str:
    return f"{rank}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(rank if rank < 20 else rank % 10, 'th') }"
