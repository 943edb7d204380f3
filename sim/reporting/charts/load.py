"""Chart 8: messages per day by link class."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    count_words,
    empty_chart,
    error_bars,
    mark_missing,
    new_figure,
)
from sim.reporting.charts.data import drawn, first_point, point_note, summary_table
from sim.reporting.definitions import LINK_LABELS
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def in_words(count: float) -> str:
    """``7.7 billion``, ``3.1 million``, ``42,000``: no ``1e9`` offset to decode."""
    return count_words(count)


def load(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Messages per day by link class, stacked, with an interval on the total."""
    title = "Network load: messages per day at real volume"
    ok = first_point(results)
    columns = [c for c in ok.columns if c.startswith("messages_per_day.")]
    columns = [
        c for c in columns if pd.to_numeric(ok[c], errors="coerce").fillna(0).abs().sum() > 0
    ]
    if not columns:
        return empty_chart(results, title, "No message counts in these results.")
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    parts = drawn(summary_table(ok, columns, variants))
    totals = drawn(summary_table(ok.assign(total=ok[columns].sum(axis=1)), ["total"], variants))
    hatches = ["", "//", "..", "xx", "\\\\", "oo"]
    fig = new_figure(3.8)
    add_title(fig, title)
    ax = fig.add_subplot()
    for x, variant in enumerate(variants):
        rows = parts[parts["variant"] == variant].set_index("metric")
        if rows.empty:
            mark_missing(ax, x)
            continue
        bottom = 0.0
        for k, column in enumerate(columns):
            value = float(rows.loc[column, "mean"]) if column in rows.index else 0.0
            ax.bar(
                x,
                value,
                bottom=bottom,
                color=colours[variant],
                edgecolor="white",
                hatch=hatches[k % len(hatches)],
                width=0.65,
                gid=f"bar:{variant}",
            )
            bottom += value
        total = totals[totals["variant"] == variant]
        if not total.empty:
            error_bars(ax, x, total.iloc[0], colours[variant], variant)
            # the total in words above the bar: a federated fan-out can dwarf the others
            # a thousandfold, leaving their bars too low to read
            ax.annotate(
                in_words(float(total.iloc[0]["mean"])),
                (x, float(total.iloc[0].get("ci_high", total.iloc[0]["mean"]))),
                xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=7,
            )  # fmt: skip
    for k, column in enumerate(columns):
        ax.bar(
            [0],
            [0],
            color="white",
            edgecolor=NEUTRAL,
            hatch=hatches[k % len(hatches)],
            label=LINK_LABELS.get(column.split(".", 1)[1], column),
        )
    ax.set_xticks(range(len(variants)), variants, rotation=15, ha="right")
    ax.set_xlabel("Architecture (colour) and link class (hatching)")
    ax.set_ylabel("Messages per day")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: in_words(v)))
    ax.margins(y=0.12)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(frameon=False, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    table = parts.assign(link_class=parts["metric"].str.split(".", n=1).str[1])
    table = pd.concat([table, totals.assign(link_class="total")], ignore_index=True)
    add_caption(
        fig,
        caption(
            results,
            extra="whiskers on the total of all link classes"
            + (f"; {point_note(results)}" if point_note(results) else ""),
        ),
    )
    return fig, table.drop(columns="metric")
