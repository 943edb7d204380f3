"""The eight standard charts. Each returns ``(Figure, DataFrame of exactly what is drawn)``.

Figures are built with the object-oriented API (``matplotlib.figure.Figure``, rendered by Agg), so
nothing here touches pyplot's global state. Shares are drawn as percentages. Drawn artists carry a
``gid`` (``bar:<variant>``, ``line:<variant>``, ``point:<variant>``, ``interval:<variant>``) so
tests and readers of SVG output can find them. Values that are missing (a denominator was zero,
every run failed) are left out of the data and marked "n/a" on the chart, never drawn as zero.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis import paired_differences, summarise
from sim.catalogue import better_higher
from sim.reporting.definitions import (
    COMPARISON_METRICS,
    LINK_LABELS,
    SENSITIVITY_METRICS,
    info,
    scale,
)
from sim.reporting.loading import Results
from sim.reporting.palette import (
    NEUTRAL,
    OUTAGE_SHADE,
    sequential_cmap,
    variant_colours,
    variant_markers,
)

A4_WIDTH_INCHES = 7.2
"""A4 text width (210 mm less margins) at 100 % zoom: fonts below stay legible when printed."""

FONT = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8}

Chart = Callable[[Results], tuple[Figure, pd.DataFrame]]


# --- shared pieces ---------------------------------------------------------------------------


def new_figure(height: float) -> Figure:
    import matplotlib

    matplotlib.rcParams.update(FONT)
    return Figure(figsize=(A4_WIDTH_INCHES, height), layout="constrained", dpi=150)


def caption(results: Results, interval: bool = True, extra: str = "") -> str:
    """Scenario, replications, and what the interval means (or that there is none)."""
    n = results.replications
    if results.single_run:
        what = "one run: no interval (a single replication cannot show uncertainty)"
    elif interval:
        what = (
            f"{n} replications per variant; whiskers/bands: 95 % confidence interval of the"
            " mean (Student t, cut at the possible range)"
        )
    else:
        what = f"{n} replications per variant; values are means"
    failed = len(results.failed_runs)
    parts = [f"Scenario: {results.name}", what]
    if failed:
        parts.append(f"{failed} failed run(s) excluded")
    if extra:
        parts.append(extra)
    return "; ".join(parts) + "."


def add_caption(fig: Figure, text: str) -> None:
    fig.text(0.0, 0.0, textwrap.fill(text, 125), ha="left", va="top", fontsize=7.5, color=NEUTRAL)


def add_title(fig: Figure, title: str) -> None:
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.0, ha="left")


def first_point(results: Results) -> pd.DataFrame:
    """Ok runs at the first grid point: the comparison charts show one point of the grid."""
    ok = results.ok_runs
    return ok[ok["point_id"] == ok["point_id"].min()] if not ok.empty else ok


def point_note(results: Results) -> str:
    """Names the grid point charted when the sweep has several."""
    ok = results.ok_runs
    if ok.empty or ok["point_id"].nunique() <= 1 or not results.factors:
        return ""
    row = first_point(results).iloc[0]
    values = ", ".join(f"{f} = {row[f]:g}" for f in results.factors)
    return f"at the first grid point ({values})"


def summary_table(runs: pd.DataFrame, metrics: Sequence[str], order: Sequence[str]) -> pd.DataFrame:
    """sim.analysis.summarise on ``runs`` in display units, variants in ``order``."""
    present = [m for m in metrics if m in runs.columns]
    table = summarise(runs, present)
    for column in ("mean", "ci_low", "ci_high"):
        table[column] = table[column] * table["metric"].map(scale)
    shares = table["metric"].map(lambda m: info(m).share)
    table.loc[shares, "ci_low"] = table.loc[shares, "ci_low"].clip(lower=0.0)
    table.loc[shares, "ci_high"] = table.loc[shares, "ci_high"].clip(upper=100.0)
    table["variant"] = pd.Categorical(table["variant"], categories=list(order), ordered=True)
    return table.sort_values(["metric", "variant"]).reset_index(drop=True)


def drawn(table: pd.DataFrame, value: str = "mean") -> pd.DataFrame:
    """Rows with a value; interval columns dropped when no row has one, else filled by value."""
    table = table[np.isfinite(table[value].astype(float))].copy()
    for low, high in (("ci_low", "ci_high"),):
        if low in table.columns:
            if table[low].isna().all():
                table = table.drop(columns=[low, high])
            else:
                table[low] = table[low].fillna(table[value])
                table[high] = table[high].fillna(table[value])
    if "variant" in table.columns:
        table["variant"] = table["variant"].astype(str)
    return table.reset_index(drop=True)


def empty_chart(results: Results, title: str, message: str) -> tuple[Figure, pd.DataFrame]:
    fig = new_figure(2.0)
    add_title(fig, title)
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=10, color=NEUTRAL)
    add_caption(fig, caption(results))
    return fig, pd.DataFrame({"note": [message]})


def mark_missing(ax: Axes, x: float, text: str = "n/a") -> None:
    ax.text(x, 0, text, ha="center", va="bottom", fontsize=8, color=NEUTRAL)


def error_bars(ax: Axes, x: float, row: pd.Series, colour: str, variant: str) -> None:
    if "ci_low" not in row.index:
        return
    err = [[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]]
    ax.errorbar(
        [x],
        [row["mean"]],
        yerr=err,
        fmt="none",
        ecolor="black",
        capsize=3,
        lw=1,
        gid=f"interval:{variant}",
    )


# --- 1. architecture comparison --------------------------------------------------------------


def comparison(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Bars per variant, one panel per headline metric, with 95 % intervals."""
    variants, colours = results.variants, variant_colours(results.variants)
    metrics = [m for m in COMPARISON_METRICS if m in results.runs.columns]
    table = drawn(summary_table(first_point(results), metrics, variants))
    fig = new_figure(5.0)
    add_title(fig, "How the architectures compare")
    axes = fig.subplots(2, 3).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        rows = table[table["metric"] == metric].set_index("variant")
        for x, variant in enumerate(variants):
            if variant not in rows.index:
                mark_missing(ax, x)
                continue
            row = rows.loc[variant]
            ax.bar(x, row["mean"], color=colours[variant], width=0.7, gid=f"bar:{variant}")
            error_bars(ax, x, row, colours[variant], variant)
        meta = info(metric)
        better = "higher is better" if better_higher(metric) else "lower is better"
        ax.set_title(f"{meta.label}\n({better})", fontsize=9)
        ax.set_ylabel(meta.axis_label)
        ax.set_xlabel("Architecture")
        ax.set_xticks(range(len(variants)), variants, rotation=25, ha="right", fontsize=7.5)
    for ax in axes[len(metrics) :]:
        ax.axis("off")
    add_caption(fig, caption(results, extra=point_note(results)))
    return fig, table


