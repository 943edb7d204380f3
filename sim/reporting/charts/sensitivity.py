"""Chart 3: how the headline metrics move with each varied or sampled parameter."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    empty_chart,
    factor_label,
    line_with_band,
    new_figure,
)
from sim.reporting.charts.data import drawn, missing_label, summary_table
from sim.reporting.definitions import SENSITIVITY_METRICS, info
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours


def sensitivity(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Each metric against each grid factor, one line per variant, interval band."""
    title = "Sensitivity to the varied assumptions"
    ok = results.ok_runs
    factors = [f for f in results.factors if f in ok.columns and ok[f].nunique() > 1]
    if not factors:
        return empty_chart(results, title, "No assumption was varied over a grid: nothing to show.")
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    metrics = [m for m in SENSITIVITY_METRICS if m in ok.columns]
    fig = new_figure(2.2 * len(metrics) + 0.6)
    add_title(fig, title)
    axes = np.atleast_2d(fig.subplots(len(metrics), len(factors), squeeze=False))
    frames = []
    for j, factor in enumerate(factors):
        runs = ok.assign(point_id=pd.to_numeric(ok[factor], errors="coerce"))
        table = drawn(summary_table(runs, metrics, variants)).rename(columns={"point_id": "value"})
        table.insert(0, "factor", factor)
        frames.append(table)
        for i, metric in enumerate(metrics):
            ax = axes[i, j]
            rows = table[table["metric"] == metric]
            never = []
            for variant in variants:
                line = rows[rows["variant"] == variant].sort_values("value")
                if line.empty:
                    never += [variant] if missing_label(ok, metric, variant) == "never" else []
                    continue
                line_with_band(ax, line, "value", colours[variant], variant, marker="o", ms=3)
            if never:
                note = f"never: {', '.join(never)}"
                ax.text(0.02, 0.95, note, transform=ax.transAxes, va="top", fontsize=7)
            ax.set_ylabel("\n".join(textwrap.wrap(info(metric).axis_label, 28)))
            # long dotted keys side by side would run into each other
            ax.set_xlabel("\n".join(textwrap.wrap(factor_label(factor), 60 // len(factors))))
            ax.grid(alpha=0.3)
    axes[0, 0].legend(frameon=False, ncols=min(len(variants), 4), loc="best")
    data = pd.concat(frames, ignore_index=True)
    extra = "other varied assumptions pooled" if len(factors) > 1 else ""
    add_caption(fig, caption(results, extra=extra, what=band_words(data, results)))
    return fig, data


def band_words(data: pd.DataFrame, results: Results) -> str | None:
    """What the bands are when runs are pooled at each value (a sampled design repeats values
    across its other parameters): an interval even from one replication a point."""
    if not results.single_run or "ci_low" not in data.columns:
        return None
    return (
        "bands: 95 % confidence interval of the mean over the runs at each value (one"
        " replication a point, pooled over the other sampled values)"
    )
