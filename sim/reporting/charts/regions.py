"""Chart 7: completeness and wrong answers by INTERPOL region (heatmap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.reporting.charts.base import add_caption, add_title, caption, empty_chart, new_figure
from sim.reporting.charts.data import first_point, point_note
from sim.reporting.loading import Results
from sim.reporting.palette import sequential_cmap


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
    if table.empty:  # every region's completeness is n/a: nothing was shared to count
        return empty_chart(results, title, "No completeness by region (no record to count).")
    table["completeness"] *= 100.0
    grid = table.pivot(index="region", columns="variant", values="completeness")
    grid = grid.reindex(columns=variants)
    fig = new_figure(max(3.2, 1.6 + 0.42 * len(grid)))  # room for the axis labels
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
    ax.set_ylabel("Officer's region")
    fig.colorbar(image, ax=ax, label="Completeness (%)", shrink=0.9)
    add_caption(fig, caption(results, interval=False, extra=point_note(results)))
    return fig, table.reset_index(drop=True)
