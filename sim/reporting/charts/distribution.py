"""Robustness chart: the distribution of the ranked metric over the plausible worlds, one
cumulative curve per lever, beside the ranking odds: what may happen, not only who wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.robust_data import assessment
from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def distribution_long(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """lever, value (display units), share of worlds at or below it."""
    frames = []
    for lever in table.columns:
        values = np.sort(table[lever].to_numpy(float)) * scale(metric)
        share = np.arange(1, values.size + 1) / values.size
        frames.append(pd.DataFrame({"lever": lever, "value": values, "share": share}))
    return pd.concat(frames, ignore_index=True)


def distribution(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Empirical cumulative distribution of the metric over the worlds, per lever, with the
    band holding the middle 90 % of the worlds shaded."""
    title = "What may happen: the distribution over plausible worlds"
    found = assessment(results)
    if found is None or found.table.empty:
        return empty_chart(results, title, "No sampled worlds: no distribution to show.")
    table = distribution_long(found.table, found.metric)
    colours = variant_colours(list(found.table.columns), results.kinds)
    fig = new_figure(3.2)
    add_title(fig, title)
    ax = fig.add_subplot()
    for lever, part in table.groupby("lever", sort=False):
        ax.step(part["value"], 100 * part["share"], where="post", color=colours[str(lever)],
                label=str(lever), lw=1.4, gid=f"line:{lever}")  # fmt: skip
    ax.axhspan(5, 95, color=NEUTRAL, alpha=0.08, lw=0)
    meta = info(found.metric)
    unit = "%" if meta.share else meta.unit
    ax.set_xlabel(f"{meta.label} ({unit}) in a world")
    ax.set_ylabel("Share of worlds at or below (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7, loc="best")
    extra = (
        f"one curve per lever over {found.worlds} worlds; the shaded band holds the middle 90 %"
        " of the worlds: read where each curve crosses it for the range of what may happen"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table
