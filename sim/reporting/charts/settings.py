"""Robustness chart: a lever's own setting, the share of worlds meeting each threshold at
each value, with the robust setting marked."""

from __future__ import annotations

import math

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
from sim.reporting.charts.robust_data import assessment
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL


def settings_long(found) -> pd.DataFrame:  # noqa: ANN001 (sim.robustness.Assessment)
    """lever, setting, threshold, value, share of worlds meeting it, robust setting."""
    rows = []
    for s in found.settings:
        lever = s.variant + "".join(f" {k}={v:g}" for k, v in s.fixed.items())
        for value, share in zip(s.values, s.met_share, strict=True):
            rows.append([lever, s.setting, str(s.threshold), value, share, s.robust])
    columns = ["lever", "setting", "threshold", "value", "share", "robust"]
    return pd.DataFrame(rows, columns=columns)


def settings(results: Results) -> tuple[Figure, pd.DataFrame]:
    """One panel per lever setting: the share of worlds meeting each threshold along the
    setting, the confidence line, and the robust setting of each threshold."""
    title = "A lever's own settings: where each threshold holds"
    found = assessment(results)
    if found is None or not found.settings:
        return empty_chart(results, title, "No lever setting was gridded: nothing to show.")
    table = settings_long(found)
    panels = list(dict.fromkeys(zip(table["lever"], table["setting"], strict=True)))
    fig = new_figure(2.6 * len(panels) + 0.4)
    add_title(fig, title)
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    confidence = found.settings[0].confidence
    for ax, (lever, setting) in zip(axes, panels, strict=True):
        part = table[(table["lever"] == lever) & (table["setting"] == setting)]
        for threshold, line in part.groupby("threshold", sort=False):
            drawn = ax.plot(line["value"], 100 * line["share"], marker="o", ms=3,
                            label=str(threshold), gid=f"line:{threshold}")  # fmt: skip
            robust = line["robust"].iloc[0]
            if robust is not None and math.isfinite(robust):
                ax.axvline(robust, color=drawn[0].get_color(), ls=":", lw=1)
        ax.axhline(100 * confidence, color=NEUTRAL, ls="--", lw=0.8)
        ax.set_ylim(0, 102)
        ax.set_xlabel(f"{lever}: {factor_label(setting)}")
        ax.set_ylabel("Worlds meeting it (%)")
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize=7, loc="best")
    extra = (
        f"dashed line: {confidence:.0%} of the worlds; dotted: the robust setting of each"
        " threshold (the furthest value still meeting it in that share of worlds)"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, table
