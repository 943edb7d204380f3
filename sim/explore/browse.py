"""The Results page's logic: a sweep or run directory opened read-only, narrowed to the
variants, region and metric a user picks, summarised and charted by :mod:`sim.analysis` and
:mod:`sim.reporting` (the same numbers and charts as ``pdsa compare`` and ``pdsa report``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis import default_metrics, paired_differences, summarise
from sim.reporting import Results, load_results
from sim.reporting.charts import CHARTS, charts_for, render
from sim.reporting.loading import KEYS

WORLD = "all"
"""The region choice that means every querier (the runs' own metrics)."""


@dataclass(frozen=True)
class Selection:
    """What the user picked: variants to keep (all when empty), a metric, a region, a chart."""

    variants: tuple[str, ...] = ()
    metric: str | None = None
    region: str = WORLD
    chart: str = "comparison"
    ranges: tuple[tuple[str, float, float], ...] = ()
    """(uncertainty, low, high): keep the sampled worlds whose value lies in [low, high]."""
    kept: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(uncertainty, values): keep the sampled worlds whose value (a text, or a whole
    distribution as its text) is one of these."""
    by: str = "region"
    """What the by-region view breaks the metric down by: ``region`` or ``kind``."""


def open_results(path: str | Path) -> Results:
    """The sweep or run in ``path``; :class:`sim.reporting.ResultsError` in one line when it
    holds neither."""
    return load_results(Path(path).expanduser())


def metric_choices(results: Results) -> list[str]:
    return default_metrics(results.runs)


def region_choices(results: Results) -> list[str]:
    regions = results.by_region.get("region", pd.Series(dtype=str)).dropna().unique()
    return [WORLD, *sorted(str(r) for r in regions)]


def breakdown_choices(results: Results) -> list[str]:
    """``region``, and ``kind`` when the runs kept their metrics by record kind."""
    return ["region", "kind"] if not results.by_kind.empty else ["region"]


def chart_choices(results: Results) -> list[str]:
    return list(charts_for(results))


def is_numeric(results: Results, name: str) -> bool:
    return bool(pd.api.types.is_numeric_dtype(results.runs[name]))


def uncertainty_ranges(results: Results) -> dict[str, tuple[float, float]]:
    """Each numeric sampled uncertainty's lowest and highest value over the runs (none
    without worlds)."""
    runs = results.runs
    return {
        u: (float(runs[u].min()), float(runs[u].max()))
        for u in results.uncertainties
        if is_numeric(results, u)
    }


def uncertainty_values(results: Results) -> dict[str, list[str]]:
    """Each sampled uncertainty that is not a number (a text, a whole distribution as its
    JSON text) and the values it takes over the runs, sorted."""
    return {
        u: sorted({str(v) for v in results.runs[u].dropna()})
        for u in results.uncertainties
        if not is_numeric(results, u)
    }


def within(
    results: Results,
    ranges: Sequence[tuple[str, float, float]],
    kept: Sequence[tuple[str, Sequence[str]]] = (),
) -> Results:
    """``results`` with only the runs whose sampled uncertainties lie in the given ranges
    and take the kept values.

    Every variant of a world shares the world's values, so whole worlds are kept or dropped
    and the comparisons stay paired; the robustness charts are computed again on what is kept.
    """
    if not ranges and not kept:
        return results
    keep = pd.Series(True, index=results.runs.index)
    for name, low, high in ranges:
        keep &= results.runs[name].between(low, high)
    for name, values in kept:
        keep &= results.runs[name].astype(str).isin(set(values))
    ids = set(results.runs.loc[keep, "run_id"])

    def only(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["run_id"].isin(ids)] if "run_id" in table.columns else table

    return dataclasses.replace(
        results,
        runs=results.runs[keep],
        timeseries=only(results.timeseries),
        visibility=only(results.visibility),
        by_region=only(results.by_region),
        by_kind=only(results.by_kind),
        outages=only(results.outages),
    )


def chosen(results: Results, selection: Selection) -> Results:
    """The runs of the chosen worlds and variants."""
    return narrowed(within(results, selection.ranges, selection.kept), selection.variants)


def narrowed(results: Results, variants: Sequence[str]) -> Results:
    """``results`` with only ``variants`` (every one when empty); the baseline stays when kept,
    else the first kept variant takes its place."""
    keep = [v for v in results.variants if v in variants] if variants else results.variants
    if keep == results.variants:
        return results

    def only(table: pd.DataFrame) -> pd.DataFrame:
        return table[table["variant"].isin(keep)] if "variant" in table.columns else table

    baseline = results.baseline if results.baseline in keep else (keep[0] if keep else None)
    return dataclasses.replace(
        results,
        runs=only(results.runs),
        timeseries=only(results.timeseries),
        visibility=only(results.visibility),
        by_region=only(results.by_region),
        by_kind=only(results.by_kind),
        outages=only(results.outages),
        variants=keep,
        baseline=baseline,
    )


def region_runs(results: Results, region: str) -> pd.DataFrame:
    """One row per run with the metrics of ``region``'s queriers (the runs as they are for
    the whole world)."""
    if region == WORLD:
        return results.runs
    rows = results.by_region[results.by_region["region"] == region].drop(columns="region")
    status = results.runs[[*KEYS, "status"]]
    return status.merge(rows, on=list(KEYS), how="inner")


def comparison(results: Results, selection: Selection) -> pd.DataFrame:
    """Mean and confidence interval of the metric per variant and grid point."""
    metric = selection.metric or metric_choices(results)[0]
    return summarise(region_runs(chosen(results, selection), selection.region), [metric])


def differences(results: Results, selection: Selection) -> pd.DataFrame:
    """Each variant minus the baseline, paired on point and replication (common random
    numbers), with its interval; empty with fewer than two variants."""
    kept = chosen(results, selection)
    metric = selection.metric or metric_choices(results)[0]
    if kept.baseline is None or len(kept.variants) < 2:
        return pd.DataFrame()
    return paired_differences(region_runs(kept, selection.region), kept.baseline, [metric])


def worlds_spread(results: Results, selection: Selection) -> pd.DataFrame:
    """Over sampled worlds, the chosen metric's 5th, 50th and 95th percentiles per variant
    and grid point, with the lowest and highest: what may happen, beside the interval of the
    mean (empty without worlds)."""
    from sim.verdict.spread import spread

    kept = chosen(results, selection)
    metric = selection.metric or metric_choices(results)[0]
    if not kept.worlds:
        return pd.DataFrame()
    runs = region_runs(kept, selection.region)
    if "world" not in runs:
        runs = runs.merge(kept.runs[["run_id", "world"]], on="run_id")
    return spread(runs, [metric])


def spread_shown(results: Results, selection: Selection) -> pd.DataFrame:
    """:func:`worlds_spread` in display units (the catalogue's one formatter: shares in
    percent), a count of worlds as a count."""
    from sim.commands.formatting import shown_value

    table = worlds_spread(results, selection)
    if table.empty:
        return table
    metric = selection.metric or metric_choices(results)[0]
    shown = shown_value(metric)
    values = [c for c in ("p05", "p50", "p95", "min", "max") if c in table.columns]
    return table.assign(**{c: table[c].map(shown) for c in values})


def gains(results: Results, selection: Selection) -> pd.DataFrame:
    """What each gain over the baseline costs, per chosen variant (the report's table): hits
    gained and missed and false hits avoided a year against servers, bandwidth, staff hours,
    copies held and euros, and the euros per missed hit avoided."""
    from sim.reporting.verdict_text import gains_table

    table = gains_table(chosen(results, selection))
    return table.rename_axis("against the baseline").reset_index() if not table.empty else table


def region_view(results: Results, region: str) -> Results:
    """``results`` with ``region``'s daily series in place of the world's, so that the
    day-by-day charts (which draw the world's rows) draw that region's queriers instead."""
    ts = results.timeseries
    if region == WORLD or ts.empty or "region" not in ts.columns:
        return results
    return dataclasses.replace(results, timeseries=ts[ts["region"] == region].assign(region=WORLD))


def daily_regions(results: Results) -> list[str]:
    """The regions with a daily series: the world first."""
    ts = results.timeseries
    found = ts["region"].dropna().unique() if "region" in ts.columns else []
    return [WORLD, *sorted(str(r) for r in found if r != WORLD)]


def chart_png(results: Results, selection: Selection) -> bytes:
    """The chosen chart of the chosen variants and worlds, as the report draws it; the
    day-by-day charts for the chosen region."""
    figure, _ = CHARTS[selection.chart](region_view(chosen(results, selection), selection.region))
    return render(figure, "png")


# --- as the CLI shows them --------------------------------------------------------------------


def metric_labels(results: Results) -> dict[str, str]:
    """The metric choices by their catalogue label and unit (``Completeness (%)``)."""
    from sim.catalogue import metric_spec

    return {metric_spec(m).axis_label: m for m in metric_choices(results)}


def comparison_shown(results: Results, selection: Selection) -> pd.DataFrame:
    """:func:`comparison` as ``pdsa compare`` prints it: each variant's runs and its mean with
    the 95 % interval, in display units (shares in percent), under the metric's label."""
    from sim.catalogue import metric_spec
    from sim.commands.compare import clipped, with_interval
    from sim.commands.formatting import shown_value

    metric = selection.metric or metric_choices(results)[0]
    table = comparison(results, selection)
    share = metric_spec(metric).share
    rows = [
        [str(row.variant), str(row.n),
         with_interval(row.mean, *clipped(row, share), shown_value(metric))]
        for row in table.itertuples(index=False)
    ]  # fmt: skip
    heading = f"{metric_spec(metric).axis_label}: mean [95% CI]"
    return pd.DataFrame(rows, columns=["variant", "runs", heading])


def differences_shown(results: Results, selection: Selection) -> pd.DataFrame:
    """:func:`differences` as ``pdsa compare`` prints them: signed, shares in percentage
    points, ``*`` when the paired interval excludes zero."""
    from sim.commands.compare import difference_cell

    metric = selection.metric or metric_choices(results)[0]
    table = differences(results, selection)
    kept = chosen(results, selection)
    if table.empty:
        return pd.DataFrame()
    pp = " pp" if _share(metric) else ""
    frame = table.rename(columns={"ci_low": "diff_ci_low", "ci_high": "diff_ci_high"})
    rows = [
        [str(row.variant), difference_cell(row, metric, str(kept.baseline), pp)]
        for row in frame.itertuples(index=False)
    ]
    heading = f"vs {kept.baseline} [95% CI] (* significant at 95 %)"
    return pd.DataFrame(rows, columns=["variant", heading])


def by_part_shown(results: Results, selection: Selection) -> pd.DataFrame:
    """The chosen metric for each region's officers (or each record kind), as ``pdsa compare
    --by region`` prints it: each variant's runs, mean [95 % CI] and paired difference from
    the baseline [95 % CI], ``*`` when significant (first grid point of a grid); empty when
    the runs have no such breakdown or no value of the metric there."""
    from sim.analysis import breakdown_comparison
    from sim.catalogue import metric_spec
    from sim.commands.compare import clipped, difference_cell, with_interval
    from sim.commands.formatting import shown_value

    kept = chosen(results, selection)
    metric = selection.metric or metric_choices(results)[0]
    table = kept.breakdown(selection.by)
    if table.empty or kept.baseline is None or metric not in table or table[metric].isna().all():
        return pd.DataFrame()
    first = sorted(table["point_id"].astype(str).unique())[0]
    table = table[table["point_id"].astype(str) == first]
    found = breakdown_comparison(table, selection.by, kept.baseline, [metric])
    share, pp = metric_spec(metric).share, " pp" if _share(metric) else ""
    rows = [
        [str(getattr(row, selection.by)).replace("_", " "), str(row.variant), str(row.n),
         with_interval(row.mean, *clipped(row, share), shown_value(metric)),
         difference_cell(row, metric, str(kept.baseline), pp)]
        for row in found.itertuples(index=False)
    ]  # fmt: skip
    headers = [selection.by, "variant", "runs", f"{metric_spec(metric).axis_label}: mean [95% CI]"]
    headers.append(f"vs {kept.baseline} [95% CI] (* significant at 95 %)")
    return pd.DataFrame(rows, columns=headers)


def _share(metric: str) -> bool:
    from sim.catalogue import metric_spec

    return metric_spec(metric).share
