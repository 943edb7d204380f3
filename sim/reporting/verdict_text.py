"""The recommendation in two sentences, from a sweep over plausible worlds: what to choose and
what it rests on; when to choose otherwise. Then the sections a strategist defends it with:
the spread of each headline over the worlds, what each gain over today costs, the sampled
uncertainties with their ranges, and the headlines resting on values the worlds left fixed.

Every word comes from :mod:`sim.robustness` and :mod:`sim.verdict`; nothing is written in
advance.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.reporting.definitions import info, scale
from sim.reporting.loading import Results
from sim.reporting.outcome_text import approx, baseline_words
from sim.reporting.robust_text import join_words, leader_drivers, name_of, pct, threshold_words
from sim.verdict.fixed import fixed_assumptions
from sim.verdict.gains import gains_and_costs, prices_per_hit
from sim.verdict.spread import spread

SPREAD_METRICS = (
    "completeness",
    "inconsistency_rate",
    "hits_per_year",
    "missed_hits_per_year",
    "false_hits_per_year",
    "servers_needed_total",
    "staff_hours_per_year",
    "cost_per_year",
)
"""The headlines whose spread over the worlds the report shows."""

FRONT = 0.5
"""An alternative worth naming is on the Pareto front of the criteria in at least this share
of the worlds."""


def bare(metric: str, value: float) -> str:
    """A value in display units without its unit: ``96.3``, ``0.19``, ``26,500``."""
    if not math.isfinite(value):
        return "n/a"
    if info(metric).share:
        shown_value = value * scale(metric)
        return f"{shown_value:.2g}" if 0 < abs(shown_value) < 1 else f"{shown_value:.1f}"
    return compact(value)


def compact(value: float) -> str:
    """Three significant figures, no trailing zeros below 1,000: ``3``, ``0.00068``, ``2,930``,
    ``17.9 million``."""
    if abs(value) >= 1000 or value == 0:
        return approx(value) if value else "0"
    return f"{value:.3g}"


def shown(metric: str, value: float) -> str:
    """A value in display units: ``96.3 %``, ``26,500 missed hits/year``."""
    meta = info(metric)
    text = bare(metric, value)
    return text if text == "n/a" else f"{text} %" if meta.share else f"{text} {meta.unit}"


# --- the recommendation ---------------------------------------------------------------------


def recommendation(results: Results) -> list[str]:
    """Two sentences (empty without sampled worlds): choose the leader, on the criteria and
    the assumptions it rests on; choose the alternative when what it is better at weighs more,
    or where the worlds say the leader loses."""
    found = results.robustness
    if found is None:
        return []
    return [choose_sentence(results, found), otherwise_sentence(results, found)]


def choice(found: Any, level: list[str] | None = None) -> str:
    """The leader, with the levers equivalent to it in most worlds and those the pooled
    comparison finds level with it (``level``: the one standing rule the summary and the
    robustness section read), so that the three framings name the same equals."""
    equal = [k for k, v in found.equivalent_to_leader().items() if v >= 0.5]
    pooled = [v for v in level or () if v != found.leader and v not in equal]
    parts = [f"{join_words(equal)}, equivalent"] if equal else []
    parts += [f"{join_words(pooled)}, level with it over the worlds"] if pooled else []
    return found.leader if not parts else f"{found.leader} (or {'; or '.join(parts)})"


def choose_sentence(results: Results, found: Any) -> str:
    """What to choose and what it rests on."""
    label = info(found.metric).label.lower()
    share = found.ranks.loc[found.leader, 1]
    from sim.reporting.standing import level_best

    level = level_best(results, found.metric)
    head = (
        f"Choose {choice(found, level)}: first on {label} in {pct(share)} of {found.worlds}"
        f" plausible worlds"
    )
    criteria = found.criteria
    if criteria is not None and criteria.thresholds:
        met = criteria.satisficing["all"]
        conditions = join_words([threshold_words(t) for t in criteria.thresholds])
        among = (
            "of them"
            if criteria.met_worlds == found.worlds
            else f"of the {criteria.met_worlds} worlds where every lever has a value of each"
        )
        head += f", and meeting {conditions} in {pct(met.get(found.leader, 0.0))} {among}"
    price = price_words(results, found.leader)
    drivers = [name_of(u, found.keys) for u in leader_drivers(found).index[:2]]
    rests = (
        f"; it rests most on {join_words(drivers)}"
        if drivers
        else "; no sampled assumption moves it beyond the noise"
    )
    return f"{head}{price}{rests}."


def price_words(results: Results, lever: str) -> str:
    """``, at 12 euros a year per missed hit avoided against today [9, 15]``, or that it
    saves money, or nothing when there is no money view."""
    if results.baseline is None or lever == results.baseline:
        return ""
    found = next(iter(prices_per_hit(results.runs, results.baseline, [lever])), None)
    if found is None or found.pairs == 0:
        return ""
    today = baseline_words(results)
    if found.saves_money:
        return f", for less money a year than {today}"
    if found.value is None:
        return f", though it avoids no missed hit against {today}"
    interval = f" [{approx(found.low)}, {approx(found.high)}]" if not math.isnan(found.low) else ""
    return (
        f", at {approx(found.value)} euros a year per missed hit avoided against {today}{interval}"
    )


def otherwise_sentence(results: Results, found: Any) -> str:
    """When to choose otherwise: the alternative on the Pareto front most often and what it
    is better at, with both values; else the region of the worlds where the leader loses;
    else that nothing beats it."""
    alternative = pareto_alternative(found)
    if alternative is not None:
        lever, metric = alternative
        table = found.criteria.tables[metric]
        mine, theirs = table[found.leader].mean(), table[lever].mean()
        label = info(metric).label.lower()
        cost = leader_advantage(found, lever)
        worlds = found.criteria.worlds
        among = "them" if worlds == found.worlds else f"the {worlds} where each has a value"
        return (
            f"Choose {lever} instead if its {label}, {shown(metric, theirs)} against"
            f" {shown(metric, mine)} on average over the worlds, weighs more than {cost}: it is"
            f" on the Pareto front in {pct(found.criteria.pareto[lever])} of {among}."
        )
    box = found.discovery
    if box is not None and box.significant:
        from sim.reporting.robust_text import limit_words

        where = join_words(
            [limit_words(r, found.keys) for _, r in box.significant_limits.iterrows()]
        )
        return (
            f"Choose {found.rival} instead where {where}: there {found.leader} loses first place"
            f" in {pct(box.density)} of the worlds."
        )
    return (
        f"No other lever is better by more than the materiality threshold in"
        f" {pct(1 - found.ranks.loc[found.leader, 1])} of the worlds, and no region of the"
        " assumptions holds those: there is no case for another choice in the sampled ranges."
    )


def pareto_alternative(found: Any) -> tuple[str, str] | None:
    """(lever, the criterion it beats the leader on most) for the lever not equivalent to
    the leader that is most often on the Pareto front (at least :data:`FRONT`)."""
    criteria = found.criteria
    if criteria is None:
        return None
    equal = set(found.equivalent_to_leader())
    candidates = criteria.pareto.drop([found.leader, *equal], errors="ignore")
    candidates = candidates[candidates >= FRONT].sort_values(ascending=False)
    for lever in candidates.index:
        metric = best_criterion(found, str(lever))
        if metric is not None:
            return str(lever), metric
    return None


def best_criterion(found: Any, lever: str) -> str | None:
    """The criterion on which ``lever`` beats the leader by the largest share of the larger
    value, beyond the materiality threshold on average; None if it beats it on none."""
    from sim.catalogue import better_higher
    from sim.verdict.ties import tie_of

    best, gap = None, 0.0
    for metric, table in found.criteria.tables.items():
        a, b = float(table[found.leader].mean()), float(table[lever].mean())
        ahead = (b - a) if better_higher(metric) else (a - b)
        if ahead <= tie_of(metric, found.ties).width(a, b):
            continue
        relative = ahead / max(abs(a), abs(b), 1e-12)
        if relative > gap:
            best, gap = metric, relative
    return best


def leader_advantage(found: Any, lever: str) -> str:
    """What choosing ``lever`` gives up: the leader's largest lead over it on a criterion."""
    from sim.catalogue import better_higher

    parts = []
    for metric, table in found.criteria.tables.items():
        a, b = float(table[found.leader].mean()), float(table[lever].mean())
        ahead = (a - b) if better_higher(metric) else (b - a)
        if ahead > 0:
            parts.append((ahead / max(abs(a), abs(b), 1e-12), metric, ahead))
    if not parts:
        return "nothing"
    _, metric, ahead = max(parts)
    meta = info(metric)
    if meta.share:
        return f"{100 * ahead:.1f} percentage points of {meta.label.lower()}"
    return f"{approx(ahead)} more {meta.unit}"


