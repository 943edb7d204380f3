"""The report's "How robust is the ranking?" in plain sentences, from a Results' assessment.

Every sentence is generated from the numbers of :mod:`sim.robustness`; none is written in
advance. Values are shown in display units (percentages for shares).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.catalogue import number_text
from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results
from sim.robustness import SIGNIFICANT_QP, Assessment, BreakEven, Discovery, above_noise
from sim.verdict.ties import describe

CONCENTRATED = 0.5
"""A PRIM box whose density is below this holds more worlds that are not cases than cases:
the report then says the losses are spread out rather than naming a region."""


def amount(metric: str, value: float) -> str:
    """A difference in display units: ``3.2 percentage points``, ``0.03 percentage points``,
    ``41 hours`` (two significant digits below 1, so a small gap does not read as none)."""
    meta = info(metric)
    text = number_text(abs(value) * scale(metric), meta.share)
    return f"{text} percentage points" if meta.share else f"{text} {meta.unit}"


def pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def name_of(uncertainty: str, keys: dict[str, list[str]] | None = None) -> str:
    """``architecture.entry_probability.hub`` -> ``entry probability hub``; a group is named
    with the key its value is read from: ``manual-delay (entry delay hours hub mean)``."""
    group = (keys or {}).get(uncertainty) or [uncertainty]
    if group[0] != uncertainty:
        return f"{uncertainty} ({name_of(group[0])})"
    parts = uncertainty.split(".")
    return " ".join(p.replace("_", " ") for p in parts[1:] or parts)


def odds_sentence(found: Assessment, level: list[str] | None = None) -> str:
    """Who shares first place how often (levers within the materiality threshold of the best
    are all first) and who wins outright; when the pooled comparison finds several levers
    ``level`` (as the bottom line and the summary say), that comes first: first places then
    split between equals rather than crown a winner."""
    first = found.ranks[1].drop(found.leader).sort_values(ascending=False)
    label = info(found.metric).label.lower()
    share = found.ranks.loc[found.leader, 1]
    alone = found.first.loc[found.leader, "alone"] if not found.first.empty else share
    others = [f"{lever} in {pct(v)}" for lever, v in first.items() if v > 0]
    tail = f"; {', '.join(others)}" if others else "; no other lever ever does"
    odds = (
        f"{found.leader} is first on {label}, alone or within {tie_words(found)} of the best,"
        f" in {pct(share)} of {found.worlds} plausible worlds, and first by more than that in"
        f" {pct(alone)}{tail}."
    )
    if level and len(level) > 1 and found.leader in level:
        together = ", ".join(level)
        return (
            f"On average over the worlds {together} are level on {label}, as the bottom line"
            f" says: first places split between them rather than crown a winner. {odds}"
        )
    return odds


def tie_words(found: Assessment) -> str:
    """The threshold in display units: ``0.5 percentage points``."""
    return describe(found.metric, found.tie).split(" (")[0]


def equivalence_sentence(found: Assessment) -> str | None:
    """The levers equivalent to the leader in at least half the worlds: a difference within
    the threshold is noise between equals, not a ranking."""
    equal = found.equivalent_to_leader()
    if not equal:
        return None
    label = info(found.metric).label.lower()
    ranked = sorted(equal.items(), key=lambda e: -e[1])
    if len(ranked) == 1:
        where = f"of each other in {pct(ranked[0][1])} of the worlds"
    else:
        shares = ", ".join(f"{lever} in {pct(v)}" for lever, v in ranked)
        where = f"of {found.leader} in a share of the worlds ({shares})"
    return (
        f"On {label}, {found.leader} and {join_words(list(equal))} are equivalent: within"
        f" {tie_words(found)} ({found.tie.reason}) {where}; read their order as noise, not a"
        " ranking."
    )


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def regret_sentence(found: Assessment) -> str:
    r = found.regret
    leader = r.loc[found.leader]
    safest = str(r["max_regret"].idxmin())
    worst = (
        f"In its worst world {found.leader} falls {amount(found.metric, leader['max_regret'])}"
        f" short of the best lever there ({amount(found.metric, leader['p90_regret'])} or less"
        " in nine worlds out of ten)"
    )
    if safest == found.leader:
        return worst + "; no lever has a smaller worst-case shortfall."
    return (
        f"{worst}; {safest} has the smallest worst-case shortfall,"
        f" {amount(found.metric, r.loc[safest, 'max_regret'])}."
    )


def limit_words(row: pd.Series, keys: dict[str, list[str]]) -> str:
    """``hub entry probability above 0.95``, ``... between 0.85 and 0.9``."""
    name = name_of(row["uncertainty"], keys)
    if row["high"] is None or isinstance(row["low"], list):
        return f"{name} in {row['low']}"
    low_cut = row["low"] > row["sampled_low"]
    high_cut = row["high"] < row["sampled_high"]
    if low_cut and high_cut:
        return f"{name} is between {number(row['low'])} and {number(row['high'])}"
    return (
        f"{name} is {'above ' + number(row['low']) if low_cut else 'below ' + number(row['high'])}"
    )


def discovery_sentence(found: Assessment, box: Discovery | None) -> str:
    if box is None:
        lost = 1 - found.ranks.loc[found.leader, 1]
        return (
            f"Another lever beats it by more than {tie_words(found)} in every sampled world."
            if lost >= 1
            else f"No other lever beats it by more than {tie_words(found)} in any sampled world."
        )
    significant = box.significant_limits
    where = " and ".join(limit_words(row, found.keys) for _, row in significant.iterrows())
    weak = len(box.limits) - len(significant)
    stats = f"PRIM box, coverage {box.coverage:.2f}, density {box.density:.2f}"
    stats += (
        f"; {weak} weaker restriction(s) with quasi-p >= {SIGNIFICANT_QP} left out"
        if (weak)
        else ""
    )
    margin = amount(found.metric, found.regret.loc[found.leader, "max_regret"])
    lost = (
        f"It loses first place (another lever ahead by more than {tie_words(found)}) in"
        f" {box.cases} of {box.worlds} worlds, by at most {margin}"
    )
    if not where:
        return f"{lost}, spread over the sampled ranges: no region of the assumptions holds them."
    if box.density < CONCENTRATED:
        return (
            f"{lost}, spread out: the densest region PRIM finds, where {where}, holds"
            f" {pct(box.coverage)} of them but they are only {pct(box.density)} of its worlds"
            f" ({stats})."
        )
    return f"{lost}, mainly where {where} ({stats})."


def break_even_sentences(found: Assessment) -> list[str]:
    label = info(found.metric).label.lower()
    out, steady, immaterial = [], [], []
    for be in found.break_evens:
        if not material(be, found):
            immaterial.append(name_of(be.uncertainty, found.keys))
            continue
        if be.value is None:
            steady.append(be)
            continue
        above = be.a if be.a_better_above else be.b
        below = be.b if be.a_better_above else be.a
        interval = (
            f" (95 % interval {number(be.low)} to {number(be.high)})"
            if not math.isnan(be.low)
            else " (too few bootstrap resamples cross for an interval)"
        )
        out.append(
            f"{be.a} and its runner-up {be.b} are equal on {label} where"
            f" {name_of(be.uncertainty, found.keys)} is {number(be.value)}{interval}: above it"
            f" {above} is better, below it {below}."
        )
    if steady:
        out.append(steady_sentence(found, steady))
    if immaterial:
        every = len(immaterial) == len(found.break_evens) > 1
        which = "every assumption sampled" if every else ", ".join(immaterial)
        verdict = "no assumption" if every else "none of these assumptions"
        out.append(
            f"{found.leader} and {found.rival} stay within {tie_words(found)} of each other on"
            f" average across the sampled range of {which}: {verdict} decides between them."
        )
    return out


def material(be: BreakEven, found: Assessment) -> bool:
    """Whether the average difference between the two levers (the monotone fit along the
    uncertainty) goes beyond the materiality threshold somewhere in the sampled range: where
    two equivalent levers' difference of a few thousandths of a point changes sign, that is
    noise, not a break-even a decision turns on."""
    fit = be.curve["fit"].to_numpy(dtype=float)
    if fit.size == 0:
        return True
    level = float(np.nanmean(np.abs(found.table[[be.a, be.b]].to_numpy())))
    return bool(np.nanmax(np.abs(fit)) > found.tie.width(level, level))


def steady_sentence(found: Assessment, steady: list[BreakEven]) -> str:
    """The uncertainties along which the average difference never changes sign, grouped by
    the lever that stays ahead."""
    higher = info(found.metric).higher_is_better
    groups: dict[str, list[str]] = {}
    for be in steady:
        ahead = be.a if (be.curve["fit"].mean() > 0) == higher else be.b
        groups.setdefault(ahead, []).append(name_of(be.uncertainty, found.keys))
    parts = [
        f"{who} stays ahead of {found.rival if who == found.leader else found.leader} on"
        f" average across the sampled range of {', '.join(names)}"
        for who, names in groups.items()
    ]
    return "; ".join(parts) + "."


def leader_drivers(found: Assessment) -> pd.Series:
    """The leader's feature scores above its noise floor, largest first (empty if none)."""
    if found.drivers is None or found.leader not in found.drivers:
        return pd.Series(dtype=float)
    floor = found.noise[found.leader] if found.noise is not None else 0.0
    return above_noise(found.drivers[found.leader], float(floor))


