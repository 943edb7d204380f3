"""Robustness chart 4: where the leading lever loses first place (PRIM scenario discovery)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
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
        regret = found.regret_by_world[found.leader]
        draw_box(right, x, cases, limits, dims, found.uncertainties, regret)
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
    regret: pd.Series | None = None,
) -> None:
    """The worlds on two restricted uncertainties (the second: the next uncertainty if only
    one is restricted; the leader's regret when the sweep has only one), cases in vermillion,
    the box as rectangles: one span per axis for a range, one band per kept value for a set
    of texts (or distributions), which are placed at evenly spaced positions."""
    others = [n for n in names if n != dims[0]]
    dims = dims if len(dims) == 2 else [dims[0], *others[:1]]
    axes = [axis_of(x[d], limits, d) for d in dims]
    if len(dims) == 1:
        values = (regret if regret is not None else pd.Series(0.0, index=x.index)).loc[x.index]
        span = (float(values.min()), float(values.max()))
        axes.append(Axis(values.to_numpy(dtype=float), [span]))
    inside = cases.to_numpy()
    for mask, colour, label in (
        (~inside, OKABE_ITO[0], "first place held"),
        (inside, OKABE_ITO[5], "first place lost"),
    ):
        ax.scatter(
            axes[0].positions[mask],
            axes[1].positions[mask],
            s=10,
            color=colour,
            alpha=0.7,
            lw=0,
            label=label,
            gid=f"point:{label}",
        )
    for x0, x1 in axes[0].spans:
        for y0, y1 in axes[1].spans:
            ax.add_patch(
                Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", lw=1.3,
                          gid="box")
            )  # fmt: skip
    for axis, ticks in zip(axes, (ax.set_xticks, ax.set_yticks), strict=True):
        if axis.labels:
            ticks(range(len(axis.labels)), axis.labels, fontsize=6.5)
    ax.set_xlabel(factor_label(dims[0]), fontsize=7.5)
    ax.set_ylabel(factor_label(dims[1]) if len(dims) == 2 else "Leader's regret", fontsize=7.5)
    ax.legend(frameon=False, fontsize=7, loc="best")
    ax.grid(alpha=0.3, color=NEUTRAL)


@dataclass(frozen=True)
class Axis:
    """Where the worlds sit along one uncertainty, and the box's spans on it."""

    positions: np.ndarray
    spans: list[tuple[float, float]]
    labels: list[str] = field(default_factory=list)
    """The values of a set of texts, at positions 0, 1, ...; empty for numbers."""


def axis_of(values: pd.Series, limits: pd.DataFrame, name: str) -> Axis:
    """A number's axis (the box between its low and high, the whole range if unrestricted),
    or a category's (one band per value the box keeps)."""
    bounds = limits.set_index("uncertainty")
    restricted = name in bounds.index
    if pd.api.types.is_numeric_dtype(values):
        low = bounds.loc[name, "low"] if restricted else values.min()
        high = bounds.loc[name, "high"] if restricted else values.max()
        return Axis(values.to_numpy(dtype=float), [(float(low), float(high))])
    labels = sorted(str(v) for v in values.dropna().unique())
    where = {label: i for i, label in enumerate(labels)}
    kept = bounds.loc[name, "low"] if restricted else labels
    spans = [(where[str(v)] - 0.45, where[str(v)] + 0.45) for v in kept if str(v) in where]
    return Axis(values.map(lambda v: where.get(str(v), np.nan)).to_numpy(dtype=float), spans,
                labels)  # fmt: skip
