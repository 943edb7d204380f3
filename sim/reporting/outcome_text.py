"""The report's sentences on what each architecture means at the border and what it costs, in
counts a Head of NCB decides on: "today about 26,500 missed hits a year on travel documents;
hybrid push: 4,100 [4,000, 4,200]"."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis import summarise
from sim.config.schema import STATUS_QUO
from sim.reporting.charts import first_point
from sim.reporting.loading import Results

KIND_FAMILY = "missed_hits_per_year_by_kind."

COST_SENTENCES = (
    ("false_hits_per_year", "False hits (an officer acts on a cancelled alert)", "a year"),
    ("stale_hits_per_year", "Hits on an outdated version of the record", "a year"),
    ("staff_hours_per_year", "NCB staff time for manual entry, updates, reviews and hits",
     "hours a year"),
    ("busiest_store_peak_per_second", "Peak load on the busiest store", "searches a second"),
    ("servers_needed_total", "Servers needed to answer searches within the target at the peak",
     "servers"),
    ("bandwidth_gb_per_day_total", "Data sent over the networks", "GB a day"),
)  # fmt: skip
"""(metric, what it is, its unit in words): one sentence each, every variant with its
interval."""


def approx(value: float) -> str:
    """Three significant figures, in words past a million: ``26,500``, ``17.9 million``."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.3g} million"
    if abs(value) < 1:
        return f"{value:.2g}"
    digits = 2 - int(math.floor(math.log10(abs(value))))  # negative: rounds to tens, hundreds
    return f"{round(value, digits):,.{max(digits, 0)}f}"


def with_interval(row: pd.Series) -> str:
    """``4,100 [4,000, 4,200]``: a count's interval cut at zero, as the charts cut it."""
    text = approx(float(row["mean"]))
    if pd.notna(row["ci_low"]):
        low = max(float(row["ci_low"]), 0.0)
        text += f" [{approx(low)}, {approx(float(row['ci_high']))}]"
    return text


def baseline_words(results: Results) -> str:
    """``today`` when the baseline is today's system (a fragmented variant), else its name."""
    baseline = results.baseline or ""
    kind = results.kinds.get(baseline)
    if kind is None:  # results written before kinds were recorded
        kind = (results.scenario.get("architecture") or {}).get("kind")
        kind = kind if "fragmented" in baseline else None
    return "today" if kind == STATUS_QUO else baseline


def variant_sentence(results: Results, runs: pd.DataFrame, metric: str, lead: str, unit: str):
    """``lead``: the baseline's value with its interval, then each other variant's."""
    table = summarise(runs, [metric]).dropna(subset=["mean"]).set_index("variant")
    if table.empty or results.baseline not in table.index:
        return None
    base = table.loc[results.baseline]
    others = [
        f"{variant}: {with_interval(table.loc[variant])}"
        for variant in results.variants
        if variant in table.index and variant != results.baseline
    ]
    head = f"{lead}: {baseline_words(results)} about {with_interval(base)} {unit}"
    return head + ("; " + "; ".join(others) if others else "") + "."


def missed_hits_sentence(results: Results, runs: pd.DataFrame) -> str | None:
    """The kind with the most missed hits at the baseline, each variant's count of them."""
    columns = [c for c in runs.columns if c.startswith(KIND_FAMILY)]
    base = runs[runs["variant"] == results.baseline]
    if not columns or base.empty:
        return None
    column = str(base[columns].mean().idxmax())
    kind = column.removeprefix(KIND_FAMILY)
    what = "" if len(columns) == 1 else f" on {kind.replace('_', ' ')}"
    lead = f"Missed hits{what} (the record is there, the officer is not shown it)"
    return variant_sentence(results, runs, column, lead, "a year")


def outcome_sentences(results: Results) -> list[str]:
    """The missed hits of the kind that misses most, then false and stale hits and the costs;
    nothing for results without them (older runs)."""
    runs = first_point(results)
    if runs.empty or results.baseline is None:
        return []
    sentences = [missed_hits_sentence(results, runs)]
    sentences += [
        variant_sentence(results, runs, metric, lead, unit)
        for metric, lead, unit in COST_SENTENCES
        if metric in runs.columns
    ]
    return [s for s in sentences if s is not None]
