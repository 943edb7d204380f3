"""An option's own settings as levers: the setting that meets a threshold in most worlds, and
where along the setting each world stops meeting it.

A sweep grids a lever's setting (a grid key scoped to its variant: the hybrid's batch
interval, the hub's servers, the status quo's entry probability) inside the same worlds. For
each such setting and threshold, per world, the threshold's margin (how far the metric is
on the good side) is read at every setting value; where it changes sign, linearly between
the two settings around the change, is that world's **break-even** setting. Across worlds:

- the share of worlds meeting the threshold at each setting value (read, not interpolated);
- the **robust setting**: the furthest setting, in the direction where the margin shrinks,
  that still meets the threshold in ``confidence`` of the worlds, the (1 - confidence)
  quantile of the break-evens (the confidence quantile when the margin grows with the
  setting), with a bootstrap interval over the worlds.

A world that meets the threshold at every setting breaks even beyond the range, one that
meets it at none before it: both count in the quantiles, as beyond either end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.robustness import WORLD, Threshold, lever_labels, unbounded_as_infinite

CONFIDENCE = 0.9
RESAMPLES = 400


@dataclass(frozen=True)
class RobustSetting:
    """One lever's setting against one threshold.

    Attributes:
        variant, setting: the lever and the grid key that is its setting.
        fixed: the lever's other grid values held at these (empty with one setting).
        values: the setting's values, ascending.
        met_share: share of worlds meeting the threshold at each value.
        meets_below: True when the threshold holds below the break-even (a longer interval
            loses completeness), False above it (more servers gain), None when the margin
            never changes sign in any world.
        break_evens: per world, the setting at which the margin crosses zero (+inf/-inf:
            beyond the largest or before the smallest value).
        robust: the setting meeting the threshold in ``confidence`` of the worlds (None if
            none does; +-inf: every value does, beyond the range), with its bootstrap
            interval ``low``, ``high``.
        median: the break-even of the median world.
    """

    variant: str
    setting: str
    fixed: dict[str, object]
    threshold: Threshold
    confidence: float
    values: list[float]
    met_share: list[float]
    meets_below: bool | None
    break_evens: np.ndarray
    robust: float | None
    low: float
    high: float
    median: float | None
    worlds: int

    @property
    def robust_values(self) -> list[float]:
        """The grid values meeting the threshold in ``confidence`` of the worlds."""
        return [v for v, s in zip(self.values, self.met_share, strict=True) if s >= self.confidence]


def margin(values: np.ndarray, threshold: Threshold) -> np.ndarray:
    """How far each value is on the good side of the threshold (>= 0: met for ``>=``/``<=``,
    > 0 for the strict ones, which the break-even then treats alike)."""
    if threshold.op in (">=", ">"):
        return values - threshold.value
    return threshold.value - values


def crossing(x: np.ndarray, g: np.ndarray, below: bool) -> float:
    """Where the margin ``g`` (over ascending ``x``) stops being met: interpolated between the
    last setting meeting it and the first that does not, walking away from the good side;
    +inf when met everywhere, -inf when met nowhere (for ``below``; mirrored otherwise)."""
    if not below:
        return -crossing(-x[::-1], g[::-1], True)
    if g[0] < 0:
        return -math.inf
    failing = np.flatnonzero(g < 0)
    if failing.size == 0:
        return math.inf
    k = int(failing[0])
    x0, x1, g0, g1 = x[k - 1], x[k], g[k - 1], g[k]
    return float(x0 + (x1 - x0) * g0 / (g0 - g1))


def robust_quantile(evens: np.ndarray, below: bool, confidence: float) -> float:
    """The setting met in ``confidence`` of the worlds. Met below a world's break-even: the
    share of worlds meeting at s is P(even >= s), and the furthest s with a share of at
    least ``confidence`` is the sorted break-evens' element floor(N (1 - confidence));
    met above it: P(even <= s), and the nearest such s is element ceil(N confidence) - 1."""
    ordered = np.sort(evens)
    n = ordered.size
    k = (
        int(math.floor(n * (1 - confidence) + 1e-9))
        if below
        else math.ceil(n * confidence - 1e-9) - 1
    )
    return float(ordered[min(max(k, 0), n - 1)])


def bootstrap(
    evens: np.ndarray, below: bool, confidence: float, seed: int = 0
) -> tuple[float, float]:
    """95 % interval of the robust setting over resamples of the worlds."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    draws = [
        robust_quantile(evens[rng.integers(0, evens.size, evens.size)], below, confidence)
        for _ in range(RESAMPLES)
    ]
    finite = np.array([d for d in draws if math.isfinite(d)])
    if finite.size < RESAMPLES // 2:
        return math.nan, math.nan
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def setting_table(runs: pd.DataFrame, metric: str, setting: str) -> pd.DataFrame:
    """World x setting value: the metric averaged over the world's replications."""
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    table = ok.pivot_table(index=WORLD, columns=setting, values=metric, aggfunc="mean")
    table = table.dropna(how="any")
    return table.reindex(columns=sorted(table.columns))


