"""Robustness chart 4: where the leading lever loses first place (PRIM scenario discovery)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.reporting.charts.base import (
    add_caption,
    add_title,
    caption,
    empty_chart,
    factor_label,
    new_figure,
)
from sim.reporting.charts.robust_data import assessment
from sim.reporting.loading import Results
from sim.reporting.palette import NEUTRAL, OKABE_ITO
from sim.robustness import world_values
from sim.verdict.ties import shares_first


def scenario_discovery(results: Results) -> tuple[Figure, pd.DataFrame]:
    """Left: PRIM's peeling trajectory, coverage against density, the chosen box marked.
    Right: the worlds on the box's two most restricted uncertainties, the box drawn."""
    title = "Where the leader loses first place (PRIM)"
    found = assessment(results)
    box = found.discovery if found is not None else None
    if found is None or box is None or not box.significant:
        message = (
            found.note
            if found is not None and found.note
            else (
                "The leader loses first place in every world, in none, or spread out with no"
                " significant restriction: no region to draw."
            )
        )
        return empty_chart(results, title, message)
    trajectory = box.trajectory.assign(chosen=box.trajectory.index == box.chosen)
    fig = new_figure(3.3)
    add_title(fig, f"{title}: {box.question}")
    left, right = fig.subplots(1, 2)
    points = left.scatter(
        trajectory["coverage"],
        trajectory["density"],
        c=trajectory["res_dim"],
        cmap="cividis",
        s=14,
        gid="point:trajectory",
    )
    chosen = trajectory.loc[box.chosen]
    left.scatter(
        [chosen["coverage"]],
        [chosen["density"]],
        s=80,
        facecolors="none",
        edgecolors="black",
        lw=1.2,
        gid="point:chosen",
    )
    left.set_xlabel("Coverage (share of the cases inside the box)")
    left.set_ylabel("Density (share of the box that are cases)")
    fig.colorbar(points, ax=left, label="Restricted uncertainties")
    left.grid(alpha=0.3)
    limits = box.significant_limits
    dims = list(limits["uncertainty"][:2])
    x = world_values(results.runs, found.uncertainties).loc[found.regret_by_world.index]
    cases = ~shares_first(found.table, found.metric, found.tie)[found.leader]
    if dims:
        draw_box(right, x, cases, limits, dims, found.uncertainties)
    else:
        right.axis("off")
    extra = (
        f"{box.cases} of {box.worlds} worlds are cases; chosen box: coverage {box.coverage:.2f},"
        f" density {box.density:.2f}"
    )
    add_caption(fig, caption(results, interval=False, extra=extra))
    return fig, trajectory


def draw_box(
    ax: Axes,
    x: pd.DataFrame,
    cases: pd.Series,
    limits: pd.DataFrame,
    dims: list[str],
    names: list[str],
) -> None:
    """The worlds on two restricted uncertainties (the second: the next uncertainty if only
    one is restricted), cases in vermillion, the box as a rectangle."""
    dims = dims if len(dims) == 2 else [dims[0], next(n for n in names if n != dims[0])]
    inside = cases.to_numpy()
    for mask, colour, label in (
        (~inside, OKABE_ITO[0], "first place held"),
        (inside, OKABE_ITO[5], "first place lost"),
    ):
        ax.scatter(
            x.loc[mask, dims[0]],
            x.loc[mask, dims[1]],
            s=10,
            color=colour,
            alpha=0.7,
            lw=0,
            label=label,
            gid=f"point:{label}",
        )
    bounds = limits.set_index("uncertainty")
    low = [bounds.loc[d, "low"] if d in bounds.index else x[d].min() for d in dims]
    high = [bounds.loc[d, "high"] if d in bounds.index else x[d].max() for d in dims]
    ax.add_patch(
        Rectangle(
            (low[0], low[1]),
            high[0] - low[0],
            high[1] - low[1],
            fill=False,
            edgecolor="black",
            lw=1.3,
            gid="box",
        )
    )
    ax.set_xlabel(factor_label(dims[0]), fontsize=7.5)
    ax.set_ylabel(factor_label(dims[1]), fontsize=7.5)
    ax.legend(frameon=False, fontsize=7, loc="best")
    ax.grid(alpha=0.3, color=NEUTRAL)
