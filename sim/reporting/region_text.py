"""The report's results by region, in tables and plain sentences: the per-region table (each
variant's completeness and inconsistency per region, with intervals and the gain over the
baseline) and, when a variant follows a road map, each period between its waves, region by
region (exact windows of days from the daily parts)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.catalogue import difference_text, shown_unit, value_text
from sim.reporting.charts.region_data import Period, region_comparison, road_map_periods
from sim.reporting.definitions import info
from sim.reporting.loading import Results
from sim.reporting.robust_text import join_words

REGION_NOTE = (
    "Each cell: the mean over the runs [95 % confidence interval]; beside it, for the"
    " variants other than the baseline, the gain over the baseline paired on common seeds"
    " [its interval], * where the interval excludes zero. Regions are the officers' who"
    " search (pp: percentage points)."
)

ROAD_MAP_NOTE = (
    "Each period runs from one wave day to the next: its figures are exact over those days"
    " (sums of each day's record-days, divided once), not averages of daily ratios. Time to"
    " visibility is left out: percentiles do not add over days."
)


ROUNDING = 1e-9
"""Differences all of whose values are below this (stored units) are the same figures summed
in another order by another architecture's code path: shown as equal, not as 1e-14."""


def interval(row: pd.Series, metric: str) -> str:
    """``86.2 [85.9, 86.5]``: a share's interval cut at its possible range, as the metric
    table cuts it; the mean alone without an interval (one run)."""
    text = value_text(metric, row["mean"])
    low, high = row["ci_low"], row["ci_high"]
    if pd.isna(low) or pd.isna(high):
        return text
    if info(metric).share:
        low, high = max(low, 0.0), min(high, 1.0)
    return f"{text} [{value_text(metric, low)}, {value_text(metric, high)}]"


def alike(rows: pd.DataFrame) -> bool:
    """Every difference and its interval within rounding of zero."""
    values = rows[["mean_diff", "diff_ci_low", "diff_ci_high"]].to_numpy(dtype=float)
    return bool((abs(values[~pd.isna(values)]) < ROUNDING).all())


def cell(row: pd.Series, metric: str, baseline: str | None) -> str:
    """``86.2 [85.9, 86.5]``, then ``; +3.1 [+2.9, +3.3] pp *`` for a variant other than
    the baseline."""
    text = interval(row, metric)
    if row["variant"] == baseline or pd.isna(row["mean_diff"]):
        return text
    if alike(row.to_frame().T):
        return f"{text}; the same as the baseline"
    gain = difference_text(metric, row["mean_diff"])
    if not pd.isna(row["diff_ci_low"]) and not pd.isna(row["diff_ci_high"]):
        low, high = (difference_text(metric, row[c]) for c in ("diff_ci_low", "diff_ci_high"))
        gain += f" [{low}, {high}]"
    unit = " pp" if info(metric).share else ""
    return f"{text}; {gain}{unit}{' *' if row['significant'] is True else ''}"


def region_table(
    results: Results, first: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """Rows: each region's completeness, then its inconsistency; columns: the variants."""
    table = region_comparison(results, first=first, end=end)
    if table.empty:
        return pd.DataFrame()
    cells: dict[str, dict[str, str]] = {}
    for _, row in table.iterrows():
        label = f"{str(row['region']).replace('_', ' ')}: {info(row['metric']).axis_label}"
        cells.setdefault(label, {})[str(row["variant"])] = cell(
            row, row["metric"], results.baseline
        )
    frame = pd.DataFrame.from_dict(cells, orient="index")
    return frame.reindex(columns=[v for v in results.variants if v in frame.columns])


@dataclass(frozen=True)
class Stage:
    """One period of a road map, in words and as a table."""

    title: str
    sentences: list[str]
    table: pd.DataFrame


def road_map(results: Results) -> list[Stage]:
    """Each period between wave days: what moved, then region by region each variant's
    completeness and inconsistency with intervals; empty without a road map."""
    periods = road_map_periods(results)
    if len(periods) < 2:
        return []
    stages = []
    for n, period in enumerate(periods, start=1):
        table = region_comparison(results, first=period.first, end=period.end)
        if table.empty:
            continue
        title = f"Period {n} ({period.days}): {moved_words(period)}"
        sentences = [
            region_sentence(rows, period, str(region), order(results))
            for region, rows in table.groupby("region", sort=False)
        ]
        stages.append(Stage(title, sentences, region_table(results, period.first, period.end)))
    return stages


def moved_words(period: Period) -> str:
    if not period.moved:
        return "before the first wave"
    return "from the waves of its first day: " + "; ".join(period.moved)


def order(results: Results) -> list[str]:
    """The variants with a road map first (in the sweep's order), then the others."""
    planned = [v for v in results.variants if v in (results.manifest.get("migrations") or {})]
    return planned + [v for v in results.variants if v not in planned]


def region_sentence(rows: pd.DataFrame, period: Period, region: str, variants: list[str]) -> str:
    """``In days 425–789, africa: completeness 85.0 % [84.1, 85.9] under road-map, against
    88.0 % [87.2, 88.8] under big-bang and big-bang-reconciled, ...; inconsistency ...``:
    variants showing the same figures named together."""
    parts = []
    for metric in dict.fromkeys(rows["metric"]):
        by_variant = rows[rows["metric"] == metric].set_index("variant")
        shown = [v for v in variants if v in by_variant.index]
        label = info(str(metric)).label.lower()
        if alike(by_variant):
            value = with_interval(by_variant.loc[shown[0]], str(metric))
            parts.append(f"{label} {value} under every variant alike")
            continue
        groups: dict[str, list[str]] = {}
        for v in shown:
            groups.setdefault(with_interval(by_variant.loc[v], str(metric)), []).append(v)
        values = [f"{text} under {join_words(group)}" for text, group in groups.items()]
        parts.append(
            f"{label} {values[0]}" + (", against " + ", ".join(values[1:]) if values[1:] else "")
        )
    name = region.replace("_", " ")
    return f"In {period.days}, {name}: " + "; ".join(parts) + "."


def with_interval(row: pd.Series, metric: str) -> str:
    """``85.0 % [84.1, 85.9]``."""
    mean, _, rest = interval(row, metric).partition(" ")
    return f"{mean} {shown_unit(metric)} {rest}".strip()