def drivers_sentence(found: Assessment) -> str | None:
    """The uncertainties that move the metric under the leader beyond the noise floor; none
    named when none scores above it."""
    if found.drivers is None or found.leader not in found.drivers:
        return None
    label = info(found.metric).label.lower()
    floor = float(found.noise[found.leader]) if found.noise is not None else 0.0
    scores = leader_drivers(found)
    noise = f"the noise floor, {pct(floor)}, is the best score of pure-noise columns"
    if scores.empty:
        return (
            f"Under {found.leader}, no uncertainty moves {label} beyond the noise of"
            f" {found.worlds} worlds (extra-trees feature scores; {noise})."
        )
    parts = [f"{name_of(u, found.keys)} ({pct(s)})" for u, s in scores.iloc[:3].items()]
    return (
        f"Under {found.leader}, {label} moves most with {', then '.join(parts)}"
        f" (extra-trees feature scores over the worlds, above the noise; {noise})."
    )


def left_out_sentence(found: Assessment) -> str | None:
    """The levers not ranked because they have no value of the metric in any world."""
    if not found.left_out:
        return None
    verb = "has" if len(found.left_out) == 1 else "have"
    label = info(found.metric).label.lower()
    return (
        f"Left out of the ranking: {', '.join(found.left_out)} {verb} no value of {label} in"
        " any world (nothing to count there)."
    )


