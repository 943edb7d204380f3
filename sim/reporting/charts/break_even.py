"""Robustness chart 3: where two levers are equal as one uncertainty moves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    empty_chart,
    factor_label,
    new_figure,
)
from sim.reporting.charts.robust_data import assessment, break_even_long
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def break_even(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Per uncertainty: the paired difference leader - rival in each world, its monotone fit,
    and the break-even value with its bootstrap interval."""
    title = "Break-even: where the leading lever and its rival are equal"
    found = assessment(results)
    if found is None or not found.break_evens:
        return empty_chart(results, title, "No numeric uncertainty: no break-even to show.")
    table = break_even_long(found)
    names = list(dict.fromkeys(table["uncertainty"]))
    colour = variant_colours(list(found.ranks.index), results.kinds)[found.leader]
    fig = new_figure(2.4 * int(np.ceil(len(names) / 2)) + 0.6)
    add_title(fig, f"{title}: {found.leader} minus {found.rival}")
    axes = np.atleast_1d(fig.subplots(int(np.ceil(len(names) / 2)), min(2, len(names)))).ravel()
    meta = info(found.metric)
    unit = "pp" if meta.share else meta.unit
    for ax, name in zip(axes, names, strict=False):
        rows = table[table["uncertainty"] == name]
        ax.scatter(
            rows["x"], rows["difference"], s=8, alpha=0.5, color=colour, lw=0, gid=f"point:{name}"
        )
        ax.plot(rows["x"], rows["fit"], color="black", lw=1.2, gid=f"line:{name}")
        ax.axhline(0, color=NEUTRAL, lw=0.8, ls="--")
        value, low, high = rows[["break_even", "low", "high"]].iloc[0]
        if pd.notna(value):
            ax.axvline(value, color=NEUTRAL, lw=1)
            if pd.notna(low):
                ax.axvspan(low, high, color=NEUTRAL, alpha=0.15, lw=0, gid=f"interval:{name}")
            interval = f" [{low:.3g}, {high:.3g}]" if pd.notna(low) else ""
            ax.set_title(f"equal at {value:.3g}{interval}", fontsize=8)
        else:
            ax.set_title("no crossing in the sampled range", fontsize=8)
        ax.set_xlabel(factor_label(name), fontsize=7.5)
        ax.set_ylabel(f"{meta.label}: difference ({unit})", fontsize=7.5)
        ax.grid(alpha=0.3)
    for ax in axes[len(names) :]:
        ax.axis("off")
    extra = (
        "points: worlds; line: monotone fit of the difference; vertical line and band: the"
        " break-even value and its 95 % bootstrap interval"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table