# --- the spread over worlds -------------------------------------------------------------------


def spread_table(results: Results) -> pd.DataFrame:
    """Headline x variant: ``p05 to p95`` over the worlds at the charted grid point, in display
    units (empty without worlds)."""
    if not results.worlds:
        return pd.DataFrame()
    metrics = [m for m in SPREAD_METRICS if m in results.runs]
    band = spread(results.ok_runs, metrics)
    if band.empty:
        return band
    first = band["point_id"].iloc[0]
    band = band[band["point_id"] == first]
    cells: dict[str, dict[str, str]] = {}
    for row in band.itertuples():
        text = f"{bare(row.metric, row.p05)} to {bare(row.metric, row.p95)}"
        cells.setdefault(info(str(row.metric)).axis_label, {})[str(row.variant)] = text
    frame = pd.DataFrame.from_dict(cells, orient="index")
    return frame.reindex(columns=[v for v in results.variants if v in frame.columns])


def spread_sentence(results: Results) -> str | None:
    """The baseline's missed hits as a range over the worlds: what may happen today."""
    if not results.worlds or results.baseline is None or "missed_hits_per_year" not in results.runs:
        return None
    band = spread(results.ok_runs, ["missed_hits_per_year"])
    row = band[band["variant"] == results.baseline]
    if row.empty or not math.isfinite(row["p05"].iloc[0]):
        return None
    low, high = row["p05"].iloc[0], row["p95"].iloc[0]
    return (
        f"In 90 % of the {results.worlds} plausible worlds {baseline_words(results)} misses"
        f" between {approx(low)} and {approx(high)} hits a year: the range of what may"
        " happen, which the interval of the mean (how precisely the average is known) is not."
    )


