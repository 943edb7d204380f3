"""What the charts draw, as tables: summaries in display units, the grid point shown, the Pareto
front, paired differences. No plotting here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis import paired_differences, summarise
from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results


def first_point(results: Results) -> pd.DataFrame:
    """Ok runs at the first grid point: the comparison charts show one point of the grid."""
    ok = results.ok_runs
    return ok[ok["point_id"] == ok["point_id"].min()] if not ok.empty else ok


LAG_QUANTILES = {"lag_p50_hours": 0.5, "lag_p95_hours": 0.95, "lag_p99_hours": 0.99}


def missing_label(runs: pd.DataFrame, metric: str, variant: str) -> str:
    """Why a variant has no value: ``never`` for a lag percentile beyond the share of records
    that ever become visible (it falls among those never visible), else ``n/a``."""
    quantile = LAG_QUANTILES.get(metric)
    if quantile is None or "never_visible_fraction" not in runs.columns:
        return "n/a"
    never = runs.loc[runs["variant"] == variant, "never_visible_fraction"].mean()
    return "never" if never > 1 - quantile else "n/a"


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
    # a share's mean too: a ratio computed a hair above 1 would sit outside its clipped interval
    for column in ("mean", "ci_low", "ci_high"):
        table.loc[shares, column] = table.loc[shares, column].clip(lower=0.0, upper=100.0)
    # every catalogue metric is a share, a count, a duration or a size: none is below zero, so
    # neither is an interval of one (a t interval of a skewed lag would reach below it)
    table["ci_low"] = table["ci_low"].clip(lower=0.0)
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


def label_groups(
    names: pd.Series, x: pd.Series, y: pd.Series, near: float = 0.1
) -> list[tuple[list[str], float, float]]:
    """Points drawn close together (within ``near`` of the data's range, in both directions)
    share one label, their names one under the other, placed at the group's top-left point:
    where the decision is, the best variants cluster, and labels stacked point by point
    overprint each other. Returns (names, x, y) per label."""
    span_x = float(x.max() - x.min()) or 1.0
    span_y = float(y.max() - y.min()) or 1.0
    groups: list[tuple[list[str], float, float]] = []
    for name, px, py in zip(names, x, y, strict=True):
        for members, gx, gy in groups:
            if abs(px - gx) / span_x < near and abs(py - gy) / span_y < near:
                members.append(str(name))
                break
        else:
            groups.append(([str(name)], float(px), float(py)))
    return groups


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
