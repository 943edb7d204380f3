"""Every criterion at once: per lever, the share of worlds meeting every threshold, the regret
on each metric, and the share of worlds where it is on the Pareto front of the chosen metrics.

A lever is on the Pareto front of a world when no other lever dominates it there: at least
as good on every metric and better on one, where "better" means better by more than the
metric's materiality threshold (two levers within it are equal on that metric). With
``ties`` of zero this is the textbook dominance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.catalogue import Tie, better_higher
from sim.robustness import Threshold, regret, satisficing, world_table
from sim.verdict.ties import Ties, tie_of

DEFAULT_THRESHOLDS = (
    "completeness>=0.95",
    "false_hits_per_year<=1000",
    "servers_needed_total<=500",
)
"""The report's criteria when none are given: what a border officer sees, how often an
officer acts on a cancelled alert (fewer than three a day world-wide), and a server estate
one operator can run. Each is a policy choice, stated where it is used (``pdsa report
--threshold`` sets others)."""


def aligned_tables(
    runs: pd.DataFrame, metrics: Sequence[str], grid: Sequence[str] = ()
) -> dict[str, pd.DataFrame]:
    """World x lever tables of each metric, on the worlds where every lever has every metric."""
    tables = {m: world_table(runs, m, grid) for m in dict.fromkeys(metrics)}
    worlds = sorted(set.intersection(*(set(t.index) for t in tables.values())))
    return {m: t.loc[worlds] for m, t in tables.items()}


def regret_by_metric(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Lever x (metric, mean / p90 / max): each metric's regret, in its own unit."""
    frames = {}
    for metric, table in tables.items():
        r = regret(table, metric)
        frames[metric] = pd.DataFrame({"mean": r.mean(), "p90": r.quantile(0.9), "max": r.max()})
    return pd.concat(frames, axis=1).rename_axis("lever")


def signed(table: pd.DataFrame, metric: str) -> np.ndarray:
    """Values with higher better, whichever way the metric points."""
    values = table.to_numpy(dtype=float)
    return values if better_higher(metric) else -values


def materially_better(table: pd.DataFrame, metric: str, tie: Tie) -> np.ndarray:
    """[world, a, b]: lever a is better than lever b by more than the threshold."""
    s = signed(table, metric)
    values = table.to_numpy(dtype=float)
    larger = np.maximum(np.abs(values)[:, :, None], np.abs(values)[:, None, :])
    width = np.maximum(tie.absolute, tie.relative * larger)
    return (s[:, :, None] - s[:, None, :]) > width


def pareto_front(tables: dict[str, pd.DataFrame], ties: Ties | None = None) -> pd.DataFrame:
    """World x lever: True where no other lever dominates the lever in that world."""
    first = next(iter(tables.values()))
    shape = (len(first), first.shape[1], first.shape[1])
    better_somewhere = np.zeros(shape, dtype=bool)
    worse_somewhere = np.zeros(shape, dtype=bool)
    for metric, table in tables.items():
        ahead = materially_better(table, metric, tie_of(metric, ties))
        better_somewhere |= ahead
        worse_somewhere |= ahead.transpose(0, 2, 1)
    dominates = better_somewhere & ~worse_somewhere  # [world, a, b]: a dominates b
    dominated = dominates.any(axis=1)
    return pd.DataFrame(~dominated, index=first.index, columns=first.columns)


@dataclass(frozen=True)
class Criteria:
    """The multi-criteria view of a sweep's worlds.

    Attributes:
        thresholds: the conditions, in the order given.
        worlds: how many worlds every lever has a finite value of every metric in (the
            regret and the Pareto front).
        satisficing: per lever, the share of worlds meeting each threshold and ``all``, over
            ``met_worlds`` (a world where no number of servers meets the target counts there,
            as failing: ``sim.robustness.UNBOUNDED``).
        regret: per lever, mean, 90th percentile and maximum regret on each metric.
        pareto: per lever, the share of worlds where it is on the Pareto front.
        front: world x lever, on the front or not.
        tables: world x lever values of each metric (what the charts draw).
    """

    thresholds: list[Threshold]
    worlds: int
    satisficing: pd.DataFrame
    regret: pd.DataFrame
    pareto: pd.Series
    front: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    @property
    def metrics(self) -> list[str]:
        return list(self.tables)

    @property
    def met_worlds(self) -> int:
        """How many worlds the shares meeting the thresholds are over."""
        return int(self.satisficing["worlds"].iloc[0]) if len(self.satisficing) else 0


def criteria(
    runs: pd.DataFrame,
    thresholds: Sequence[Threshold],
    grid: Sequence[str] = (),
    ties: Ties | None = None,
) -> Criteria:
    """Every criterion of ``thresholds`` at once over the sweep's worlds."""
    metrics = [t.metric for t in thresholds]
    tables = aligned_tables(runs, metrics, grid)
    front = pareto_front(tables, ties)
    return Criteria(
        list(thresholds),
        len(front),
        satisficing(runs, thresholds, grid),
        regret_by_metric(tables),
        front.mean().rename("pareto_share"),
        front,
        tables,
    )


def all_met(found: Criteria) -> pd.Series:
    """Per lever, the share of worlds meeting every threshold."""
    return found.satisficing["all"]
