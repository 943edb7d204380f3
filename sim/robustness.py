"""How robust is a ranking of levers across plausible worlds: regret, ranking odds, satisficing,
break-even values, scenario discovery (PRIM) and the uncertainties that drive a metric.

Inputs are the runs table of a sweep with ``uncertainties`` (``runs.parquet``: a ``world``
column and one column per uncertainty holding its value in that world). A **lever** is a
variant, with its grid values when the sweep has a grid (a grid scoped to a variant is one of
its settings). A **world** is one sampled combination of the uncertainties; every lever ran in
it with the same seeds, so levers are compared world by world, on the metric averaged over the
world's replications. A world where a lever has no value (a failed run, a ratio with nothing to
count) is left out of every comparison that needs that lever, and the tables say how many
worlds they rest on; but where no value would do (no number of servers meets the target:
``UNBOUNDED``), a threshold counts as failed.

Which way is better comes from :func:`sim.catalogue.better_higher`, the one rule every ranking
in the project uses, and how close is equal from the metric's materiality threshold
(:mod:`sim.verdict.ties`): levers within it of the best share first place, so noise between
equals is not read as a ranking. The leader's rival, for break-even values and PRIM, is the
runner-up unless one is named. PRIM and feature scores use the EMA Workbench (``pip install
'pdsa[robust]'``); everything else needs only numpy and scipy.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression
from scipy.stats import rankdata, spearmanr

from sim.catalogue import Tie, better_higher, materiality
from sim.verdict.ties import (
    Ties,
    equivalent_pairs,
    first_place,
    shares_first,
    tie_of,
    tie_rank_distribution,
)

WORLD = "world"
BOOTSTRAP_RESAMPLES = 400
DENSITY_TARGET = 0.8
"""PRIM's chosen box: the widest (highest coverage) box on the peeling trajectory whose
density reaches this share, the usual compromise in scenario discovery (Bryant and Lempert
2010)."""


class RobustnessError(ValueError):
    """The runs cannot answer the question (no worlds, an unknown lever or uncertainty)."""


# --- levers and worlds ------------------------------------------------------------------------


def lever_labels(runs: pd.DataFrame, grid: Sequence[str] = ()) -> pd.Series:
    """Each run's lever: its variant, with the grid values its scenario took. Values are
    written exactly enough to tell every two apart (``0.5`` and ``0.5000001`` are two levers,
    not one), so levers are keyed by value, not by a rounded label."""
    labels = runs["variant"].astype(str)
    for path in grid:
        if path not in runs:
            continue
        short = path.rsplit(".", 1)[-1]
        values = runs[path].map(value_label)
        labels = labels + np.where(values != "", f" {short}=" + values, "")
    return labels


def value_label(value: Any) -> str:
    """A grid value as a lever's label: ``0.5``, ``7``, ``push``; the shortest text that reads
    back as the same number (``:g`` when it does, else Python's exact repr); "" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def lever_values(runs: pd.DataFrame, metric: str, grid: Sequence[str] = ()) -> pd.DataFrame:
    """One row per (world, replication), one column per lever (in the runs' order): the
    metric, NaN where the run failed or had nothing to count."""
    if WORLD not in runs:
        raise RobustnessError("these runs have no worlds: the experiment has no 'uncertainties'")
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    frame = ok.assign(lever=lever_labels(ok, grid))
    frame = frame.drop_duplicates(["lever", WORLD, "replication"])
    order = list(dict.fromkeys(frame["lever"]))
    wide = frame.pivot(index=[WORLD, "replication"], columns="lever", values=metric)
    return wide.reindex(columns=order).apply(pd.to_numeric, errors="coerce").astype(float)


def levers_without_values(runs: pd.DataFrame, metric: str, grid: Sequence[str] = ()) -> list[str]:
    """The levers with no value of ``metric`` in any world (a ratio with nothing to count
    under that architecture): they cannot be ranked, and are left out of every comparison."""
    wide = lever_values(runs, metric, grid)
    return [str(lever) for lever in wide.columns[wide.isna().all()]]


def world_table(runs: pd.DataFrame, metric: str, grid: Sequence[str] = ()) -> pd.DataFrame:
    """One row per world, one column per lever with values: the metric averaged over the
    world's replications, for the (world, replication) pairs where every such lever has a
    value. A lever with no value in any world is left out (:func:`levers_without_values`),
    not allowed to empty the table."""
    wide = lever_values(runs, metric, grid)
    wide = wide.loc[:, wide.notna().any()].dropna(how="any")
    return wide.groupby(level=WORLD).mean()


def world_values(runs: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """One row per world: each uncertainty's value in it; numbers where they are numbers,
    anything else (a set of texts, whole distributions) as text, one category per value."""
    values = runs.drop_duplicates(WORLD).set_index(WORLD)[list(names)].sort_index()
    return values.apply(numeric_if_possible)


def numeric_if_possible(column: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(column)
    except (TypeError, ValueError):
        return column.map(category_text)


def category_text(value: Any) -> Any:
    """A categorical value as text (a mapping or list as sorted JSON), missing as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, sort_keys=True, default=str)


# --- regret and ranks -------------------------------------------------------------------------


def regret(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per world and lever: how far the lever falls short of the best lever in that world
    (0 for the best), in the metric's own unit."""
    if better_higher(metric):
        return table.rsub(table.max(axis=1), axis=0)
    return table.sub(table.min(axis=1), axis=0)


def regret_summary(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per lever: mean, 90th percentile and maximum regret over the worlds."""
    r = regret(table, metric)
    return pd.DataFrame(
        {"mean_regret": r.mean(), "p90_regret": r.quantile(0.9), "max_regret": r.max()}
    ).rename_axis("lever")


def rank_distribution(table: pd.DataFrame, metric: str, tie: Tie | None = None) -> pd.DataFrame:
    """Per lever, the share of worlds in which it ranks 1st, 2nd, ... Without ``tie``, levers
    exactly tied in a world share the ranks they span equally, so each row and each rank sum
    to 1; with it, levers within the materiality threshold of each other share a rank
    (:func:`sim.verdict.ties.tie_rank_distribution`: two equivalent leaders are both first)."""
    if tie is not None:
        return tie_rank_distribution(table, metric, tie)
    values = table.to_numpy(dtype=float)
    signed = -values if better_higher(metric) else values
    low, high = rankdata(signed, method="min", axis=1), rankdata(signed, method="max", axis=1)
    k = values.shape[1]
    shares = np.zeros((k, k))
    for rank in range(1, k + 1):
        inside = (low <= rank) & (rank <= high)
        shares[:, rank - 1] = (inside / (high - low + 1)).sum(axis=0) / len(values)
    return pd.DataFrame(shares, index=table.columns, columns=range(1, k + 1)).rename_axis("lever")


def first_place_odds(table: pd.DataFrame, metric: str, tie: Tie | None = None) -> pd.Series:
    """Per lever, the share of worlds in which it ranks first (ties shared; with ``tie``,
    every lever within the threshold of the best is first)."""
    return rank_distribution(table, metric, tie)[1]


def odds_half_width(share: pd.Series | float, worlds: int) -> Any:
    """95 % half-width of a share of worlds as a binomial proportion: 1.96 sqrt(p (1 - p) / N).
    Conservative for a Latin hypercube, whose stratification narrows it; says whether the
    number of worlds is enough to tell the levers' odds apart."""
    return 1.96 * np.sqrt(share * (1 - share) / max(1, worlds))


def loses_first_place(
    table: pd.DataFrame, metric: str, lever: str, tie: Tie | None = None
) -> pd.Series:
    """Per world, whether some other lever does strictly better than ``lever`` (with ``tie``:
    better by more than the materiality threshold)."""
    if tie is not None:
        return ~shares_first(table, metric, tie)[lever]
    others = table.drop(columns=[lever])
    best_other = others.max(axis=1) if better_higher(metric) else others.min(axis=1)
    if better_higher(metric):
        return best_other > table[lever]
    return best_other < table[lever]


# --- satisficing ------------------------------------------------------------------------------

THRESHOLD = re.compile(
    r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$"
)
COMPARE = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


@dataclass(frozen=True)
class Threshold:
    """A condition a lever should meet in a world, such as ``completeness>=0.95``."""

    metric: str
    op: str
    value: float

    def met(self, values: pd.DataFrame | pd.Series) -> Any:
        return COMPARE[self.op](values, self.value)

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:g}"


def parse_threshold(text: str) -> Threshold:
    """``"completeness>=0.95"`` as a :class:`Threshold`; raises :class:`RobustnessError`."""
    match = THRESHOLD.match(text)
    if match is None:
        raise RobustnessError(f"expected METRIC>=VALUE (or <=, >, <), got {text!r}")
    return Threshold(match.group(1), match.group(2), float(match.group(3)))


UNBOUNDED = {"servers_needed_total": "stores_beyond_target"}
"""Metrics with no value where no finite value would do, and the count that says so: with no
servers_needed_total where some store's service alone is slower than the target (a positive
``stores_beyond_target``), no number of servers meets it. A threshold on such a metric counts
as failed there (the value is +inf) instead of the world dropping out of the shares (and of a
lever's robust setting, ``sim.verdict.settings``); regret, the Pareto front and break-even
values keep to finite values."""


def unbounded_as_infinite(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``runs`` with +inf where ``metric`` has no value because none would do (``UNBOUNDED``)."""
    count = UNBOUNDED.get(metric)
    if count is None or count not in runs.columns or metric not in runs.columns:
        return runs
    values = pd.to_numeric(runs[metric], errors="coerce")
    beyond = values.isna() & (pd.to_numeric(runs[count], errors="coerce") > 0)
    return runs.assign(**{metric: values.mask(beyond, np.inf)}) if beyond.any() else runs


def threshold_table(
    runs: pd.DataFrame, threshold: Threshold, grid: Sequence[str] = ()
) -> pd.DataFrame:
    """``world_table`` of the threshold's metric, +inf where no value would do."""
    return world_table(unbounded_as_infinite(runs, threshold.metric), threshold.metric, grid)


def satisficing(
    runs: pd.DataFrame, thresholds: Sequence[Threshold], grid: Sequence[str] = ()
) -> pd.DataFrame:
    """Per lever, the share of worlds meeting each threshold, and all of them at once
    (``all``), over the worlds where every lever has a value of every threshold's metric; a
    value that none would do (``UNBOUNDED``: no number of servers meets the target) is a value,
    and fails the threshold."""
    tables = {t: threshold_table(runs, t, grid) for t in thresholds}
    worlds = sorted(set.intersection(*(set(t.index) for t in tables.values())))
    met = {str(t): t.met(table.loc[worlds]) for t, table in tables.items()}
    shares = pd.DataFrame({name: m.mean() for name, m in met.items()})
    together = np.logical_and.reduce([m.to_numpy() for m in met.values()])
    shares["all"] = together.mean(axis=0)
    return shares.rename_axis("lever").assign(worlds=len(worlds))


# --- break-even -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    """Where two levers are equal on a metric as one uncertainty moves.

    Attributes:
        value: the uncertainty's value at which the paired difference crosses zero, or None
            when it keeps one sign over the sampled range.
        low, high: 95 % bootstrap interval of ``value`` (NaN when too few resamples cross).
        crossing_share: share of bootstrap resamples whose fit crosses zero inside the range.
        a_better_above: whether ``a`` is the better lever above ``value`` (None without one).
    """

    uncertainty: str
    a: str
    b: str
    metric: str
    value: float | None
    low: float
    high: float
    crossing_share: float
    a_better_above: bool | None
    worlds: int
    curve: pd.DataFrame = field(repr=False, compare=False)
    """x, the paired difference a - b per world, and its monotone fit."""


def monotone_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted x, isotonic fit of y), increasing or decreasing as the rank correlation says."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    rho = spearmanr(xs, ys).statistic if np.ptp(ys) > 0 and np.ptp(xs) > 0 else 0.0
    increasing = not (np.isfinite(rho) and rho < 0)
    return xs, isotonic_regression(ys, increasing=increasing).x


def zero_crossing(xs: np.ndarray, fitted: np.ndarray) -> float | None:
    """Where a monotone step fit crosses zero: interpolated between the last point on one side
    and the first on the other, or the middle of a block fitted at exactly zero; None unless
    the fit takes both signs."""
    if not (np.any(fitted < 0) and np.any(fitted > 0)):
        return None
    sign = np.sign(fitted)  # monotone with both signs: the first value is strictly signed
    k = int(np.argmax(sign != sign[0]))
    if sign[k] == 0:
        block = np.flatnonzero(sign == 0)
        return float((xs[block[0]] + xs[block[-1]]) / 2)
    x0, x1, y0, y1 = xs[k - 1], xs[k], fitted[k - 1], fitted[k]
    return float(x0 + (x1 - x0) * (0 - y0) / (y1 - y0))


LOCAL_SHARE = 1 / 3
"""Share of the worlds, nearest the rough crossing, that the local linear fit uses."""


def local_crossing(x: np.ndarray, y: np.ndarray, rough: float) -> float:
    """The zero of a local linear regression of y on x around ``rough`` (tricube weights over
    the nearest third of the worlds, at least 10); ``rough`` itself if that line is flat or
    crosses outside the window."""
    distance = np.abs(x - rough)
    k = min(len(x), max(10, int(len(x) * LOCAL_SHARE)))
    h = np.partition(distance, k - 1)[k - 1] or 1.0
    w = np.clip(1 - (distance / h) ** 3, 0, None) ** 3
    near = w > 0
    if np.count_nonzero(near) < 3 or np.ptp(x[near]) == 0:
        return rough  # too few worlds near it, or all at one value (a bootstrap of few worlds)
    with warnings.catch_warnings():  # few distinct x near the crossing: the line is still fit
        warnings.simplefilter("ignore", np.exceptions.RankWarning)
        try:
            slope, intercept = np.polyfit(x - rough, y, 1, w=np.sqrt(w))
        except np.linalg.LinAlgError:
            return rough
    if slope == 0 or abs(intercept / slope) > h:
        return rough
    return float(rough - intercept / slope)


def crossing_of(x: np.ndarray, diff: np.ndarray) -> float | None:
    """Where the difference crosses zero: located by a monotone fit, refined locally."""
    rough = zero_crossing(*monotone_fit(x, diff))
    return None if rough is None else local_crossing(x, diff, rough)


def break_even(
    x: np.ndarray, diff: np.ndarray, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[float | None, float, float, float]:
    """(value, low, high, crossing share) where the paired difference crosses zero along x.

    Method: a monotone (isotonic) regression of the per-world difference on the uncertainty,
    its direction set by the sign of the rank correlation, says whether the average difference
    (over the other uncertainties, as sampled) changes sign and roughly where; a local linear
    regression over the worlds nearest that point (tricube weights) places the crossing. The
    interval is the 2.5-97.5 percentile range of the crossing over bootstrap resamples of the
    worlds; resamples whose fit keeps one sign are counted in ``crossing share``, not in the
    interval. The local line keeps the bootstrap valid (it fails for the step fit alone, whose
    crossing jumps between neighbouring worlds). Monotone, because the questions asked (a
    higher entry probability, a longer delay) move a gap one way; a non-monotone relation is
    averaged into steps, not followed.
    """
    x, diff = np.asarray(x, dtype=float), np.asarray(diff, dtype=float)
    value = crossing_of(x, diff)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    crossings = []
    for _ in range(resamples):
        pick = rng.integers(0, len(x), len(x))
        crossing = crossing_of(x[pick], diff[pick])
        if crossing is not None:
            crossings.append(crossing)
    share = len(crossings) / resamples if resamples else 0.0
    if value is None or len(crossings) < max(10, resamples // 10):
        return value, math.nan, math.nan, share
    low, high = np.percentile(crossings, [2.5, 97.5])
    return value, float(low), float(high), share


def break_even_between(
    runs: pd.DataFrame,
    uncertainty: str,
    a: str,
    b: str,
    metric: str,
    grid: Sequence[str] = (),
    seed: int = 0,
) -> BreakEven:
    """The value of ``uncertainty`` at which levers ``a`` and ``b`` are equal on ``metric``."""
    table = world_table(runs, metric, grid)
    for lever in (a, b):
        if lever not in table:
            raise RobustnessError(f"unknown lever {lever!r} (levers: {', '.join(table.columns)})")
    x = world_values(runs, [uncertainty]).loc[table.index, uncertainty].to_numpy(dtype=float)
    diff = (table[a] - table[b]).to_numpy()
    value, low, high, share = break_even(x, diff, seed)
    xs, fitted = monotone_fit(x, diff)
    above = None if value is None else bool((fitted[-1] > 0) == better_higher(metric))
    curve = pd.DataFrame({"x": np.sort(x), "difference": diff[np.argsort(x, kind="stable")],
                          "fit": fitted})  # fmt: skip
    return BreakEven(uncertainty, a, b, metric, value, low, high, share, above, len(x), curve)


# --- scenario discovery -----------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """A PRIM box: the region of the uncertainties where the cases of interest concentrate.

    Attributes:
        question: what the cases are, in words ("hybrid-push does not rank first").
        cases, worlds: how many worlds are cases, out of how many.
        coverage: share of all cases that fall in the box.
        density: share of the worlds in the box that are cases.
        limits: the restricted uncertainties: name, low, high, and the sampled range.
        trajectory: coverage, density, mass and restricted dimensions of every peeled box.
        chosen: the row of ``trajectory`` that is the box.
    """

    question: str
    cases: int
    worlds: int
    coverage: float
    density: float
    limits: pd.DataFrame
    trajectory: pd.DataFrame
    chosen: int

    @property
    def significant_limits(self) -> pd.DataFrame:
        """The restrictions unlikely to be chance (quasi-p below :data:`SIGNIFICANT_QP`)."""
        return self.limits[self.limits["qp"] < SIGNIFICANT_QP]

    @property
    def significant(self) -> bool:
        """Whether the box holds a restriction that is not chance: a box without one says
        only that the cases are spread out, and is neither drawn nor named."""
        return not self.significant_limits.empty


def choose_box(trajectory: pd.DataFrame, target: float = DENSITY_TARGET) -> int:
    """The highest-coverage box whose density reaches ``target`` (the denser, then the one
    with fewer restrictions, on a tie); if none does, the densest."""
    meets = trajectory[trajectory["density"] >= target]
    if meets.empty:
        return int(trajectory["density"].to_numpy().argmax())
    order = ["coverage", "density", "res_dim"]
    best = meets.sort_values(order, ascending=[False, False, True], kind="stable")
    return int(best.index[0])


def ema_prim() -> Any:
    """EMA Workbench's PRIM module, imported on first use (it takes seconds and warns about
    optional parts it does not need)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as error:
        raise RobustnessError(
            "scenario discovery needs the EMA Workbench: pip install 'pdsa[robust]'"
        ) from error
    return prim


def prim_box(
    x: pd.DataFrame, cases: np.ndarray, question: str, target: float = DENSITY_TARGET
) -> Discovery | None:
    """PRIM (Friedman and Fisher 1999, as the EMA Workbench implements it for scenario
    discovery) on the worlds ``x`` with the boolean ``cases``; None when no world, or every
    world, is a case (there is nothing to tell apart)."""
    cases = np.asarray(cases, dtype=bool)
    if not 0 < cases.sum() < len(cases):
        return None
    prim = ema_prim()
    x = x.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The threshold both marks the cases (y >= it) and is the density a box must reach to be
        # kept rather than replaced by the whole space; a sliver above 0 keeps every peeled box
        # with its trajectory, and choose_box applies the density target itself.
        algorithm = prim.Prim(
            x, cases.astype(float), threshold=1e-9, peel_alpha=0.05, mass_min=0.05
        )
        box = algorithm.find_box()
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]]
    trajectory = trajectory.astype(float).reset_index(drop=True)
    chosen = choose_box(trajectory, target)
    limits = box_limits(box.box_lims[chosen], algorithm.box_init, box.qp[chosen])
    row = trajectory.loc[chosen]
    return Discovery(
        question, int(cases.sum()), len(cases), float(row["coverage"]), float(row["density"]),
        limits, trajectory, chosen,
    )  # fmt: skip


SIGNIFICANT_QP = 0.05
"""A restriction whose quasi-p value is below this is unlikely to be chance (Bryant and Lempert
2010): only those are named in the report's sentences."""


def box_limits(
    limits: pd.DataFrame, initial: pd.DataFrame, qp: dict[str, list[float]]
) -> pd.DataFrame:
    """The restricted uncertainties of a box: low and high against the sampled range, and the
    quasi-p value of the restriction (one-sided binomial test; the larger of its two sides when
    both are cut), the most restricted (smallest share of its range kept) first."""
    rows = []
    for name in limits.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        full_low, full_high = initial[name].iloc[0], initial[name].iloc[1]
        sides = [v for v in qp.get(name, []) if v is not None and v >= 0]
        p = max(sides) if sides else math.nan
        if isinstance(low, set | frozenset):
            if set(low) != set(full_low):
                rows.append([name, sorted(low), None, sorted(full_low), None, 0.5, p])
            continue
        if low > full_low or high < full_high:
            kept = (high - low) / (full_high - full_low) if full_high > full_low else 1.0
            row = [name, float(low), float(high), float(full_low), float(full_high), kept, p]
            rows.append(row)
    columns = ["uncertainty", "low", "high", "sampled_low", "sampled_high", "kept", "qp"]
    return (
        pd.DataFrame(rows, columns=columns)
        .sort_values("kept", kind="stable")
        .reset_index(drop=True)
    )


def where_lever_loses(
    runs: pd.DataFrame,
    lever: str,
    metric: str,
    names: Sequence[str],
    grid: Sequence[str] = (),
    tie: Tie | None = None,
) -> Discovery | None:
    """PRIM box of the worlds where ``lever`` loses first place on ``metric`` (with ``tie``:
    where another lever beats it by more than the materiality threshold)."""
    table = world_table(runs, metric, grid)
    cases = loses_first_place(table, metric, lever, tie).to_numpy()
    x = world_values(runs, names).loc[table.index]
    return prim_box(x, cases, f"{lever} does not rank first on {metric}")


def where_lever_misses(
    runs: pd.DataFrame,
    lever: str,
    thresholds: Sequence[Threshold],
    names: Sequence[str],
    grid: Sequence[str] = (),
) -> Discovery | None:
    """PRIM box of the worlds where ``lever`` misses one of the thresholds."""
    tables = {t: threshold_table(runs, t, grid)[lever] for t in thresholds}
    worlds = sorted(set.intersection(*(set(t.index) for t in tables.values())))
    met = np.logical_and.reduce([t.met(v.loc[worlds]).to_numpy() for t, v in tables.items()])
    x = world_values(runs, names).loc[worlds]
    what = " and ".join(str(t) for t in thresholds)
    return prim_box(x, ~met, f"{lever} misses {what}")


# --- feature scores ---------------------------------------------------------------------------


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> pd.Series:
    """How much each uncertainty drives ``y``: extra-trees importance (EMA Workbench's
    ``get_ex_feature_scores``, scikit-learn's ExtraTreesRegressor, seeded); scores sum to 1.

    An uncertainty that takes one value in these worlds cannot drive anything: it scores 0
    and is not given to the trees. Texts (and whole distributions) are categories. Each split
    tries a third of the uncertainties, at least one (EMA's own default rounds a single
    uncertainty's third to none, which scikit-learn refuses)."""
    ema_prim()  # the same optional dependency, with the same message when missing
    coded = x.reset_index(drop=True).apply(coded_column)
    varying = [c for c in coded.columns if coded[c].nunique(dropna=False) > 1]
    scores = pd.Series(0.0, index=list(x.columns), name="score").rename_axis("uncertainty")
    if not varying:
        return scores
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring

        found, _ = feature_scoring.get_ex_feature_scores(
            coded[varying],
            np.asarray(y, dtype=float),
            mode=feature_scoring.RuleInductionType.REGRESSION,
            max_features=max(1, round(len(varying) / 3)),  # its default, but at least one
            random_state=seed,
        )
    scores.update(found.iloc[:, 0])
    return scores


def varies(y: np.ndarray) -> bool:
    """Whether ``y`` moves by more than rounding (a completeness of 1.0 in every world, give
    or take 1e-16, does not vary: no uncertainty drives it)."""
    return bool(np.ptp(y) > 1e-9 * max(1.0, float(np.abs(y).max())))


def coded_column(column: pd.Series) -> pd.Series:
    """Numbers as they are; anything else as category codes."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype(float)
    return column.map(category_text).astype("category").cat.codes.astype(float)


NOISE_COLUMNS = 3
"""The fewest pure-noise uncertainties added to a feature scoring: the highest of their scores
is the noise floor, below which an uncertainty's score says nothing."""


def with_noise(x: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``x`` with as many columns of uniform noise (seeded) as it has uncertainties, and at
    least :data:`NOISE_COLUMNS`. Why as many: an uncertainty that moves nothing scores like
    noise, so it beats the best of k noise columns with probability 1/(k+1); with k equal to
    the number of uncertainties n, fewer than one of them is expected above the floor by
    chance (n/(n+1)), where three columns let a quarter through (on the world-2023
    robustness run, prices named as drivers of completeness)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    count = max(NOISE_COLUMNS, x.shape[1])
    noise = {f"noise {i + 1}": rng.random(len(x)) for i in range(count)}
    return x.assign(**noise)


def drivers(
    runs: pd.DataFrame,
    metric: str,
    names: Sequence[str],
    grid: Sequence[str] = (),
    seed: int = 0,
    lacking: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """(scores, noise floor): per lever, the feature score of each uncertainty on ``metric``
    over the worlds where that lever has a value (rows: uncertainties, most important for the
    first lever with scores first), NaN for a lever whose metric never varies or has no value
    in two worlds, and for an uncertainty the lever's scenario does not have (``lacking``:
    variant -> such uncertainties, a world value it never used); and per lever the noise
    floor, the highest score of pure-noise columns scored alongside (NaN when not scored)."""
    means = lever_values(runs, metric, grid).groupby(level=WORLD).mean()
    x = with_noise(world_values(runs, names), seed)
    variants = lever_variants(runs, grid)
    noise_columns = [c for c in x.columns if c not in names]
    scores, floors = {}, {}
    for lever in means.columns:
        y = means[lever].dropna()
        if len(y) > 1 and varies(y.to_numpy()):
            found = feature_scores(x.loc[y.index], y.to_numpy(), seed)
            floors[lever] = float(found[noise_columns].max())
        else:
            found, floors[lever] = pd.Series(np.nan, index=x.columns), np.nan
        missing = set((lacking or {}).get(variants.get(lever, lever), ()))
        real = found.reindex(list(names))
        real[real.index.isin(missing)] = np.nan
        scores[lever] = real
    frame = pd.DataFrame(scores).reindex(list(names)).rename_axis("uncertainty")
    floor = pd.Series(floors, name="noise_floor", dtype=float).rename_axis("lever")
    scored = [c for c in frame.columns if frame[c].notna().any()]
    if not scored:
        return frame, floor
    order = frame[scored[0]].sort_values(ascending=False, na_position="last").index
    return frame.loc[order], floor


def lever_variants(runs: pd.DataFrame, grid: Sequence[str] = ()) -> dict[str, str]:
    """Lever label -> its variant."""
    labels = lever_labels(runs, grid)
    return dict(zip(labels, runs["variant"].astype(str), strict=True))


def above_noise(scores: pd.Series, floor: float) -> pd.Series:
    """The scores above the noise floor, largest first (NaN dropped)."""
    kept = scores.dropna()
    return kept[kept > floor].sort_values(ascending=False)


# --- everything at once -----------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """The robustness of a sweep's ranking on one metric, as the CLI and the report show it.

    Attributes:
        leader: the lever sharing first place in the most worlds (within the materiality
            threshold ``tie``; on a tie, the smaller mean regret); ``rival`` the one its
            break-even values and PRIM box are found against: the runner-up, unless named.
        ranks: rank distribution per lever (columns 1..k), equivalent levers sharing a rank;
            ``regret`` its summary per lever.
        first: per lever, the share of worlds where it shares first place (``first``) and
            where it wins outright (``alone``); ``equivalent`` lever x lever, the share of
            worlds where the two are within the threshold of each other.
        satisficing: shares of worlds meeting the thresholds (None without thresholds);
            ``criteria`` every threshold's metric at once (regret on each, Pareto shares).
        settings: the robust value of each lever's own setting, per threshold.
        break_evens: one per numeric uncertainty, leader against rival.
        discovery: PRIM box of the worlds where the leader loses first place to the rival
            or another lever (None when it never or always does); ``misses`` that of the
            worlds where it misses a threshold.
        drivers: feature scores of the metric per lever (NaN for an uncertainty a lever's
            scenario lacks); ``noise`` each lever's noise floor.
        note: why scenario discovery or feature scores are missing, if they are.
        left_out: levers with no value of the metric in any world (not ranked).
    """

    metric: str
    worlds: int
    uncertainties: list[str]
    leader: str
    rival: str
    ranks: pd.DataFrame
    regret: pd.DataFrame
    regret_by_world: pd.DataFrame
    satisficing: pd.DataFrame | None
    break_evens: list[BreakEven]
    discovery: Discovery | None
    misses: Discovery | None
    drivers: pd.DataFrame | None
    note: str = ""
    keys: dict[str, list[str]] = field(default_factory=dict)
    """Uncertainty -> the scenario keys it moves (a group's value is its first key's)."""
    tie: Tie = field(default_factory=Tie)
    first: pd.DataFrame = field(default_factory=pd.DataFrame)
    equivalent: pd.DataFrame = field(default_factory=pd.DataFrame)
    criteria: Any = None
    """A :class:`sim.verdict.criteria.Criteria` when thresholds were given."""
    settings: list[Any] = field(default_factory=list)
    """:class:`sim.verdict.settings.RobustSetting` of each lever setting and threshold."""
    noise: pd.Series | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    """World x lever values of the metric."""
    ties: dict[str, Tie] = field(default_factory=dict)
    """The thresholds the user set (the others are the catalogue's)."""
    left_out: list[str] = field(default_factory=list)

    def equivalent_to_leader(self, minimum: float = 0.5) -> dict[str, float]:
        """Levers equivalent to the leader in at least ``minimum`` of the worlds, with the
        share (the leader itself left out)."""
        if self.equivalent.empty:
            return {}
        row = self.equivalent.loc[self.leader].drop(self.leader)
        return {str(k): float(v) for k, v in row.items() if v >= minimum}


def sweep_names(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(uncertainties, grid factors) of a sweep, from its manifest."""
    return list(manifest.get("uncertainties") or {}), list(manifest.get("grid_factors") or [])


def assess(
    runs: pd.DataFrame,
    manifest: dict[str, Any],
    metric: str,
    thresholds: Sequence[Threshold] = (),
    rival: str | None = None,
    seed: int = 0,
    ties: Ties | None = None,
    lacking: Mapping[str, Sequence[str]] | None = None,
    confidence: float = 0.9,
) -> Assessment:
    """Every robustness measure of ``metric`` for the sweep of ``runs`` and ``manifest``;
    ``ties`` overrides materiality thresholds, ``lacking`` names the uncertainties each
    variant's scenario does not have (their feature scores are noise by construction);
    ``confidence`` is the share of worlds a lever's robust setting must meet each threshold
    in."""
    names, grid = sweep_names(manifest)
    if not names:
        raise RobustnessError("this sweep has no uncertainties: nothing to be robust to")
    table = world_table(runs, metric, grid)
    left_out = levers_without_values(runs, metric, grid)
    if table.empty or table.shape[1] < 2:
        raise RobustnessError(too_few_levers(table, left_out, metric))
    tie = tie_of(metric, ties)
    ranks = rank_distribution(table, metric, tie)
    summary = regret_summary(table, metric)
    leader = leader_of(ranks, summary)
    rival = rival or runner_up(ranks, summary, leader)
    if rival not in table or rival == leader:
        raise RobustnessError(f"unknown rival lever {rival!r} (levers: {', '.join(table.columns)})")
    numeric = [n for n in names if pd.api.types.is_numeric_dtype(world_values(runs, [n])[n])]
    evens = [break_even_between(runs, n, leader, rival, metric, grid, seed) for n in numeric]
    found = explained(runs, leader, metric, thresholds, names, grid, seed, tie, lacking)
    discovery, misses, scores, noise, note = found
    return Assessment(
        metric, len(table), names, leader, rival, ranks, summary, regret(table, metric),
        satisficing(runs, thresholds, grid) if thresholds else None, evens, discovery, misses,
        scores, note, dict(manifest.get("uncertainties") or {}), tie,
        first_place(table, metric, tie), equivalent_pairs(table, metric, tie),
        multi_criteria(runs, thresholds, grid, ties),
        lever_settings_of(runs, grid, thresholds, confidence),
        noise, table, dict(ties or {}), left_out,
    )  # fmt: skip


def too_few_levers(table: pd.DataFrame, left_out: list[str], metric: str) -> str:
    """Why fewer than two levers can be ranked on ``metric``, in one line."""
    missing = ""
    if left_out:
        verb = "has" if len(left_out) == 1 else "have"
        missing = f"{', '.join(left_out)} {verb} no value of {metric} in any world; "
    if table.shape[1] == 1:
        return (
            f"{missing}one lever ({table.columns[0]}) has values of {metric}: nothing to rank"
            " it against (pdsa sensitivity says what drives it)"
        )
    if table.shape[1] == 0:
        return f"{missing}no lever has a value of {metric} in any world: nothing to rank"
    return f"{missing}no world in which every lever has a value of {metric}: nothing to rank"


def leader_of(ranks: pd.DataFrame, summary: pd.DataFrame) -> str:
    """The lever first in the most worlds; between levers first equally often, the one with
    the smaller mean regret."""
    order = pd.DataFrame({"first": ranks[1], "regret": summary["mean_regret"]})
    best = order.sort_values(["first", "regret"], ascending=[False, True], kind="stable")
    return str(best.index[0])


def runner_up(ranks: pd.DataFrame, summary: pd.DataFrame, leader: str) -> str:
    """The leader's real rival: the next lever by first places, then mean regret."""
    return leader_of(ranks.drop(index=leader), summary.drop(index=leader))


def multi_criteria(
    runs: pd.DataFrame, thresholds: Sequence[Threshold], grid: Sequence[str], ties: Ties | None
) -> Any:
    """Every threshold's metric at once (None without thresholds)."""
    if not thresholds:
        return None
    from sim.verdict.criteria import criteria

    return criteria(runs, thresholds, grid, ties)


def lever_settings_of(
    runs: pd.DataFrame, grid: Sequence[str], thresholds: Sequence[Threshold], confidence: float
) -> list[Any]:
    """The robust value of each lever's own setting against each threshold."""
    if not thresholds or not grid:
        return []
    from sim.verdict.settings import robust_settings

    return robust_settings(runs, grid, thresholds, confidence)


def explained(
    runs: pd.DataFrame,
    leader: str,
    metric: str,
    thresholds: Sequence[Threshold],
    names: Sequence[str],
    grid: Sequence[str],
    seed: int,
    tie: Tie | None = None,
    lacking: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Discovery | None, Discovery | None, pd.DataFrame | None, pd.Series | None, str]:
    """PRIM boxes and feature scores with their noise floors, or a note saying why they are
    missing."""
    try:
        discovery = where_lever_loses(runs, leader, metric, names, grid, tie)
        misses = where_lever_misses(runs, leader, thresholds, names, grid) if thresholds else None
        scores, noise = drivers(runs, metric, names, grid, seed, lacking)
        return discovery, misses, scores, noise, ""
    except RobustnessError as error:
        return None, None, None, None, str(error)
    except (ValueError, TypeError, IndexError, KeyError, ZeroDivisionError) as error:
        # PRIM and the trees are the EMA Workbench's and scikit-learn's: whatever they cannot
        # do with these worlds costs the explanation, never the ranking above it.
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        return None, None, None, None, f"scenario discovery and feature scores failed: {reason}"


# --- the ensemble in pdsa compare -----------------------------------------------------------


def grid_point(runs: pd.DataFrame, worlds: int) -> pd.Series:
    """Each run's grid point id: points are numbered grid point x worlds + world."""
    index = runs["point_id"].str[1:].astype(int) // max(1, worlds)
    return index.map(lambda i: f"p{i:03d}")


def pooled_over_worlds(runs: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """The runs with each grid point's worlds pooled: ``point_id`` becomes the grid point and
    ``replication`` numbers (world, replication) pairs, so the paired statistics of
    :mod:`sim.analysis` compare levers over the whole ensemble, still world by world."""
    worlds, reps = int(manifest.get("worlds") or 1), int(manifest.get("replications") or 1)
    return runs.assign(
        point_id=grid_point(runs, worlds), replication=runs[WORLD] * reps + runs["replication"]
    )


def ensemble_odds(
    runs: pd.DataFrame, manifest: dict[str, Any], metrics: Sequence[str]
) -> pd.DataFrame:
    """Per variant, grid point and metric: the share of worlds where the variant shares first
    place, within the metric's materiality threshold of the best (``p_first``), and its
    largest regret (``max_regret``)."""
    worlds = int(manifest.get("worlds") or 1)
    rows = []
    for point, at_point in runs.groupby(grid_point(runs, worlds), sort=False):
        for metric in metrics:
            table = world_table(at_point, metric)
            if table.empty or table.shape[1] < 2:
                continue
            odds = first_place_odds(table, metric, materiality(metric))
            worst = regret(table, metric).max()
            rows += [[v, point, metric, odds[v], worst[v]] for v in table.columns]
    columns = ["variant", "point_id", "metric", "p_first", "max_regret"]
    return pd.DataFrame(rows, columns=columns)
