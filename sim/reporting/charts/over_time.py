"""Charts 4 and 5: the metrics day by day (with outages shaded) and the agents' behaviour."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    empty_chart,
    line_with_band,
    new_figure,
)
from sim.reporting.charts.data import drawn, first_point, summary_table
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import DOMAIN_SHADE, OUTAGE_SHADE, variant_colours

DOMAIN_PREFIX = "domain."
"""How ``outages.csv`` names a failure domain's event rows (``sim.runner.outage_table``)."""


def over_time(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Daily completeness and inconsistency for the whole world; outages shaded for one run."""
    return daily_lines(
        results,
        "Completeness and inconsistency day by day",
        ["completeness", "inconsistency_rate"],
        "No daily series in these results.",
    )


def behaviour(results: Results) -> tuple[Figure, pd.DataFrame]:
    """The agents' feedbacks day by day: trust in the channels, propensity to share, backlog."""
    return daily_lines(
        results,
        "Trust, willingness to share and staff backlog day by day",
        ["trust", "propensity", "backlog_delay_days"],
        "Agent behaviour is off in these results (no behaviour section in the scenario).",
    )


def daily_lines(
    results: Results, title: str, metrics: list[str], missing: str
) -> tuple[Figure, pd.DataFrame]:
    """One panel per metric: the world's daily mean per variant, with a band over replications."""
    ts = results.timeseries
    if ts.empty or not all(m in ts.columns for m in metrics) or ts[metrics].isna().all().all():
        return empty_chart(results, title, missing)
    ids = set(first_point(results)["run_id"])
    ts = ts[(ts["region"] == "all") & ts["run_id"].isin(ids)]
    variants, colours = results.variants, variant_colours(results.variants, results.kinds)
    table = drawn(summary_table(ts.assign(point_id=ts["day"]), metrics, variants))
    table = table.rename(columns={"point_id": "day"})
    fig = new_figure(2.3 * len(metrics))
    add_title(fig, title)
    axes = fig.subplots(len(metrics), 1, sharex=True)
    for ax, metric in zip(axes, metrics, strict=True):
        rows = table[table["metric"] == metric]
        for variant in variants:
            line = rows[rows["variant"] == variant].sort_values("day")
            if line.empty:
                continue
            line_with_band(ax, line, "day", colours[variant], variant, lw=1.2)
        ax.set_ylabel(info(metric).axis_label)
        ax.set_xlabel("Simulated day (days before the end of warm-up not shown)")
        ax.grid(alpha=0.3)
    extra = ""
    if results.single_run:
        shaded = shade_outages(axes, store_periods(results.outages))
        domains = shade_domains(axes, domain_events(results.outages))
        extra = (
            f"grey: {shaded} outage period(s) of hubs, platforms or NCBs"
            if shaded
            else "no outages"
        )
        if domains:
            extra += f"; hatched: events of {', '.join(domains)}, every member down at once"
    axes[0].legend(frameon=False, ncols=min(len(variants), 4), loc="lower left")
    add_caption(fig, caption(results, extra=extra))
    return fig, table


def shade_outages(axes: Sequence[Axes], outages: pd.DataFrame) -> int:
    """Grey spans where any store was down; returns how many periods were shaded."""
    if outages.empty:
        return 0
    for ax in axes:
        lo, hi = ax.get_xlim()
        for row in outages.itertuples():
            ax.axvspan(
                row.start_day,
                row.end_day,
                color=OUTAGE_SHADE,
                alpha=0.5,
                lw=0,
                gid="outage",
                zorder=0,
            )
        ax.set_xlim(lo, hi)
    return len(outages)


def store_periods(outages: pd.DataFrame) -> pd.DataFrame:
    """The stores' down periods of ``outages.csv``, without the failure domains' event rows."""
    if outages.empty:
        return outages
    return outages[~outages["store"].astype(str).str.startswith(DOMAIN_PREFIX)]


def domain_events(outages: pd.DataFrame) -> pd.DataFrame:
    """The failure domains' event rows of ``outages.csv`` (``store`` ``domain.<name>``)."""
    if outages.empty:
        return outages
    return outages[outages["store"].astype(str).str.startswith(DOMAIN_PREFIX)]


def shade_domains(axes: Sequence[Axes], events: pd.DataFrame) -> list[str]:
    """Hatched spans over each failure domain's events, labelled once per domain in the first
    panel's legend; returns the domains shaded, in order of first event."""
    names: list[str] = []
    for row in events.sort_values("start_day").itertuples():
        name = str(row.store).removeprefix(DOMAIN_PREFIX)
        first = name not in names
        names += [name] if first else []
        for i, ax in enumerate(axes):
            lo, hi = ax.get_xlim()
            ax.axvspan(
                row.start_day,
                row.end_day,
                facecolor=DOMAIN_SHADE,
                edgecolor=DOMAIN_SHADE,
                alpha=0.3,
                hatch="///",
                lw=0,
                gid="domain-outage",
                zorder=0,
                label=f"{name} down" if first and i == 0 else None,
            )
            ax.set_xlim(lo, hi)
    return names
