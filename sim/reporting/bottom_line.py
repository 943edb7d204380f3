"""The report's bottom line: one paragraph weighing the architectures on completeness, wrong
answers, hits, latency, availability, copies held and cost, and naming the assumptions the
verdict rests on.

Every word comes from the numbers: the metrics, their labels and which way is better from
:mod:`sim.catalogue`; the leader, its strengths and what it pays for them from the means of the
charted grid point; the assumptions from the robustness assessment when the sweep sampled
worlds, else the status-quo guesses and the varied keys of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis import paired_differences, summarise
from sim.catalogue import better_higher, materiality, value_text, value_with_unit
from sim.reporting.charts import first_point
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.outcome_text import baseline_words
from sim.reporting.robust_text import join_words, name_of
from sim.reporting.standing import best_shown, level_with
from sim.reporting.verdict_text import recommendation
from sim.verdict.ties import describe, equivalent_means

DIMENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("completeness", ("completeness",)),
    ("wrong answers", ("inconsistency_rate", "false_hits_per_year")),
    ("hits", ("hits_per_year", "missed_hits_per_year")),
    ("latency", ("query_latency_p95_seconds", "lag_p95_hours")),
    ("availability", ("query_availability",)),
    ("exposure", ("exposure",)),
    ("cost", ("staff_hours_per_year", "servers_needed_total", "bandwidth_gb_per_day_total",
              "storage_gb_total")),
)  # fmt: skip
"""What a strategist weighs, in the order the paragraph weighs it; each dimension's metrics
are read from the catalogue and left out when the results lack them."""

STATUS_QUO_GUESSES = ("entry_probability", "update_probability", "entry_delay_hours")
"""Keys of the fragmented status quo that no public figure fixes ([E] in scenarios/README.md):
how often and how fast NCBs key a record into each system by hand."""


def weighed_metrics(columns: pd.Index) -> list[str]:
    return [m for _, metrics in DIMENSIONS for m in metrics if m in columns]


def means(results: Results) -> pd.DataFrame:
    """Variant x metric: the mean of the charted grid point's ok runs (variants in order)."""
    runs = first_point(results)
    metrics = weighed_metrics(runs.columns)
    if runs.empty or not metrics:
        return pd.DataFrame()
    table = summarise(runs, metrics).pivot(index="variant", columns="metric", values="mean")
    order = [v for v in results.variants if v in table.index]
    return table.reindex(index=order, columns=metrics)


def shown(metric: str, value: float) -> str:
    """A value as every table shows it: ``96.3 %``, ``1.70 seconds``, ``0.0022 %``,
    ``61,045 missed hits/year``, ``never``."""
    return value_with_unit(metric, value)


def pair(metric: str, a: float, b: float) -> str:
    """``0.99 against 0 copies per live record``: two values, the unit said once."""
    return f"{value_text(metric, a)} against {shown(metric, b)}"


def best_of(column: pd.Series, metric: str) -> list[str]:
    """The variants with the best value, and those equivalent to it: printing the same, or
    within the metric's materiality threshold (:mod:`sim.verdict.ties`), best first."""
    same = best_shown(column, metric)
    close = equivalent_means(column.dropna(), metric, materiality(metric))
    return [*same, *(v for v in close if v not in same)]


def leader_of(table: pd.DataFrame) -> str | None:
    """The most complete variant (the question the report answers first), else the best on
    the first metric there is."""
    for metric in table.columns:
        best = best_of(table[metric], metric)
        if best:
            return best[0]
    return None


def lead_sentence(results: Results, table: pd.DataFrame, leader: str) -> str:
    """Who leads on completeness, against the baseline, and whether the lead is significant."""
    metric = str(table.columns[0])
    label = info(metric).label.lower()
    value = shown(metric, table.loc[leader, metric])
    tied = [v for v in best_of(table[metric], metric) if v != leader]
    base = results.baseline
    against = (
        f", against {shown(metric, table.loc[base, metric])} {baseline_words(results)}"
        if base in table.index and base != leader and pd.notna(table.loc[base, metric])
        else ""
    )
    if tied:
        within = describe(metric, materiality(metric))
        return (
            f"{join_words([leader, *tied])} are equivalent on {label} ({value}{against}): within"
            f" {within} of each other, so their order is noise, not a ranking."
        )
    head = f"{leader} leads on {label} with {value}{against}"
    return head + significance(results, table, leader, metric) + "."


def significance(results: Results, table: pd.DataFrame, leader: str, metric: str) -> str:
    """``; not significantly ahead of X`` when the paired interval of the lead over the
    runner-up holds zero, nothing otherwise (or for a single run, which has no interval)."""
    order = table[metric].dropna().sort_values(ascending=not better_higher(metric)).index
    if results.single_run or len(order) < 2:
        return ""
    second = str(order[1])
    diff = paired_differences(first_point(results), second, [metric])
    row = diff[diff["variant"] == leader]
    if row.empty or bool(row["significant"].iloc[0]):
        return ""
    return f" but not significantly ahead of {second} ({shown(metric, table.loc[second, metric])})"


