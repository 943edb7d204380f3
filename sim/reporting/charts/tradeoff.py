"""Chart 2: completeness against wrong answers, one point per variant, Pareto front marked."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.data import (
    drawn,
    first_point,
    label_groups,
    pareto_efficient,
    point_note,
    summary_table,
    wide,
)
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import variant_colours, variant_markers


def tradeoff(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Completeness against inconsistency, one point per variant, Pareto front marked."""
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    markers = variant_markers(variants)
    metrics = ["completeness", "inconsistency_rate"]
    table = wide(drawn(summary_table(first_point(results), metrics, variants)), metrics)
    if table.empty:
        return empty_chart(results, "Completeness against inconsistency", "No data to show.")
    table["pareto_efficient"] = pareto_efficient(table)
    fig = new_figure(4.2)
    add_title(fig, "Completeness against inconsistency: top left is best")
    ax = fig.add_subplot()
    for _, row in table.iterrows():
        v = row["variant"]
        x, y = row["inconsistency_rate"], row["completeness"]
        if "completeness_ci_low" in row.index:
            ax.errorbar(
                [x],
                [y],
                xerr=[
                    [x - row["inconsistency_rate_ci_low"]],
                    [row["inconsistency_rate_ci_high"] - x],
                ],
                yerr=[[y - row["completeness_ci_low"]], [row["completeness_ci_high"] - y]],
                fmt="none",
                ecolor=colours[v],
                capsize=3,
                lw=1,
                gid=f"interval:{v}",
            )
        ax.scatter(
            [x], [y], s=70, color=colours[v], marker=markers[v], zorder=3, label=v, gid=f"point:{v}"
        )
        if row["pareto_efficient"]:
            ax.scatter(
                [x],
                [y],
                s=260,
                facecolors="none",
                edgecolors="black",
                lw=1.2,
                zorder=4,
                gid=f"pareto:{v}",
            )
    for names, x, y in label_groups(
        table["variant"], table["inconsistency_rate"], table["completeness"]
    ):
        ax.annotate(
            "\n".join(names), (x, y), xytext=(10, -4), textcoords="offset points", fontsize=8,
            va="top", gid=f"label:{', '.join(names)}",
        )  # fmt: skip
    ax.scatter([], [], s=160, facecolors="none", edgecolors="black", label="Pareto-efficient")
    ax.set_xlabel(info("inconsistency_rate").axis_label + ": wrong records among those returned")
    ax.set_ylabel(info("completeness").axis_label)
    ax.margins(0.15)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", frameon=False)
    add_caption(
        fig,
        caption(
            results,
            extra="circled: no other variant is both more complete and"
            " less inconsistent" + (f"; {point_note(results)}" if point_note(results) else ""),
        ),
    )
    return fig, table
