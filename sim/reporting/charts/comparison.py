"""Chart 1: the architectures side by side on the headline metrics, with intervals."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure

from sim.catalogue import better_higher
from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    error_bars,
    mark_missing,
    new_figure,
)
from sim.reporting.charts.data import (
    drawn,
    first_point,
    missing_label,
    point_note,
    summary_table,
)
from sim.reporting.definitions import COMPARISON_METRICS, info
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours


def wrapped(label: str, width: int = 26) -> str:
    """An axis label on two lines when long, so it never runs into the tick labels."""
    return "\n".join(textwrap.wrap(label, width))


def comparison(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Bars per variant, one panel per headline metric, with 95 % intervals."""
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    metrics = [m for m in COMPARISON_METRICS if m in results.runs.columns]
    table = drawn(summary_table(first_point(results), metrics, variants))
    fig = new_figure(5.4)
    add_title(fig, "How the architectures compare")
    axes = fig.subplots(2, 3).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        rows = table[table["metric"] == metric].set_index("variant")
        for x, variant in enumerate(variants):
            if variant not in rows.index:
                mark_missing(ax, x, missing_label(first_point(results), metric, variant))
                continue
            row = rows.loc[variant]
            ax.bar(x, row["mean"], color=colours[variant], width=0.7, gid=f"bar:{variant}")
            error_bars(ax, x, row, colours[variant], variant)
        meta = info(metric)
        better = "higher is better" if better_higher(metric) else "lower is better"
        ax.set_title(f"{meta.label}\n({better})", fontsize=9)
        ax.set_ylabel(wrapped(meta.axis_label), fontsize=8)
        ax.set_xlabel("Architecture", fontsize=8)
        ax.set_xticks(range(len(variants)), variants, rotation=35, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7.5)
    for ax in axes[len(metrics) :]:
        ax.axis("off")
    add_caption(fig, caption(results, extra=point_note(results)))
    return fig, table