def best_set(results: Results, table: pd.DataFrame, metric: str) -> list[str]:
    """The best variant on ``metric`` and every variant level with it (the one rule of
    :mod:`sim.reporting.standing`)."""
    return level_with(results, table[metric], metric)


def strengths_and_prices(results: Results, table: pd.DataFrame, leader: str) -> list[str]:
    """Where the leader is also best (or level with the best), and where others beat it beyond
    the noise, with both values and who they are. A metric on which every variant is level
    weighs nothing and is left out."""
    also = []
    for metric in table.columns[1:]:
        value = table.loc[leader, metric]
        best = best_set(results, table, metric)
        if not best or pd.isna(value) or len(best) == table[metric].notna().sum():
            continue
        if leader in best:
            also.append(f"{info(metric).label.lower()} ({shown(metric, value)})")
    prices = [words for _, words in prices_of(results, table, leader)]
    out = [f"{leader} is also best, or level with the best, on {join_words(also)}." if also else ""]
    if prices:
        out.append(f"{leader} gives way on {join_words(prices)}.")
    else:
        out.append(f"{leader} gives way on nothing weighed.")
    return [s for s in out if s]


def prices_of(results: Results, table: pd.DataFrame, leader: str) -> list[tuple[float, str]]:
    """(relative gap, words) of each weighed metric on which others beat the leader beyond
    the noise, in the order the dimensions are weighed."""
    prices = []
    for metric in table.columns[1:]:
        value = table.loc[leader, metric]
        best = best_set(results, table, metric)
        if not best or pd.isna(value) or len(best) == table[metric].notna().sum():
            continue
        if leader not in best:
            other = table.loc[best[0], metric]
            versus = pair(metric, value, other)
            words = f"{info(metric).label.lower()} ({versus} for {join_words(best)})"
            prices.append((relative_gap(value, other), words))
    return prices


def alternatives_sentence(results: Results, table: pd.DataFrame, leader: str) -> str:
    """What each variant that beats the leader somewhere pays for it: its three largest
    shortfalls from the leader beyond the noise (relative to the larger value), with both
    values."""
    rivals = []
    for metric in table.columns[1:]:
        best = best_set(results, table, metric)
        if best and leader not in best and len(best) < table[metric].notna().sum():
            rivals += [v for v in best if v not in rivals]
    parts = []
    for rival in rivals:
        gaps = worse_than(results, table, rival, leader)[:3]
        if gaps:
            parts.append(f"{rival} pays with {join_words(gaps)}")
    return ("In return, " + "; ".join(parts) + ".") if parts else ""


def worse_than(results: Results, table: pd.DataFrame, rival: str, leader: str) -> list[str]:
    """Metrics where ``rival`` is worse than ``leader`` beyond the noise, largest relative
    shortfall first, in words with both values."""
    found = []
    for metric in table.columns:
        a, b = table.loc[rival, metric], table.loc[leader, metric]
        if pd.isna(a) or pd.isna(b) or shown(metric, a) == shown(metric, b):
            continue
        if (a > b) == better_higher(metric) or not beaten(results, rival, leader, metric):
            continue
        words = f"{info(metric).label.lower()} ({pair(metric, a, b)})"
        found.append((relative_gap(a, b), words))
    return [words for _, words in sorted(found, key=lambda f: -f[0])]


def relative_gap(a: float, b: float) -> float:
    """How far apart two values are, relative to the larger (1 when one is *never*)."""
    if np.isinf(a) or np.isinf(b):
        return 1.0
    return abs(a - b) / max(abs(a), abs(b))


def beaten(results: Results, loser: str, winner: str, metric: str) -> bool:
    """Whether ``winner`` beats ``loser`` on ``metric`` beyond the noise: its paired interval
    excludes zero (one run has no interval: any gap counts)."""
    if results.single_run:
        return True
    diff = paired_differences(first_point(results), winner, [metric])
    row = diff[diff["variant"] == loser]
    return row.empty or bool(row["significant"].iloc[0])


def assumptions_sentence(results: Results) -> str:
    """The assumptions the verdict rests on: the robustness section's drivers and break-even
    uncertainties when the sweep sampled worlds; else the untested guesses of the scenario."""
    found = results.robustness
    if found is not None:
        names = robust_drivers(found)
        share = found.ranks[1].get(found.leader, float("nan"))
        odds = f"{found.leader} ranks first in {100 * share:.0f} % of {found.worlds} worlds"
        carried = f"; it moves most with {join_words(names)}" if names else ""
        where = "(see 'How robust is the ranking?')"
        return f"Over the plausible worlds sampled, {odds}{carried} {where}."
    guesses, varied = status_quo_guesses(results), [name_of(f) for f in results.factors]
    if not guesses and not varied:
        return (
            "The verdict holds for this scenario's assumptions; no plausible worlds were sampled."
        )
    parts = []
    if guesses:
        parts.append(f"fixed here at guesses no public figure gives: {join_words(guesses)}")
    if varied:
        parts.append(f"varied over a grid (the charts show its first point): {join_words(varied)}")
    return (
        f"The verdict rests on assumptions {'; and '.join(parts)} (see 'Key assumptions');"
        " a sweep over plausible worlds (uncertainties, pdsa robustness) tests them."
    )


