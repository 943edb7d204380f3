"""The comparison by region that the report, the gain-by-region chart and the explorer share:
each variant's mean per region with its interval and its paired gain over the baseline, over
the whole measured window or exactly over a window of days; and the periods of a road map."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.config.schema import architecture_label
from sim.reporting.charts.data import first_point
from sim.reporting.loading import Results

REGION_METRICS = ("completeness", "inconsistency_rate")
"""What the per-region table and the road map show: what officers see, and how much of it
misleads them."""


def region_comparison(
    results: Results,
    metrics: tuple[str, ...] = REGION_METRICS,
    first: int | None = None,
    end: int | None = None,
    by: str = "region",
) -> pd.DataFrame:
    """Per region (or kind), metric and variant at the first grid point: ``n``, ``mean``,
    ``ci_low``, ``ci_high``, the paired ``mean_diff`` from the baseline with its interval
    and ``significant`` (:func:`sim.analysis.breakdown_comparison`); empty when the runs have
    no such breakdown or no baseline."""
    from sim.analysis import breakdown_comparison

    table = results.breakdown(by, first, end)
    if table.empty or results.baseline is None:
        return pd.DataFrame()
    table = table[table["run_id"].isin(set(first_point(results)["run_id"]))]
    present = [m for m in metrics if m in table.columns and table[m].notna().any()]
    if table.empty or not present:
        return pd.DataFrame()
    return breakdown_comparison(table, by, results.baseline, present)


@dataclass(frozen=True)
class Period:
    """Days ``first <= day < end`` of a road map, between two wave days (or the measured
    window's ends), and the waves that moved on its first day."""

    first: int
    end: int
    moved: tuple[str, ...]

    @property
    def days(self) -> str:
        return f"days {self.first}\u2013{self.end - 1}"


def wave_days(results: Results) -> dict[float, list[str]]:
    """Each wave day of any variant's road map -> what moved that day, in words
    (``road-map: europe to hybrid``)."""
    found: dict[float, list[str]] = {}
    plans = dict(results.manifest.get("migrations") or {})
    base = (results.manifest.get("scenario") or {}).get("migration")
    if base and not plans:
        plans = {str(v): base for v in results.variants}
    for variant, plan in plans.items():
        for stage in (plan or {}).get("stages") or []:
            target = architecture_label(stage.get("to"))
            for wave in stage.get("waves") or []:
                who = [*wave.get("regions", []), *wave.get("countries", [])]
                found.setdefault(float(wave["day"]), []).append(
                    f"{variant}: {', '.join(map(str, who))} to {target}"
                )
    return found


def road_map_periods(results: Results) -> list[Period]:
    """The measured window cut at every wave day (a day counts whole in the period its
    first instant falls in: a wave at day 425.5 starts the period at day 426); empty when no
    variant has a road map or no daily parts were kept."""
    waves = wave_days(results)
    if not waves or results.daily.empty:
        return []
    lo, hi = int(results.daily["day"].min()), int(results.daily["day"].max()) + 1
    cuts: dict[int, list[str]] = {}
    for day, moved in sorted(waves.items()):
        cut = min(max(math.ceil(day), lo), hi)
        cuts.setdefault(cut, []).extend(moved)
    edges = sorted({lo, hi, *cuts})
    return [
        Period(a, b, tuple(cuts.get(a, [])))
        for a, b in zip(edges[:-1], edges[1:], strict=True)
        if b > a
    ]
