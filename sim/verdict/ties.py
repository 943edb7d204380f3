"""Practical equivalence: two levers whose values differ by less than a metric's materiality
threshold are equal for a decision, whatever the order of their means.

Each metric's threshold and its reason are in :data:`sim.catalogue.MATERIALITY`; a user
overrides it with ``METRIC=VALUE`` (absolute, in the metric's stored unit: a share as a
fraction) or ``METRIC=VALUE%`` (relative to the larger of the two values). In a world, a lever
shares first place when no lever is better than it by more than the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from sim.catalogue import CATALOGUE, Tie, better_higher, materiality

TIE_TEXT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(%?)\s*$")

Ties = Mapping[str, Tie]
"""Metric -> the threshold the user set (others keep the catalogue's)."""


class TieError(ValueError):
    """A ``--tie`` that is not ``METRIC=VALUE`` or ``METRIC=VALUE%`` with VALUE >= 0."""


def parse_tie(text: str) -> tuple[str, Tie]:
    """``completeness=0.005`` -> an absolute threshold; ``staff_hours_per_year=5%`` -> a
    relative one. The reason says the user set it."""
    match = TIE_TEXT.match(text)
    if match is None:
        raise TieError(f"expected METRIC=VALUE or METRIC=VALUE% (VALUE >= 0), got {text!r}")
    metric, value, percent = match.group(1), float(match.group(2)), bool(match.group(3))
    tie = Tie(relative=value / 100) if percent else Tie(absolute=value)
    return metric, Tie(tie.absolute, tie.relative, "set by the user (--tie)")


def parse_ties(texts: Iterable[str]) -> dict[str, Tie]:
    return dict(parse_tie(t) for t in texts)


def tie_of(metric: str, ties: Ties | None = None) -> Tie:
    """The user's threshold for ``metric`` if they set one, else the catalogue's."""
    return (ties or {}).get(metric) or materiality(metric)


def unknown_metrics(ties: Ties) -> list[str]:
    """Metrics of ``ties`` the catalogue does not know as scalar metrics."""
    return [m for m in ties if m not in CATALOGUE and "." not in m]


def gap_to_best(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per world and lever, how far it is behind the best lever there (>= 0)."""
    best = table.max(axis=1) if better_higher(metric) else table.min(axis=1)
    return (table.rsub(best, axis=0) if better_higher(metric) else table.sub(best, axis=0)).abs()


def widths(table: pd.DataFrame, reference: pd.Series, tie: Tie) -> pd.DataFrame:
    """The threshold of each value against ``reference`` (a value per world)."""
    larger = np.maximum(table.abs().to_numpy(), reference.abs().to_numpy()[:, None])
    width = np.maximum(tie.absolute, tie.relative * larger)
    return pd.DataFrame(width, index=table.index, columns=table.columns)


def shares_first(table: pd.DataFrame, metric: str, tie: Tie) -> pd.DataFrame:
    """Per world and lever: True where the lever is the best or within the threshold of the
    best (it shares first place)."""
    best = table.max(axis=1) if better_higher(metric) else table.min(axis=1)
    return gap_to_best(table, metric) <= widths(table, best, tie)


def tie_ranks(table: pd.DataFrame, metric: str, tie: Tie) -> pd.DataFrame:
    """Per world and lever: 1 + the number of levers better than it by more than the
    threshold. Equivalent levers share a rank; the best is always 1."""
    values = table.to_numpy(dtype=float)
    signed = values if better_higher(metric) else -values
    ahead = signed[:, None, :] - signed[:, :, None]  # [world, lever, other]: other - lever
    larger = np.maximum(np.abs(values)[:, :, None], np.abs(values)[:, None, :])
    width = np.maximum(tie.absolute, tie.relative * larger)
    beaten_by = (ahead > width).sum(axis=2)
    return pd.DataFrame(1 + beaten_by, index=table.index, columns=table.columns)


def tie_rank_distribution(table: pd.DataFrame, metric: str, tie: Tie) -> pd.DataFrame:
    """Per lever, the share of worlds in which it ranks 1st, 2nd, ... with equivalent levers
    sharing a rank (each lever has one rank per world, so each row sums to 1; two
    equivalent leaders are both first)."""
    ranks = tie_ranks(table, metric, tie)
    k = table.shape[1]
    shares = {r: (ranks == r).mean() for r in range(1, k + 1)}
    return pd.DataFrame(shares).reindex(table.columns).rename_axis("lever")


def first_place(table: pd.DataFrame, metric: str, tie: Tie) -> pd.DataFrame:
    """Per lever: ``first``, the share of worlds where it shares first place; ``alone``,
    where it is first and no other lever is within the threshold of it (it wins outright)."""
    first = shares_first(table, metric, tie)
    alone = first & (first.sum(axis=1) == 1).to_numpy()[:, None]
    return pd.DataFrame({"first": first.mean(), "alone": alone.mean()}).rename_axis("lever")


def equivalent_pairs(table: pd.DataFrame, metric: str, tie: Tie) -> pd.DataFrame:
    """Lever x lever: the share of worlds in which the two are within the threshold of each
    other (1 on the diagonal)."""
    values = table.to_numpy(dtype=float)
    gap = np.abs(values[:, :, None] - values[:, None, :])
    larger = np.maximum(np.abs(values)[:, :, None], np.abs(values)[:, None, :])
    same = gap <= np.maximum(tie.absolute, tie.relative * larger)
    return pd.DataFrame(same.mean(axis=0), index=table.columns, columns=table.columns)


def equivalent_share(table: pd.DataFrame, metric: str, tie: Tie, levers: list[str]) -> float:
    """The share of worlds (rows of ``table``) in which every pair of ``levers`` is within the
    threshold of each other."""
    values = table[levers].to_numpy(dtype=float)
    gap = np.abs(values[:, :, None] - values[:, None, :])
    larger = np.maximum(np.abs(values)[:, :, None], np.abs(values)[:, None, :])
    every = (gap <= np.maximum(tie.absolute, tie.relative * larger)).all(axis=(1, 2))
    return float(every.mean()) if len(every) else float("nan")


def equivalent_means(means: pd.Series, metric: str, tie: Tie) -> list[str]:
    """The variants whose mean is within the threshold of the best mean, best first."""
    valued = means.dropna()
    if valued.empty:
        return []
    ordered = valued.sort_values(ascending=not better_higher(metric))
    best = float(ordered.iloc[0])
    return [str(v) for v, x in ordered.items() if tie.equivalent(float(x), best)]


def describe(metric: str, tie: Tie) -> str:
    """``0.5 percentage points (half a percentage point of ...)``: the threshold in display
    units, with its reason."""
    spec = CATALOGUE.get(metric)
    share = spec.share if spec else False
    parts = []
    if tie.absolute:
        parts.append(
            f"{100 * tie.absolute:g} percentage points"
            if share
            else f"{tie.absolute:,.6g} {spec.unit if spec else ''}".rstrip()
        )
    if tie.relative:
        parts.append(f"{100 * tie.relative:g} % of the larger value")
    text = " or ".join(parts) or "none (any difference counts)"
    return f"{text} ({tie.reason})" if tie.reason else text
