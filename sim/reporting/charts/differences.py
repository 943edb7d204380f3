"""Chart 9: paired differences against the baseline, with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.data import difference_table, first_point, missing_label, point_note
from sim.reporting.definitions import COMPARISON_METRICS, info
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, variant_colours


def differences(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Forest plot: each variant minus the baseline, paired on seeds, with 95 % intervals."""
    baseline = results.baseline
    title = f"Difference from the baseline ({baseline})"
    others = [v for v in results.variants if v != baseline]
    if baseline is None or not others:
        return empty_chart(results, title, "Only one variant: nothing to compare with.")
    colours = variant_colours(results.variants, results.kinds)
    ok = first_point(results)
    metrics = [m for m in COMPARISON_METRICS if m in ok.columns]
    table = difference_table(ok, baseline, metrics, others)
    # two columns of panels, the variants named once per row: a chart of seven variants and
    # six metrics fits a page (one column of six panels ran to 1,650 pixels)
    columns = 2 if len(metrics) > 1 else 1
    n_rows = -(-len(metrics) // columns)
    fig = new_figure(0.9 + n_rows * (0.75 + 0.2 * len(others)))
    add_title(fig, title)
    axes = np.atleast_1d(fig.subplots(n_rows, columns, squeeze=False).ravel())
    for ax in axes[len(metrics) :]:
        ax.axis("off")
    for ax, metric in zip(axes, metrics, strict=False):
        rows = table[table["metric"] == metric].set_index("variant")
        if rows.empty:
            missing = missing_label(ok, metric, baseline)
            why = f"no difference to show: {baseline} has no value ({missing})"
            ax.text(0.5, 0.5, why, ha="center", va="center", fontsize=7.5, color=NEUTRAL,
                    transform=ax.transAxes)  # fmt: skip
        for y, variant in enumerate(others):
            if variant not in rows.index:
                if not rows.empty:
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
        ax.set_yticks(range(len(others)), others, fontsize=7)
        ax.set_ylabel("Variant", fontsize=7.5)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.invert_yaxis()
        meta = info(metric)
        unit = "percentage points" if meta.share else meta.unit
        ax.set_xlabel(f"{meta.label}: difference\n({unit})", fontsize=8)
        ax.tick_params(axis="x", labelsize=7.5)
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