# --- what each gain costs ---------------------------------------------------------------------


def gains_table(results: Results) -> pd.DataFrame:
    """Item x lever: the mean over the pairs and, with worlds, the 5-95 % range, against the
    baseline (empty with a single variant)."""
    if results.baseline is None or len(results.variants) < 2:
        return pd.DataFrame()
    table = gains_and_costs(results.ok_runs, results.baseline, results.variants)
    if table.empty:
        return table
    cells: dict[str, dict[str, str]] = {}
    for row in table.itertuples():
        text = "n/a" if not math.isfinite(row.mean) else signed(row.mean)
        if results.worlds and math.isfinite(row.p05):
            text += f" ({signed(row.p05)} to {signed(row.p95)})"
        cells.setdefault(str(row.item), {})[str(row.lever)] = text
    for price in prices_per_hit(results.ok_runs, results.baseline, results.variants):
        cells.setdefault("euros a year per missed hit avoided", {})[price.lever] = price_cell(price)
    frame = pd.DataFrame.from_dict(cells, orient="index")
    return frame.reindex(columns=[v for v in results.variants if v in frame.columns])


def signed(value: float) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + compact(abs(value))


def price_cell(price: Any) -> str:
    if price.pairs == 0:
        return "n/a"
    if price.saves_money:
        return "costs less than the baseline"
    if price.value is None:
        return "avoids none"
    interval = "" if math.isnan(price.low) else f" [{approx(price.low)}, {approx(price.high)}]"
    return f"{approx(price.value)}{interval}"


# --- what the worlds sampled, and what they did not -------------------------------------------


def uncertainty_rows(results: Results) -> list[tuple[str, str]]:
    """Each sampled uncertainty, the keys it moves, and the range its values took."""
    keys = results.manifest.get("uncertainties") or {}
    rows = []
    for name in results.uncertainties:
        values = pd.to_numeric(results.runs[name], errors="coerce").dropna()
        if values.empty:
            spread_words = ", ".join(sorted(map(str, results.runs[name].dropna().unique())))
        else:
            spread_words = f"{values.min():.3g} to {values.max():.3g}"
        moved = keys.get(name) or [name]
        what = name if moved == [name] else f"{name}: {', '.join(moved)}"
        rows.append((what, f"sampled from {spread_words} (first key's values)"))
    return rows


def fixed_rows(results: Results) -> list[tuple[str, str]]:
    """Each headline resting on a value the worlds did not sample, and that value."""
    keys = results.manifest.get("uncertainties") or {}
    found = fixed_assumptions(results.scenario, keys, list(results.runs.columns))
    return [(info(metric).label, "; ".join(values)) for metric, values in found]
