"""The report's "How robust is the ranking?" in plain sentences, from a Results' assessment.

Every sentence is generated from the numbers of :mod:`sim.robustness`; none is written in
advance. Values are shown in display units (percentages for shares).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.catalogue import number_text
from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results
from sim.robustness import SIGNIFICANT_QP, Assessment, BreakEven, Discovery

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
    """How often each lever ranks first; when the pooled comparison finds several levers
    ``level`` (as the bottom line and the summary say), that comes first: first places then
    split between equals rather than crown a winner."""
    first = found.ranks[1].sort_values(ascending=False)
    label = info(found.metric).label.lower()
    others = [f"{lever} in {pct(share)}" for lever, share in first.iloc[1:].items() if share > 0]
    tail = f"; {', '.join(others)}" if others else "; no other lever ever does"
    odds = (
        f"{found.leader} ranks first on {label} in {pct(first.iloc[0])} of {found.worlds}"
        f" plausible worlds{tail}."
    )
    if level and len(level) > 1 and found.leader in level:
        together = ", ".join(level)
        return (
            f"On average over the worlds {together} are level on {label}, as the bottom line"
            f" says: first places split between them rather than crown a winner. {odds}"
        )
    return odds


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
        beaten = (found.regret_by_world[found.leader] > 0).any()
        return (
            "Another lever beats it in every sampled world."
            if beaten
            else ("No other lever beats it in any sampled world.")
        )
    significant = box.limits[box.limits["qp"] < SIGNIFICANT_QP]
    where = " and ".join(limit_words(row, found.keys) for _, row in significant.iterrows())
    weak = len(box.limits) - len(significant)
    stats = f"PRIM box, coverage {box.coverage:.2f}, density {box.density:.2f}"
    stats += (
        f"; {weak} weaker restriction(s) with quasi-p >= {SIGNIFICANT_QP} left out"
        if (weak)
        else ""
    )
    margin = amount(found.metric, found.regret.loc[found.leader, "max_regret"])
    lost = f"It loses first place in {box.cases} of {box.worlds} worlds, by at most {margin}"
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
    out, steady = [], []
    for be in found.break_evens:
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
            f"{be.a} and {be.b} are equal on {label} where {name_of(be.uncertainty, found.keys)} is"
            f" {number(be.value)}{interval}: above it {above} is better, below it {below}."
        )
    if steady:
        out.append(steady_sentence(found, steady))
    return out


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


def drivers_sentence(found: Assessment) -> str | None:
    if found.drivers is None or found.leader not in found.drivers:
        return None
    scores = found.drivers[found.leader].dropna().sort_values(ascending=False)
    if scores.empty:
        return None
    parts = [f"{name_of(u, found.keys)} ({pct(s)})" for u, s in scores.iloc[:3].items()]
    label = info(found.metric).label.lower()
    return (
        f"Under {found.leader}, {label} moves most with {', then '.join(parts)}"
        " (extra-trees feature scores over the worlds)."
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
        regret_sentence(found),
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
