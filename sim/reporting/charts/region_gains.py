"""Gain by region: each variant's paired gain over the baseline, region by region, with its
95 % interval; completeness in one panel, inconsistency in the other."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.data import point_note
from sim.reporting.charts.region_data import REGION_METRICS, region_comparison
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def region_gains(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Per region (rows), each variant's paired difference from the baseline (points) with
    its 95 % interval (whiskers), in percentage points."""
    baseline = results.baseline
    title = f"Gain over {baseline} by region of the officer searching"
    others = [v for v in results.variants if v != baseline]
    table = region_comparison(results)
    if table.empty or not others:
        why = "Only one variant: nothing to compare with." if not others else "No region results."
        return empty_chart(results, title, why)
    table = table[table["variant"] != baseline].reset_index(drop=True)
    table["significant"] = table["significant"].astype(bool)
    regions = list(dict.fromkeys(table["region"]))
    metrics = [m for m in REGION_METRICS if m in set(table["metric"])]
    colours = variant_colours(results.variants, results.kinds)
    fig = new_figure(1.4 + 0.3 * len(regions) * max(1, len(others)) ** 0.5)
    add_title(fig, title)
    axes = np.atleast_1d(fig.subplots(1, len(metrics), squeeze=False).ravel())
    step = 0.8 / max(1, len(others))
    for ax, metric in zip(axes, metrics, strict=True):
        rows = table[table["metric"] == metric]
        for k, variant in enumerate(others):
            mine = rows[rows["variant"] == variant].set_index("region").reindex(regions)
            y = np.arange(len(regions)) - 0.4 + step * (k + 0.5)
            gain = 100.0 * mine["mean_diff"].to_numpy(dtype=float)
            low = 100.0 * mine["diff_ci_low"].to_numpy(dtype=float)
            high = 100.0 * mine["diff_ci_high"].to_numpy(dtype=float)
            has = ~np.isnan(low) & ~np.isnan(high)
            if has.any():
                ax.errorbar(gain[has], y[has], xerr=[gain[has] - low[has], high[has] - gain[has]],
                            fmt="none", ecolor=colours[variant], capsize=2.5, lw=1.1,
                            gid=f"interval:{variant}")  # fmt: skip
            ax.scatter(gain, y, color=colours[variant], s=22, zorder=3, gid=f"point:{variant}",
                       label=variant)  # fmt: skip
        ax.axvline(0, color=NEUTRAL, lw=0.8, ls="--")
        ax.set_yticks(range(len(regions)), [r.replace("_", " ") for r in regions], fontsize=7.5)
        ax.set_ylim(len(regions) - 0.5, -0.5)
        better = "right" if info(metric).higher_is_better else "left"
        ax.set_xlabel(
            f"{info(metric).label}: gain over {baseline}\n(percentage points; better to the"
            f" {better})",
            fontsize=8,
        )
        ax.tick_params(axis="x", labelsize=7.5)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylabel("Officer's region", fontsize=8)
    axes[-1].legend(fontsize=7, loc="best", title="Variant", title_fontsize=7)
    note = "each variant minus the baseline, paired on common seeds, region by region"
    extra = f"{note}; {point_note(results)}" if point_note(results) else note
    add_caption(fig, caption(results, extra=extra))
    columns = ["region", "metric", "variant", "mean_diff"]
    columns += [] if results.single_run else ["diff_ci_low", "diff_ci_high", "significant"]
    return fig, table[columns].dropna(subset=["mean_diff"]).reset_index(drop=True)