# --- 2. trade-off ----------------------------------------------------------------------------


def label_stack(names: pd.Series, x: pd.Series, y: pd.Series, near: float = 0.06) -> dict:
    """How many lines down each point's label goes so that labels of points drawn close
    together (within ``near`` of the data's range) do not overprint each other."""
    span_x = float(x.max() - x.min()) or 1.0
    span_y = float(y.max() - y.min()) or 1.0
    placed: list[tuple[float, float]] = []
    stack = {}
    for name, px, py in zip(names, x / span_x, y / span_y, strict=True):
        stack[name] = sum(abs(px - qx) < near and abs(py - qy) < near for qx, qy in placed)
        placed.append((px, py))
    return stack


def pareto_efficient(frame: pd.DataFrame) -> pd.Series:
    """Not dominated: no other variant is at least as complete and at most as inconsistent,
    and strictly better on one."""
    c, i = frame["completeness"].to_numpy(), frame["inconsistency_rate"].to_numpy()
    dominated = [
        bool(np.any((c >= c[k]) & (i <= i[k]) & ((c > c[k]) | (i < i[k])))) for k in range(len(c))
    ]
    return pd.Series([not d for d in dominated], index=frame.index)


def wide(table: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per variant: ``<metric>``, ``<metric>_ci_low``, ``<metric>_ci_high``."""
    out = None
    for metric in metrics:
        part = table[table["metric"] == metric].set_index("variant")
        cols = {"mean": metric, "ci_low": f"{metric}_ci_low", "ci_high": f"{metric}_ci_high"}
        part = part[[c for c in cols if c in part.columns]].rename(columns=cols)
        out = part if out is None else out.join(part, how="inner")
    return out.reset_index() if out is not None else pd.DataFrame()


def tradeoff(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Completeness against inconsistency, one point per variant, Pareto front marked."""
    variants, colours = results.variants, variant_colours(results.variants)
    markers = variant_markers(variants)
    metrics = ["completeness", "inconsistency_rate"]
    table = wide(drawn(summary_table(first_point(results), metrics, variants)), metrics)
    if table.empty:
        return empty_chart(results, "Completeness against inconsistency", "No data to show.")
    table["pareto_efficient"] = pareto_efficient(table)
    fig = new_figure(4.2)
    add_title(fig, "Completeness against inconsistency: top left is best")
    ax = fig.add_subplot()
    stack = label_stack(table["variant"], table["inconsistency_rate"], table["completeness"])
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
        ax.annotate(
            v, (x, y), xytext=(8, 6 - 10 * stack[v]), textcoords="offset points", fontsize=8
        )
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


# --- 3. sensitivity --------------------------------------------------------------------------


def sensitivity(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Each metric against each grid factor, one line per variant, interval band."""
    title = "Sensitivity to the varied assumptions"
    ok = results.ok_runs
    factors = [f for f in results.factors if f in ok.columns and ok[f].nunique() > 1]
    if not factors:
        return empty_chart(results, title, "No assumption was varied over a grid: nothing to show.")
    variants, colours = results.variants, variant_colours(results.variants)
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
            for variant in variants:
                line = rows[rows["variant"] == variant].sort_values("value")
                if line.empty:
                    continue
                line_with_band(ax, line, "value", colours[variant], variant, marker="o", ms=3)
            ax.set_ylabel(info(metric).axis_label)
            ax.set_xlabel(factor_label(factor))
            ax.grid(alpha=0.3)
    axes[0, 0].legend(frameon=False, ncols=min(len(variants), 4), loc="best")
    add_caption(
        fig, caption(results, extra="other varied assumptions pooled" if len(factors) > 1 else "")
    )
    return fig, pd.concat(frames, ignore_index=True)


def line_with_band(
    ax: Axes, line: pd.DataFrame, x: str, colour: str, variant: str, **style
) -> None:
    """One variant's mean as a line and, where there are replications, its interval as a band."""
    ax.plot(line[x], line["mean"], color=colour, label=variant, gid=f"line:{variant}", **style)
    if "ci_low" in line.columns:
        ax.fill_between(
            line[x],
            line["ci_low"],
            line["ci_high"],
            alpha=0.2,
            color=colour,
            lw=0,
            gid=f"interval:{variant}",
        )


def factor_label(dotted: str) -> str:
    """``links.ncb_to_hub.delay_hours.mean`` -> ``links › ncb_to_hub › delay (hours) mean``."""
    parts = dotted.split(".")
    words = []
    for part in parts:
        for suffix in ("_hours", "_days", "_seconds"):
            if part.endswith(suffix):
                part = f"{part.removesuffix(suffix)} ({suffix[1:]})"
        words.append(part.replace("_", " "))
    return " › ".join(words)


# --- 4. over time ----------------------------------------------------------------------------


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
    variants, colours = results.variants, variant_colours(results.variants)
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
        shaded = shade_outages(axes, results.outages)
        extra = (
            f"grey: {shaded} outage period(s) of hubs, platforms or NCBs"
            if shaded
            else "no outages"
        )
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


# --- 5. time to visibility -------------------------------------------------------------------


def visibility(results: Results) -> tuple[Figure, pd.DataFrame]:
    """How soon a border post in another region sees a new alert: one curve per variant."""
    title = "How soon does a border post in another region see a new alert?"
    vis = results.visibility
    if vis.empty:
        return empty_chart(results, title, "No visibility curve in these results.")
    vis = vis[vis["run_id"].isin(set(first_point(results)["run_id"]))]
    variants, colours = results.variants, variant_colours(results.variants)
    table = drawn(summary_table(vis.assign(point_id=vis["hours"]), ["share"], variants))
    table = table.rename(columns={"point_id": "hours"}).drop(columns="metric")
    for column in ("mean", "ci_low", "ci_high"):
        if column in table.columns:  # summary_table does not know "share": a fraction
            table[column] = (table[column] * 100.0).clip(0.0, 100.0)
    fig = new_figure(3.8)
    add_title(fig, title)
    ax = fig.add_subplot()
    for variant in variants:
        line = table[table["variant"] == variant].sort_values("hours")
        if line.empty:
            continue
        ax.plot(
            line["hours"],
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
                line["hours"],
                line["ci_low"],
                line["ci_high"],
                alpha=0.2,
                color=colours[variant],
                lw=0,
                gid=f"interval:{variant}",
            )
    ax.set_xlabel("Hours since the record was created at its source")
    ax.set_ylabel("New records visible abroad (%)")
    ax.set_ylim(0, 100)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    add_caption(fig, caption(results, extra=point_note(results)))
    return fig, table


# --- 6. region heatmap -----------------------------------------------------------------------


def regions(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Completeness by querier region (rows) and variant (columns), values written in."""
    title = "Completeness by region of the officer searching"
    by_region = results.by_region
    if by_region.empty or "completeness" not in by_region.columns:
        return empty_chart(results, title, "No per-region results.")
    by_region = by_region[by_region["run_id"].isin(set(first_point(results)["run_id"]))]
    variants = [v for v in results.variants if v in set(by_region["variant"])]
    table = (
        by_region.assign(completeness=pd.to_numeric(by_region["completeness"], errors="coerce"))
        .groupby(["region", "variant"], as_index=False)["completeness"]
        .mean()
        .dropna()
    )
    table["completeness"] *= 100.0
    grid = table.pivot(index="region", columns="variant", values="completeness")
    grid = grid.reindex(columns=variants)
    fig = new_figure(1.2 + 0.42 * len(grid))
    add_title(fig, title)
    ax = fig.add_subplot()
    image = ax.imshow(
        grid.to_numpy(dtype=float),
        cmap=sequential_cmap(),
        aspect="auto",
        vmin=np.nanmin(grid.to_numpy()),
        vmax=np.nanmax(grid.to_numpy()),
    )
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        text = "n/a" if np.isnan(value) else f"{value:.1f}"
        light = np.isnan(value) or value < np.nanmean(grid.to_numpy())
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if light else "black",
            gid=f"cell:{variants[j]}",
        )
    ax.set_xticks(range(len(variants)), variants, rotation=20, ha="right")
    ax.set_yticks(range(len(grid)), [r.replace("_", " ") for r in grid.index])
    ax.set_xlabel("Architecture")
    ax.set_ylabel("Region of the querying officer")
    fig.colorbar(image, ax=ax, label="Completeness (%)", shrink=0.9)
    add_caption(fig, caption(results, interval=False, extra=point_note(results)))
    return fig, table.reset_index(drop=True)


# --- 7. load ---------------------------------------------------------------------------------


def load(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Messages per day by link class, stacked, with an interval on the total."""
    title = "Network load: record changes sent per day"
    ok = first_point(results)
    columns = [c for c in ok.columns if c.startswith("messages_per_day.")]
    columns = [
        c for c in columns if pd.to_numeric(ok[c], errors="coerce").fillna(0).abs().sum() > 0
    ]
    if not columns:
        return empty_chart(results, title, "No message counts in these results.")
    variants, colours = results.variants, variant_colours(results.variants)
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


# --- 8. paired differences -------------------------------------------------------------------


def differences(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Forest plot: each variant minus the baseline, paired on seeds, with 95 % intervals."""
    baseline = results.baseline
    title = f"Difference from the baseline ({baseline})"
    others = [v for v in results.variants if v != baseline]
    if baseline is None or not others:
        return empty_chart(results, title, "Only one variant: nothing to compare with.")
    colours = variant_colours(results.variants)
    ok = first_point(results)
    metrics = [m for m in COMPARISON_METRICS if m in ok.columns]
    table = difference_table(ok, baseline, metrics, others)
    fig = new_figure(0.9 + 0.32 * len(others) * len(metrics))
    add_title(fig, title)
    axes = fig.subplots(len(metrics), 1)
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        rows = table[table["metric"] == metric].set_index("variant")
        for y, variant in enumerate(others):
            if variant not in rows.index:
                ax.text(0, y, "n/a", va="center", fontsize=7, color=NEUTRAL)
                continue
            row = rows.loc[variant]
            if "ci_low" in row.index:
                ax.errorbar(
                    [row["mean_diff"]],
                    [y],
                    xerr=[[row["mean_diff"] - row["ci_low"]], [row["ci_high"] - row["mean_diff"]]],
                    fmt="none",
                    ecolor=colours[variant],
                    capsize=3,
                    lw=1.2,
                    gid=f"interval:{variant}",
                )
            ax.scatter(
                [row["mean_diff"]],
                [y],
                color=colours[variant],
                s=30,
                zorder=3,
                gid=f"point:{variant}",
                marker="D" if row["significant"] else "o",
            )
        ax.axvline(0, color=NEUTRAL, lw=0.8, ls="--")
        ax.set_yticks(range(len(others)), others, fontsize=7.5)
        ax.set_ylabel("Variant", fontsize=7.5)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.invert_yaxis()
        meta = info(metric)
        unit = "percentage points" if meta.share else meta.unit
        ax.set_xlabel(f"{meta.label}: difference ({unit})", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    add_caption(
        fig,
        caption(
            results,
            extra="paired on common seeds; diamond: interval excludes"
            " zero" + (f"; {point_note(results)}" if point_note(results) else ""),
        ),
    )
    return fig, table


def difference_table(
    runs: pd.DataFrame, baseline: str, metrics: Sequence[str], order: Sequence[str]
) -> pd.DataFrame:
    """sim.analysis.paired_differences in display units, rows with a value only."""
    table = paired_differences(runs, baseline, list(metrics))
    for column in ("mean_diff", "ci_low", "ci_high"):
        table[column] = table[column] * table["metric"].map(scale)
    table["variant"] = pd.Categorical(table["variant"], categories=list(order), ordered=True)
    table = table.sort_values(["metric", "variant"])
    return drawn(table, value="mean_diff")


CHARTS: dict[str, Chart] = {
    "comparison": comparison,
    "tradeoff": tradeoff,
    "sensitivity": sensitivity,
    "over_time": over_time,
    "behaviour": behaviour,
    "visibility": visibility,
    "regions": regions,
    "load": load,
    "differences": differences,
}
"""The standard charts by name, in the order the report shows them."""


def render(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG, SVG or PDF bytes, trimmed to its content (caption included)."""
    import io

    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None} if fmt == "svg" else {}
    fig.savefig(buffer, format=fmt, bbox_inches="tight", pad_inches=0.15, metadata=metadata)
    return buffer.getvalue()
