"""Chart 6: how soon a new record becomes visible to officers in other regions."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.data import drawn, first_point, point_note, summary_table
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours

DAYS_PAST_HOURS = 96.0
"""A curve running longer than this many hours is drawn against days."""


def visibility(results: Results) -> tuple[Figure, pd.DataFrame]:
    """How soon a border post in another region sees a new alert: one curve per variant."""
    title = "How soon does a border post in another region see a new alert?"
    vis = results.visibility
    if vis.empty:
        return empty_chart(results, title, "No visibility curve in these results.")
    vis = vis[vis["run_id"].isin(set(first_point(results)["run_id"]))]
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    table = drawn(summary_table(vis.assign(point_id=vis["hours"]), ["share"], variants))
    table = table.rename(columns={"point_id": "hours"}).drop(columns="metric")
    for column in ("mean", "ci_low", "ci_high"):
        if column in table.columns:  # summary_table does not know "share": a fraction
            table[column] = (table[column] * 100.0).clip(0.0, 100.0)
    if table.empty:
        return empty_chart(results, title, "No record became visible in another region.")
    # days read better than hours past the first few days (curves run to 720 hours)
    in_days = float(table["hours"].max()) > DAYS_PAST_HOURS
    x = "days" if in_days else "hours"
    if in_days:
        table.insert(table.columns.get_loc("hours") + 1, "days", table["hours"] / 24.0)
    fig = new_figure(3.8)
    add_title(fig, title)
    ax = fig.add_subplot()
    for variant in variants:
        line = table[table["variant"] == variant].sort_values("hours")
        if line.empty:
            continue
        ax.plot(
            line[x],
            line["mean"],
            color=colours[variant],
            lw=1.5,
            label=variant,
            gid=f"line:{variant}",
            marker="o",
            ms=2.5,
        )
        if "ci_low" in line.columns:
            ax.fill_between(
                line[x],
                line["ci_low"],
                line["ci_high"],
                alpha=0.2,
                color=colours[variant],
                lw=0,
                gid=f"interval:{variant}",
            )
    ax.set_xlabel(f"{x.capitalize()} since the record was created at its source")
    ax.set_ylabel("New records visible in\nanother region (%)")
    ax.set_ylim(0, 100)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    add_caption(fig, caption(results, extra=point_note(results)))
    return fig, table
