"""Chart: what each architecture means at the border (hits, missed, false and stale hits a
year) beside what it costs (peak load, servers, staff hours, bandwidth), at real volume."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.catalogue import better_higher
from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    count_axis,
    empty_chart,
    error_bars,
    mark_missing,
    new_figure,
)
from sim.reporting.charts.data import drawn, first_point, point_note, summary_table
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours

OUTCOMES = ("hits_per_year", "missed_hits_per_year", "false_hits_per_year", "stale_hits_per_year")
COSTS = (
    "busiest_store_peak_per_second",
    "servers_needed_total",
    "staff_hours_per_year",
    "bandwidth_gb_per_day_total",
)


def outcomes_costs(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Two rows of panels, one per metric, bars per variant with 95 % intervals: the
    outcomes above, the costs below."""
    title = "What it means at the border, and what it costs"
    metrics = [m for m in (*OUTCOMES, *COSTS) if m in results.runs.columns]
    if not metrics:
        return empty_chart(results, title, "No outcome or cost metrics in these results.")
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    table = drawn(summary_table(first_point(results), metrics, variants))
    fig = new_figure(5.6)
    add_title(fig, title)
    axes = fig.subplots(2, 4).ravel()
    for ax, metric in zip(axes, [*OUTCOMES, *COSTS], strict=True):
        rows = table[table["metric"] == metric].set_index("variant")
        meta = info(metric)
        if metric not in metrics or rows.empty:
            ax.axis("off")
            ax.set_title(meta.label, fontsize=8.5)
            ax.text(0.5, 0.5, "n/a", ha="center", va="center", fontsize=9, transform=ax.transAxes)
            continue
        for x, variant in enumerate(variants):
            if variant not in rows.index:
                mark_missing(ax, x)
                continue
            row = rows.loc[variant]
            ax.bar(x, row["mean"], color=colours[variant], width=0.7, gid=f"bar:{variant}")
            error_bars(ax, x, row, colours[variant], variant)
        better = "higher is better" if better_higher(metric) else "lower is better"
        ax.set_title(f"{meta.label}\n({better})", fontsize=8.5)
        ax.set_ylabel(meta.unit, fontsize=8)
        ax.set_xlabel("Architecture", fontsize=8)
        count_axis(ax)
        ax.set_xticks(range(len(variants)), variants, rotation=30, ha="right", fontsize=7)
    notes = ("outcomes above, costs below, at real volume", point_note(results))
    add_caption(fig, caption(results, extra="; ".join(n for n in notes if n)))
    return fig, table