def robust_setting(
    runs: pd.DataFrame,
    variant: str,
    setting: str,
    threshold: Threshold,
    confidence: float = CONFIDENCE,
    fixed: dict[str, object] | None = None,
) -> RobustSetting:
    """The robust value of ``setting`` for ``variant``'s runs (already narrowed to the
    ``fixed`` values of its other grid keys) against ``threshold``."""
    mine = unbounded_as_infinite(runs[runs["variant"].astype(str) == variant], threshold.metric)
    table = setting_table(mine, threshold.metric, setting)
    x = table.columns.to_numpy(dtype=float)
    g = margin(table.to_numpy(dtype=float), threshold)
    met = (g >= 0) if threshold.op in (">=", "<=") else (g > 0)
    trend = direction(g) if x.size > 1 else 0.0
    below = None if trend == 0 else trend < 0
    side = True if below is None else below
    evens = np.array([crossing(x, row, side) for row in g])
    robust = robust_quantile(evens, side, confidence) if evens.size else None
    if robust is not None and robust == (-math.inf if side else math.inf):
        robust = None  # not even the best setting meets it in enough worlds
    low, high = bootstrap(evens, side, confidence) if robust is not None else (math.nan,) * 2
    finite = evens[np.isfinite(evens)]
    median = float(np.median(evens)) if finite.size else None
    return RobustSetting(
        variant, setting, dict(fixed or {}), threshold, confidence, [float(v) for v in x],
        [float(s) for s in met.mean(axis=0)], below, evens, robust, low, high, median, len(table),
    )  # fmt: skip


def direction(g: np.ndarray) -> float:
    """The mean change of the margin from the smallest setting to the largest, over the worlds
    where both ends are finite (a world where no value would do, ``UNBOUNDED``, fails at every
    setting and says nothing of the direction)."""
    with np.errstate(invalid="ignore"):  # -inf - -inf: such a world is left out below
        change = g[:, -1] - g[:, 0]
    finite = change[np.isfinite(change)]
    return float(finite.mean()) if finite.size else 0.0


def lever_settings(runs: pd.DataFrame, grid: Sequence[str]) -> dict[str, list[str]]:
    """Variant -> the numeric grid keys that take more than one value within it."""
    out: dict[str, list[str]] = {}
    for variant, mine in runs.groupby(runs["variant"].astype(str), sort=False):
        for key in grid:
            if key not in mine:
                continue
            values = pd.to_numeric(mine[key], errors="coerce").dropna().unique()
            if values.size > 1:
                out.setdefault(str(variant), []).append(key)
    return out


def robust_settings(
    runs: pd.DataFrame,
    grid: Sequence[str],
    thresholds: Sequence[Threshold],
    confidence: float = CONFIDENCE,
) -> list[RobustSetting]:
    """Every lever setting of the sweep against every threshold, each at every combination
    of the lever's other settings."""
    found = []
    for variant, keys in lever_settings(runs, grid).items():
        mine = runs[runs["variant"].astype(str) == variant]
        for key in keys:
            others = [k for k in keys if k != key]
            groups = mine.groupby(others, sort=True) if others else [((), mine)]
            for values, part in groups:
                fixed = dict(zip(others, np.atleast_1d(values).tolist(), strict=True))
                for threshold in thresholds:
                    found.append(robust_setting(part, variant, key, threshold, confidence, fixed))
    return found


def setting_labels(runs: pd.DataFrame, grid: Sequence[str]) -> pd.Series:
    """Each run's lever label (variant and grid values), as the rest of the robustness shows."""
    return lever_labels(runs, grid)