def robust_drivers(found) -> list[str]:  # noqa: ANN001 (sim.robustness.Assessment)
    """Up to three uncertainties, by the leader's feature scores, else those of its
    break-even values, else those bounding the worlds it loses."""
    if found.drivers is not None and found.leader in found.drivers:
        scores = found.drivers[found.leader].dropna().sort_values(ascending=False)
        return [name_of(u, found.keys) for u in scores.index[:3]]
    named = [be.uncertainty for be in found.break_evens if be.value is not None]
    if not named and found.discovery is not None:
        named = list(found.discovery.limits["uncertainty"])
    return [name_of(u, found.keys) for u in named[:3]]


def status_quo_guesses(results: Results, sampled: dict[str, str] | None = None) -> list[str]:
    """The hand-keying guesses of a fragmented baseline as it ran, in words with their
    values (a value the worlds sample: its range)."""
    architecture = results.scenario_as_run.get("architecture") or {}
    if architecture.get("kind") != "fragmented":
        return []
    out = []
    for key in STATUS_QUO_GUESSES:
        values = architecture.get(key)
        if isinstance(values, dict):
            words = ", ".join(
                f"{store} {sampled_or(sampled or {}, f'architecture.{key}.{store}', v)}"
                for store, v in values.items()
            )
            out.append(f"today's {key.replace('_', ' ')} ({words})")
    return out


def sampled_or(sampled: dict[str, str], path: str, value: object) -> str:
    """A guess's range when the worlds sample it (or its distribution's mean), else its
    value."""
    return sampled.get(path) or sampled.get(f"{path}.mean") or guess_text(value)


def guess_text(value: object) -> str:
    if isinstance(value, dict):
        return f"mean {value.get('mean', value.get('value', '?'))}"
    return f"{value}"


@dataclass(frozen=True)
class BottomLine:
    """The decision in two sentences (who leads on the question, at what price, resting on
    which assumption), then the detail, one point each."""

    decision: str
    details: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join([self.decision, *self.details])


def price_words(results: Results, table: pd.DataFrame, leader: str) -> str:
    """``, at the price of <its largest shortfall>``, or ``, giving way on nothing weighed``."""
    prices = prices_of(results, table, leader)
    if not prices:
        return ", giving way on nothing weighed"
    return f", at the price of {max(prices, key=lambda p: p[0])[1]}"


def key_assumption(results: Results) -> str:
    """The one assumption the decision rests on, in a few words."""
    found = results.robustness
    if found is not None:
        share = found.ranks[1].get(found.leader, float("nan"))
        names = robust_drivers(found)
        moves = f", moving most with {names[0]}" if names else ""
        return (
            f"It holds in {100 * share:.0f} % of {found.worlds} plausible worlds for"
            f" {found.leader}{moves} (see 'How robust is the ranking?')."
        )
    guesses, varied = status_quo_guesses(results), [name_of(f) for f in results.factors]
    if guesses:
        return f"It rests on {guesses[0]}, a guess no public figure fixes (see 'Key assumptions')."
    if varied:
        return f"It rests on the first point of the grid over {join_words(varied)}."
    return "It rests on this scenario's assumptions (see 'Key assumptions')."


def verdict(results: Results) -> BottomLine | None:
    """The bottom line; None when there is nothing to weigh (every run failed)."""
    table = means(results)
    leader = leader_of(table) if not table.empty else None
    if leader is None:
        return None
    if len(table.index) == 1:
        decision = f"One variant ({leader}): nothing to weigh it against. {key_assumption(results)}"
        return BottomLine(decision, (assumptions_sentence(results),))
    lead = lead_sentence(results, table, leader).removesuffix(".")
    first = lead + price_words(results, table, leader) + "."
    recommended = recommendation(results)  # over sampled worlds: the decision's two sentences
    details = [
        *([first] if recommended else []),
        *strengths_and_prices(results, table, leader),
        alternatives_sentence(results, table, leader),
        assumptions_sentence(results),
    ]
    decision = " ".join(recommended) if recommended else f"{first} {key_assumption(results)}"
    return BottomLine(decision, tuple(d for d in details if d))


def bottom_line(results: Results) -> str:
    """The decision and its detail as one text; empty when there is nothing to weigh."""
    found = verdict(results)
    return found.text if found is not None else ""