def criteria_sentences(found: Assessment) -> list[str]:
    """Every threshold at once: who meets them all how often, who is on the Pareto front."""
    criteria = found.criteria
    if criteria is None or not criteria.thresholds:
        return []
    conditions = join_words([threshold_words(t) for t in criteria.thresholds])
    met = criteria.satisficing["all"].sort_values(ascending=False)
    parts = [f"{lever} in {pct(v)}" for lever, v in met.items()]
    front = criteria.pareto.sort_values(ascending=False)
    on_front = [f"{lever} in {pct(v)}" for lever, v in front.items() if v > 0]
    metrics = join_words([info(m).label.lower() for m in criteria.metrics])
    over = (
        ""
        if criteria.worlds == criteria.met_worlds
        else f" of the {criteria.worlds} worlds where every lever has a value of each"
    )
    return [
        f"Against every criterion at once ({conditions}), the share of {criteria.met_worlds}"
        f" worlds in which a lever meets all of them: {', '.join(parts)}.",
        f"On the Pareto front of {metrics} (no other lever better on one and not worse on any,"
        f" beyond each metric's materiality threshold){over}: {', '.join(on_front) or 'none'}.",
    ]


def threshold_words(threshold) -> str:  # noqa: ANN001 (sim.robustness.Threshold)
    """``completeness at least 95 %``, ``false hits at most 1,000 a year``."""
    meta = info(threshold.metric)
    op = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}[threshold.op]
    value = (
        f"{100 * threshold.value:g} %"
        if meta.share
        else f"{number(threshold.value)} {meta.unit}".rstrip()
    )
    return f"{meta.label.lower()} {op} {value}"


def settings_sentences(found: Assessment) -> list[str]:
    """A lever's own setting: how far it can go and still meet each threshold in most
    worlds, and where the median world breaks even."""
    return [setting_sentence(s) for s in found.settings]


def setting_sentence(s) -> str:  # noqa: ANN001 (sim.verdict.settings.RobustSetting)
    name = name_of(s.setting)
    where = s.variant + "".join(f" ({name_of(k)} {v:g})" for k, v in s.fixed.items())
    condition = f"{threshold_words(s.threshold)} in {pct(s.confidence)} of the worlds"
    if s.robust is None:
        head = f"No {name} of {where} meets {condition}"
    elif math.isinf(s.robust):
        head = f"Every {name} of {where} tried meets {condition}"
    else:
        side = "up to" if s.meets_below is not False else "from"
        interval = (
            "" if math.isnan(s.low) else f" (95 % interval {number(s.low)} to {number(s.high)})"
        )
        head = f"{where} meets {condition} with a {name} {side} {number(s.robust)}{interval}"
    median = (
        f"; the median world breaks even at {number(s.median)}"
        if s.median is not None and math.isfinite(s.median)
        else ""
    )
    values = ", ".join(f"{v:g}: {pct(m)}" for v, m in zip(s.values, s.met_share, strict=True))
    return f"{head}{median} (share of worlds meeting it at each {name}: {values})."


def robustness_sentences(results: Results) -> list[str]:
    """The section's sentences; for a sweep whose worlds cannot rank the levers, the one
    sentence saying why; empty for a sweep without sampled worlds."""
    found = results.robustness
    if found is None:
        problem = results.robustness_problem
        return [f"The ranking's robustness cannot be computed: {problem}."] if problem else []
    from sim.reporting.standing import level_best

    sentences = [
        odds_sentence(found, level_best(results, found.metric)),
        equivalence_sentence(found),
        regret_sentence(found),
        *criteria_sentences(found),
        *settings_sentences(found),
        discovery_sentence(found, found.discovery),
        *break_even_sentences(found),
        drivers_sentence(found),
        f"Note: {found.note}" if found.note else None,
        left_out_sentence(found),
        "The worlds sample the assumptions that no public figure fixes over their plausible"
        " ranges: the spread here is uncertainty about the world, not simulation noise, which"
        " 'Precision of the estimates' measures.",
    ]
    return [s for s in sentences if s]
