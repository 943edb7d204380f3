"""The report a strategist hands to decision makers: one self-contained HTML file, or Markdown.

Sections: executive summary in plain sentences, the charts, the metric table, the scenario's key
assumptions, what each metric means, provenance, failed runs. The HTML embeds its figures as
base64 PNG and its CSS inline, so it opens offline and can be e-mailed as one file.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.analysis import paired_differences, summarise
from sim.catalogue import (
    CATALOGUE,
    NEVER_QUANTILES,
    better_higher,
    difference_with_unit,
    drift_sentence,
    materiality,
    number_text,
    value_with_unit,
)
from sim.config import ConfigError
from sim.config.schema import CorrelatedOutage
from sim.reporting.bottom_line import status_quo_guesses, verdict
from sim.reporting.charts import (
    CHARTS,
    ROBUSTNESS_CHARTS,
    charts_for,
    first_point,
    point_note,
    render,
    summary_table,
)
from sim.reporting.charts.base import is_placeholder
from sim.reporting.definitions import COMPARISON_METRICS, info, scale
from sim.reporting.footer import footer
from sim.reporting.loading import Results
from sim.reporting.outcome_text import baseline_words, outcome_sentences
from sim.reporting.region_text import REGION_NOTE, ROAD_MAP_NOTE, region_table, road_map
from sim.reporting.robust_text import robustness_sentences
from sim.reporting.tables import markdown_table
from sim.reporting.verdict_text import (
    fixed_rows,
    gains_table,
    spread_sentence,
    spread_table,
    uncertainty_rows,
)
from sim.results import write_atomic
from sim.textsafe import csv_bytes, markdown
from sim.verdict.ties import describe, equivalent_means

SUMMARY_METRICS = (*COMPARISON_METRICS[:2], "inconsistency_rate", *COMPARISON_METRICS[2:])
TABLE_METRICS = (
    "completeness", "coverage", "ghost_rate", "stale_rate", "inconsistency_rate",
    "conflict_rate", "lag_p50_hours", "lag_p95_hours", "never_visible_fraction",
    "query_latency_p95_seconds", "query_availability", "answer_share_mean", "exposure",
    "hits_per_year", "missed_hits_per_year", "false_hits_per_year", "stale_hits_per_year",
    "busiest_store_peak_per_second", "servers_needed_total", "staff_hours_per_year",
    "bandwidth_gb_per_day_total", "storage_gb_total",
)  # fmt: skip

CHART_TITLES = {
    "comparison": "Architecture comparison",
    "outcomes_costs": "What it means at the border, and what it costs",
    "tradeoff": "Trade-off: completeness against inconsistency",
    "sensitivity": "Sensitivity to the varied assumptions",
    "over_time": "Over time",
    "behaviour": "Agent behaviour",
    "visibility": "Time to visibility in another region",
    "regions": "Completeness by region",
    "region_gains": "Gain over the baseline by region",
    "load": "Network load",
    "differences": "Precision of the estimates: paired differences from the baseline",
    "ranking_odds": "Ranking odds over the plausible worlds",
    "distribution": "What may happen: the distribution over plausible worlds",
    "regret": "Regret: the shortfall from the best lever in each world",
    "worlds_tradeoff": "The trade-off across worlds",
    "settings": "A lever's own settings: where each threshold holds",
    "break_even": "Break-even values of the uncertainties",
    "scenario_discovery": "Where the leader loses first place (PRIM)",
}


CHART_READING = {
    "comparison": "Read across each panel: the taller bar is better where the panel says"
    " 'higher is better'; whiskers that overlap mean the runs cannot tell the two apart.",
    "outcomes_costs": "Top row: what officers at the border get (fewer missed and false hits"
    " is better); bottom row: what it costs in staff, servers and bandwidth.",
    "tradeoff": "Up and to the left is better: more complete and fewer wrong answers. Circled"
    " variants are not beaten on both at once; the others are.",
    "sensitivity": "How far each line moves across the varied assumption: a steep line is a"
    " verdict that depends on it; lines that cross mean the ranking changes.",
    "over_time": "Whether the lines are steady after the warm-up: dips are outages or"
    " backlogs; a drift means the measured window is too short.",
    "behaviour": "Whether trust, willingness to share and backlogs settle or keep drifting:"
    " a drift means the feedbacks, not the architecture, drive the result.",
    "visibility": "How soon a new alert is visible to an officer in another region: the"
    " higher and further left the curve, the sooner; where it levels off below 100 %, the"
    " rest is never seen.",
    "regions": "Which regions the architectures leave behind: compare the colours along a"
    " row; darker cells are less complete.",
    "region_gains": "Right of the dashed line is a gain in completeness (left: fewer wrong"
    " answers); a whisker that crosses it is no evidence of a difference in that region.",
    "load": "Messages a day at real volume by link class: the height is what the networks"
    " must carry.",
    "differences": "Each variant against the baseline, with its interval: a point right of"
    " zero is better where higher is better; an interval crossing zero is no evidence of a"
    " difference.",
    "ranking_odds": "How often each lever ranks first, second... over the plausible worlds:"
    " a lever that is first in most worlds is a robust choice.",
    "regret": "How far each lever falls short of the best one in each world: the smaller"
    " the worst case, the safer the choice.",
    "distribution": "Where each curve crosses the shaded band is the range of what may happen"
    " under that lever in 90 % of plausible worlds; curves that overlap are levers the worlds"
    " cannot tell apart.",
    "worlds_tradeoff": "Each point is one plausible world: where two levers' clouds separate,"
    " one buys its advantage on one criterion with the other; where they overlap, neither"
    " gives anything up.",
    "settings": "How far a lever's own setting can go: left of the dotted line the threshold"
    " holds in at least the share of worlds the dashed line marks.",
    "break_even": "Where the difference crosses zero is the value of the assumption at which"
    " the two levers swap places.",
    "scenario_discovery": "The ranges of the assumptions where the leader loses first place:"
    " if the real world lies there, choose otherwise.",
}
"""What to read in each chart: the figure caption of the report and the notes of a slide."""


def reading(name: str, title: str) -> str:
    return CHART_READING.get(name, title)


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    png: bytes
    data: pd.DataFrame


# --- numbers in words ------------------------------------------------------------------------


def fmt(metric: str, value: float) -> str:
    """A value in display units, as every table shows it: ``96.3 %``, ``158 hours``,
    ``0.0022 %``, ``never``."""
    return value_with_unit(metric, value)


def fmt_diff(metric: str, value: float) -> str:
    """The size of a gap in words: ``13.7 percentage points``, ``2.10 hours``."""
    meta = info(metric)
    shown = number_text(abs(value) * scale(metric), meta.share)
    return f"{shown} percentage points" if meta.share else f"{shown} {meta.unit}"


def ranked(means: pd.Series, metric: str) -> list[str]:
    """Variants best first."""
    return list(means.sort_values(ascending=not better_higher(metric)).index)


def summary_sentence(results: Results, runs: pd.DataFrame, metric: str) -> str | None:
    """Who leads on ``metric``, by how much over the runner-up, and how sure we are; a variant
    that *never* reaches a lag percentile ranks last, never drops out."""
    table = summarise(runs, [metric]).dropna(subset=["mean"])
    if table.empty:
        return None
    means = table.set_index("variant")["mean"]
    label = info(metric).label.lower()
    if np.isinf(means).all():
        return f"{label.capitalize()}: never for every variant.{never_words(metric)}"
    if len(means) == 1:
        return f"{label.capitalize()}: {fmt(metric, means.iloc[0])} ({means.index[0]})."
    order = ranked(means, metric)
    best, second, worst = order[0], order[1], order[-1]
    tail = (
        last_words(metric, means, worst)
        if fmt(metric, means[worst]) != fmt(metric, means[second]) and len(order) > 2
        else ""
    )
    if fmt(metric, means[best]) == fmt(metric, means[second]):
        tied = [v for v in order if fmt(metric, means[v]) == fmt(metric, means[best])]
        return f"{', '.join(tied)} tie on {label} at {fmt(metric, means[best])}.{tail}"
    equal = equivalent_means(means, metric, materiality(metric))
    if len(equal) > 1:
        values = ", ".join(f"{v} {fmt(metric, means[v])}" for v in equal)
        within = describe(metric, materiality(metric))
        return (
            f"On {label}, {', '.join(equal)} are equivalent ({values}): within {within} of the"
            f" best, their order is noise, not a ranking.{tail}"
        )
    lead = f"{best} leads on {label} with {fmt(metric, means[best])}"
    if np.isinf(means[second]):
        nevers = [v for v in order if np.isinf(means[v])]
        return f"{lead}; {', '.join(nevers)}: never.{never_words(metric)}"
    gap = fmt_diff(metric, means[best] - means[second])
    if results.single_run:
        return f"{lead}, {gap} ahead of {second} (one run per variant, so no interval).{tail}"
    diff = paired_differences(runs, second, [metric])
    row = diff[diff["variant"] == best]
    if row.empty or pd.isna(row["ci_low"].iloc[0]):
        return f"{lead}, {gap} ahead of {second} (too few paired runs for an interval).{tail}"
    r = row.iloc[0]
    low, high = (
        (r["ci_low"], r["ci_high"]) if better_higher(metric) else (-r["ci_high"], -r["ci_low"])
    )  # the lead, positive when the leader is better
    interval = f"95 % interval of the lead {signed(metric, low)} to {signed(metric, high)}"
    if not r["significant"]:
        return (
            f"On {label}, no significant difference between {best}"
            f" ({fmt(metric, means[best])}) and {second} ({fmt(metric, means[second])}):"
            f" {interval}.{tail}"
        )
    return f"{lead}, {gap} ahead of {second} ({interval}).{tail}"


def last_words(metric: str, means: pd.Series, worst: str) -> str:
    """`` X is last at 19.5 hours.``, or `` X is last: never (...).`` for a never."""
    if np.isinf(means[worst]):
        return f" {worst} is last: never.{never_words(metric)}"
    return f" {worst} is last at {fmt(metric, means[worst])}."


def never_words(metric: str) -> str:
    """What *never* means for a lag percentile: too many records never become visible."""
    quantile = NEVER_QUANTILES.get(metric)
    if quantile is None:
        return ""
    return (
        f" Never: more than {100 * (1 - quantile):g} % of new shareable records never reach"
        " an officer entitled to them."
    )


def signed(metric: str, value: float) -> str:
    return difference_with_unit(metric, value)


def executive_summary(results: Results) -> list[str]:
    runs = first_point(results)
    if runs.empty:
        return ["Every run failed: there is nothing to compare. See the failed runs below."]
    sentences = [
        s for m in SUMMARY_METRICS if m in runs.columns
        if (s := summary_sentence(results, runs, m)) is not None
    ]  # fmt: skip
    n = results.replications
    over = (
        f"{results.worlds} sampled worlds ({n} runs each, pooled)"
        if results.worlds
        else f"{n} replication(s) each"
    )
    head = (
        f"{len(results.variants)} variant(s) of scenario {results.scenario.get('name', '?')}"
        f" compared over {over}"
    )
    if results.failed_runs.shape[0]:
        head += f"; {len(results.failed_runs)} run(s) failed and are left out"
    note = (
        " Differences are paired on common seeds: each variant saw the same simulated world"
        " and the interval is the 95 % confidence interval of the mean difference."
        if not results.single_run
        else ""
    )
    spread_words = spread_sentence(results)
    return [
        head + "." + note,
        *drift_notes(results),
        *sentences,
        *outcome_sentences(results),
        *([spread_words] if spread_words else []),
    ]


# --- tables ----------------------------------------------------------------------------------


def metric_table(results: Results) -> pd.DataFrame:
    """Variants as columns, metrics as rows, ``mean [low, high]`` in display units."""
    runs = first_point(results)
    metrics = [m for m in TABLE_METRICS if m in runs.columns]
    if runs.empty or not metrics:
        return pd.DataFrame()
    table = summary_table(runs, metrics, results.variants)  # display units, intervals clipped
    cells: dict[str, dict[str, str]] = {}
    for row in table.itertuples():
        share = info(row.metric).share
        text = number_text(row.mean, share)
        if not pd.isna(row.ci_low) and not pd.isna(row.ci_high):
            text += f" [{number_text(row.ci_low, share)}, {number_text(row.ci_high, share)}]"
        cells.setdefault(info(row.metric).axis_label, {})[str(row.variant)] = text
    frame = pd.DataFrame.from_dict(cells, orient="index")
    order = [info(m).axis_label for m in metrics]
    return frame.reindex(index=order, columns=[v for v in results.variants if v in frame.columns])


def dist_text(dist: Any) -> str:
    if not isinstance(dist, dict):
        return str(dist)
    kind = dist.get("dist")
    if kind == "fixed":
        return f"{dist.get('value'):g}"
    if "mean" in dist:
        return f"{kind}, mean {dist['mean']:g}"
    return ", ".join(f"{k} {v}" for k, v in dist.items())


def assumptions(results: Results) -> list[tuple[str, str]]:
    """The key parameters of the scenario as it ran (the baseline's, with the experiment's
    ``set`` applied), in words: each record kind with its own values, the keys the experiment
    set, and the uncertainties sampled over worlds with their ranges. Most are estimates, not
    facts."""
    s = results.scenario_as_run
    if not s:
        return []
    world = s.get("world") or {}
    sampled = sampled_keys(results)
    rows = [
        ("Scenario", str(s.get("name", "?"))),
        ("Simulated period", f"{s.get('horizon_days', 0):g} days, of which the first "
         f"{s.get('warmup_days', 0):g} are warm-up and not measured"),
        ("Countries (NCBs)", str(len(world.get("countries") or []) or world.get("preset", "?"))),
        ("Regional platforms", ", ".join(p.get("name", "?") for p in world.get("platforms") or [])
         or "none"),
        *record_rows(s, sampled),
        ("Searches per country per day", str((s.get("queries") or {}).get("per_country_per_day"))),
    ]  # fmt: skip
    for name, link in (s.get("links") or {}).items():
        delay = (link or {}).get("delay_hours")
        if isinstance(delay, dict) and not (
            delay.get("dist") == "fixed" and not delay.get("value")
        ):
            rows.append((f"Delay on link {name.replace('_', ' ')} (hours)", dist_text(delay)))
    for store, outage in (s.get("outages") or {}).items():
        if store == "correlated":
            rows += correlated_rows(outage or [])
        elif outage:
            rows.append(
                (
                    f"Outages of {store}",
                    f"one every {outage['mtbf_days']:g} days on "
                    f"average, lasting {outage['mttr_hours']:g} hours on average",
                )
            )
    rows += [("Status-quo guess [E]", guess) for guess in status_quo_guesses(results, sampled)]
    rows += experiment_rows(results)
    if results.kind == "run":
        rows.append(("Architecture", json.dumps(s.get("architecture"))))
    else:
        rows.append(("Variants compared", ", ".join(results.variants)))
    return rows


def record_rows(s: dict[str, Any], sampled: dict[str, str]) -> list[tuple[str, str]]:
    """New records a day, then each record kind with the values the run used (a kind's own,
    else the records' defaults); a value sampled over worlds shows its range."""
    from sim.config import scenario_from_dict

    records = s.get("records") or {}
    created = sampled.get(
        "records.creation_per_country_per_day", f"{records.get('creation_per_country_per_day')}"
    )
    rows = [("New records per country per day", created)]
    try:
        kinds = scenario_from_dict(s).records.kind_specs()
    except ConfigError:  # a scenario written by another version: its defaults, as stored
        return [*rows, ("Record lifetime (days)", dist_text(records.get("lifetime_days")))]
    for kind in kinds:
        where = f"records.kinds.{kind.name}" if kind.name in (records.get("kinds") or {}) else ""
        rows.append((f"Records: {kind.name.replace('_', ' ')}", kind_text(kind, where, sampled)))
    return rows


def kind_text(kind: Any, where: str, sampled: dict[str, str]) -> str:
    """``58 % of new records; lifetime exponential, mean 1,460 days; 0.001 updates a day;
    scope global 95 % / regional 4 % / national 1 %; review every 1,825 days, extended with
    probability 0.5``."""

    def value(key: str, text: str) -> str:
        return sampled.get(f"{where}.{key}" if where else f"records.{key}", text)

    g, r, n = kind.scope.shares()
    parts = [
        f"{100 * kind.share:.3g} % of new records",
        f"lifetime {value('lifetime_days', dist_text(kind.lifetime_days.model_dump()))} days",
        f"{value('updates_per_record_per_day', f'{kind.updates_per_record_per_day:g}')} updates"
        " a day",
        f"scope global {100 * g:.3g} % / regional {100 * r:.3g} % / national {100 * n:.3g} %",
    ]
    if kind.review_days:
        parts.append(
            f"review every {kind.review_days:,.0f} days, extended with probability"
            f" {value('extension_probability', f'{kind.extension_probability:g}')}"
        )
    return "; ".join(parts)


def sampled_keys(results: Results) -> dict[str, str]:
    """Scenario key -> ``sampled over [0.8, 0.99]`` for each key the worlds sample."""
    ranges = results.manifest.get("uncertainty_ranges") or {}
    if not results.worlds:
        return {}
    out = {}
    for keys in ranges.values():
        for path, values in keys.items():
            out[path] = f"sampled over {range_text(values)}"
    return out


def range_text(values: list[Any]) -> str:
    """``0.8-0.99`` for a range, ``{7, 14, 30}`` for a set of values."""
    if len(values) == 2 and all(isinstance(v, int | float) for v in values):
        return f"{values[0]:g}-{values[1]:g}"
    return "{" + ", ".join(str(v) for v in values) + "}"


def experiment_rows(results: Results) -> list[tuple[str, str]]:
    """What the experiment changed for every run (its ``set``, with ``pdsa sweep --set``),
    what it varied over a grid, and the uncertainties it sampled over worlds."""
    m, rows = results.manifest, []
    if m.get("set"):
        values = "; ".join(f"{path} = {value}" for path, value in m["set"].items())
        rows.append(("Set for every run by the experiment", values))
    if results.factors:
        rows.append(("Varied over a grid", ", ".join(results.factors)))
    if results.worlds:
        ranges = m.get("uncertainty_ranges") or {}
        sampled = "; ".join(
            f"{name}: " + ", ".join(f"{path} {range_text(v)}" for path, v in keys.items())
            for name, keys in ranges.items()
        ) or ", ".join(results.uncertainties)
        rows.append((f"Sampled over {results.worlds} plausible worlds", sampled))
    return rows


def drift_notes(results: Results) -> list[str]:
    """A sentence for each headline share that drifts over the measured window (charted grid
    point), so that its one number is not read as a steady state."""
    from sim.analysis import drifts

    ts = results.timeseries
    if ts.empty or "variant" not in ts.columns:
        return []
    point = first_point(results)
    if "run_id" in ts.columns and not point.empty:
        ts = ts[ts["run_id"].isin(set(point["run_id"]))]
    return [drift_sentence(*row) for row in drifts(ts).itertuples(index=False)]


def caveats(results: Results) -> list[str]:
    """What the numbers rest on, for the slide of key assumptions and caveats: whether the
    world is illustrative, trends the single numbers average, the untested guesses (or the
    robustness over worlds), what the experiment set and sampled."""
    from sim.reporting.bottom_line import assumptions_sentence
    from sim.reporting.footer import caveat, scale_of

    scale = scale_of(results)
    out = [caveat(scale.ncbs)] if caveat(scale.ncbs) else []
    if scale.sample_fraction < 1:
        out.append(
            f"{100 * scale.sample_fraction:.3g} % of the records simulated; counts scaled back"
            " to real volume."
        )
    out += drift_notes(results)
    out.append(assumptions_sentence(results))
    out += [f"{label}: {value}." for label, value in experiment_rows(results)]
    return [c for c in out if c]


def correlated_rows(domains: Sequence[Any]) -> list[tuple[str, str]]:
    """One row per failure domain of a resolved scenario: its members and its events (its
    name alone when a file from another version does not validate)."""
    rows = []
    for data in domains:
        try:
            text = CorrelatedOutage.model_validate(data).summary()
        except ValidationError:
            text = "(not readable by this version)"
        name = data.get("name", "?") if isinstance(data, dict) else "?"
        rows.append((f"Correlated outages of {name} (all down at once)", text))
    return rows


def provenance(results: Results) -> list[tuple[str, str]]:
    m = results.manifest
    keys = ("experiment", "experiment_sha256", "scenario_sha256", "version", "python", "seed",
            "replications", "started", "finished")  # fmt: skip
    rows = [(k, str(m[k])) for k in keys if m.get(k) not in (None, "")]
    if m.get("counts"):
        rows.append(("runs", ", ".join(f"{k} {v}" for k, v in m["counts"].items())))
    if m.get("dependencies"):
        rows.append(("dependencies", ", ".join(f"{k} {v}" for k, v in m["dependencies"].items())))
    rows.append(("results directory", str(results.path)))
    rows.append(("report written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")))
    return rows


def failures(results: Results) -> pd.DataFrame:
    failed = results.failed_runs
    columns = [c for c in ("run_id", "variant", "point_id", "replication", "seed", "error")
               if c in failed.columns]  # fmt: skip
    table = failed[columns].copy()
    listed = set(table.get("run_id", []))
    extra = [f for f in results.manifest.get("failures") or [] if f.get("run_id") not in listed]
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True) if extra else table


OnProgress = Callable[[str, int, int], None]
"""``(what, done, total)``: the report's progress, one chart at a time (``done`` of ``total``),
``done == 0`` as a step starts."""


def figures(
    results: Results,
    names: Sequence[str] | None = None,
    size: str = "a4",
    on_progress: OnProgress | None = None,
) -> list[Figure]:
    """The named figures (by default every chart with something to show for ``results``) as
    PNG at ``size``; a chart with nothing to show (no grid, behaviour off) is left out, never
    embedded empty. ``on_progress`` hears of each chart as it is drawn."""
    out = []
    chosen = list(names or charts_for(results))
    for i, name in enumerate(chosen):
        if on_progress is not None:
            on_progress(f"chart {name}", i, len(chosen))
        fig, data = CHARTS[name](results)
        if not is_placeholder(fig):
            out.append(Figure(name, CHART_TITLES[name], render(fig, "png", size), data))
    if on_progress is not None:
        on_progress("charts", len(chosen), len(chosen))
    return out


# --- HTML ------------------------------------------------------------------------------------

CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;
margin-top:2rem}.sub{color:#555;margin-top:0}
ul.summary li{margin:.35rem 0}
figure{margin:1.5rem 0;page-break-inside:avoid}figure img{width:100%;height:auto;
border:1px solid #eee}figcaption{font-size:.85rem;color:#555}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{font-size:.85rem;color:#555}
p.bottom{font-size:1.05rem;background:#f6f8fa;border-left:4px solid #0072B2;padding:.6rem .9rem}
.failed{color:#a00}
"""


def esc(value: Any) -> str:
    return html.escape(str(value))


def html_pairs(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def html_frame(frame: pd.DataFrame, index: bool = True, css: str = "") -> str:
    head = ("<th></th>" if index else "") + "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for label, row in frame.iterrows():
        cells = "".join(f"<td class='num'>{esc(v)}</td>" for v in row)
        rows.append(f"<tr>{f'<th>{esc(label)}</th>' if index else ''}{cells}</tr>")
    return f"<table class='{css}'><tr>{head}</tr>{''.join(rows)}</table>"


def html_figures(figs: Sequence[Figure]) -> str:
    return "".join(
        f"<figure id='{f.name}'><img alt='{esc(f.title)}' "
        f"src='data:image/png;base64,{base64.b64encode(f.png).decode()}'>"
        f"<figcaption><b>{esc(f.title)}.</b> {esc(reading(f.name, ''))}</figcaption></figure>"
        for f in figs
    )


def html_robustness(results: Results, figs: Sequence[Figure]) -> str:
    """The section "How robust is the ranking?", or nothing for a sweep without worlds."""
    sentences = robustness_sentences(results)
    if not sentences:
        return ""
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    robust = [f for f in figs if f.name in ROBUSTNESS_CHARTS]
    sampled = html_pairs(uncertainty_rows(results))
    fixed = fixed_rows(results)
    fixed_html = (
        "<p class='note'>Headlines resting on values the worlds did not sample (their spread"
        f" leaves these out):</p>{html_pairs(fixed)}"
        if fixed
        else ""
    )
    return (
        f"<h2>How robust is the ranking?</h2><ul class='summary'>{items}</ul>{html_figures(robust)}"
        f"<p class='note'>The uncertainties sampled, with the range of their values:</p>{sampled}"
        f"{fixed_html}"
    )


def html_verdict_tables(results: Results) -> str:
    """What may happen over the worlds, and what each gain over the baseline costs."""
    out = []
    band = spread_table(results)
    if not band.empty:
        out.append(
            "<h2>What may happen: the range over plausible worlds</h2><p class='note'>5th to"
            " 95th percentile of each headline over the sampled worlds: 90 % of plausible"
            " worlds fall inside; the confidence interval of the mean (the metric table) says"
            f" only how precisely the average is known.</p>{html_frame(band)}"
        )
    gains = gains_table(results)
    if not gains.empty:
        out.append(
            f"<h2>What each gain costs, against {esc(baseline_named(results))}</h2>"
            f"<p class='note'>"
            f"{esc(GAINS_NOTE)}</p>{html_frame(gains)}"
        )
    return "".join(out)


GAINS_NOTE = (
    "Each lever minus the baseline, pair by pair on common seeds (world by world when worlds"
    " were sampled): the mean, and in brackets the 5th to 95th percentile over the worlds. The"
    " euros per missed hit avoided are the mean extra cost over the mean missed hits avoided,"
    " with a bootstrap 95 % interval; prices are assumptions (scenarios/README.md)."
)


def html_bottom_line(results: Results) -> str:
    """The decision in two sentences, then its detail as bullets."""
    found = verdict(results)
    if found is None:
        return ""
    details = "".join(f"<li>{esc(d)}</li>" for d in found.details)
    return (
        f"<h2>Bottom line</h2><p class='bottom'>{esc(found.decision)}</p>"
        f"<ul class='summary'>{details}</ul>"
    )


def html_regions(results: Results) -> str:
    """The per-region table, then the road map period by period (when a variant has one)."""
    table = region_table(results)
    if table.empty:
        return ""
    out = [
        f"<h2 id='by-region'>Results by region, against {esc(baseline_named(results))}</h2>"
        f"<p class='note'>{esc(REGION_NOTE)} {esc(point_sentence(results))}</p>{html_frame(table)}"
    ]
    stages = road_map(results)
    if stages:
        out.append(
            f"<h2 id='road-map'>The road map, period by period</h2><p class='note'>"
            f"{esc(ROAD_MAP_NOTE)} The daily path is in the chart "
            f"<a href='#over_time'>{esc(CHART_TITLES['over_time'])}</a>.</p>"
        )
        for stage in stages:
            items = "".join(f"<li>{esc(s)}</li>" for s in stage.sentences)
            out.append(
                f"<h3>{esc(stage.title)}</h3><ul class='summary'>{items}</ul>"
                f"{html_frame(stage.table)}"
            )
    return "".join(out)


def html_footer(results: Results) -> str:
    return f"<p class='note'>{esc(footer(results))}</p>"


def html_report(results: Results, figs: Sequence[Figure]) -> str:
    summary = "".join(f"<li>{esc(s)}</li>" for s in executive_summary(results))
    charts = html_figures([f for f in figs if f.name not in ROBUSTNESS_CHARTS])
    table = metric_table(results)
    definitions = [(meta.label, meta.definition) for meta in CATALOGUE.values()]
    failed = failures(results)
    failed_html = (
        html_frame(failed.astype(str), index=False, css="failed")
        if len(failed)
        else "<p>None: every run completed.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(results.name)}: data-sharing architectures compared</title>
<style>{CSS}</style></head><body>
<h1>{esc(results.name)}: data-sharing architectures compared</h1>
<p class="sub">Simulated with pdsa {esc(results.manifest.get("version", ""))}.
Variants: {esc(", ".join(results.variants))}. Baseline: {esc(baseline_named(results))}.</p>
{html_footer(results)}
{html_bottom_line(results)}
<h2>Executive summary</h2><ul class="summary">{summary}</ul>
{html_robustness(results, figs)}
<h2>Charts</h2>{charts}
{html_regions(results)}
{html_verdict_tables(results)}
<h2>Metrics</h2>
<p class="note">{esc(mean_words(results))} with the 95 % confidence interval in brackets
{esc(point_sentence(results))}.</p>
{html_frame(table) if not table.empty else "<p>No metrics.</p>"}
<h2>Key assumptions</h2>
<p class="note">Scenario parameters as they ran, most of them estimates rather than published
figures: read the results as "if these assumptions hold".</p>
<ul class="summary">{"".join(f"<li>{esc(c)}</li>" for c in caveats(results))}</ul>
{html_pairs(assumptions(results))}
<h2>What the metrics mean</h2>{html_pairs(definitions)}
<h2>Provenance</h2>{html_pairs(provenance(results))}
<h2>Failed runs</h2>{failed_html}
</body></html>
"""


def mean_words(results: Results) -> str:
    """``Mean over 5 replications``, ``Mean over 64 sampled worlds (1 run each, pooled)``."""
    if results.worlds:
        n = int(results.manifest.get("replications") or 1)
        return f"Mean over {results.worlds} sampled worlds ({n} run(s) in each, pooled)"
    if results.single_run:
        return "One run per variant (no interval)"
    return f"Mean over {results.replications} replications"


def baseline_named(results: Results) -> str:
    """``fragmented (today's system)``: the baseline, and whether it is the status quo."""
    today = baseline_words(results) == "today"
    return f"{results.baseline} (today's system)" if today else str(results.baseline)


def point_sentence(results: Results) -> str:
    note = point_note(results)
    return f"({note})" if note else ""


# --- Markdown --------------------------------------------------------------------------------


def md_table(frame: pd.DataFrame, index: bool = True) -> str:
    columns = ([""] if index else []) + list(frame.columns)
    rows = (([label] if index else []) + list(row) for label, row in frame.iterrows())
    return markdown_table(columns, rows)


def md_pairs(rows: Sequence[tuple[str, str]]) -> str:
    return md_table(pd.DataFrame(rows, columns=["", "value"]).set_index(""), index=True)


def md_figures(figs: Sequence[Figure], figure_dir: str) -> list[str]:
    folder = markdown(figure_dir)
    return [
        f"### {f.title}\n\n![{f.title}]({folder}/{f.name}.png)\n\n"
        f"{reading(f.name, '')} Data: [{f.name}.csv]({folder}/{f.name}.csv)"
        for f in figs
    ]


def md_robustness(results: Results, figs: Sequence[Figure], figure_dir: str) -> list[str]:
    sentences = robustness_sentences(results)
    if not sentences:
        return []
    robust = [f for f in figs if f.name in ROBUSTNESS_CHARTS]
    fixed = fixed_rows(results)
    return [
        "## How robust is the ranking?",
        "\n".join(f"- {markdown(s)}" for s in sentences),
        *md_figures(robust, figure_dir),
        "The uncertainties sampled, with the range of their values:",
        md_pairs(uncertainty_rows(results)),
        *(
            ["Headlines resting on values the worlds did not sample:", md_pairs(fixed)]
            if fixed
            else []
        ),
    ]


def md_bottom_line(results: Results) -> list[str]:
    found = verdict(results)
    if found is None:
        return []
    details = "\n".join(f"- {markdown(d)}" for d in found.details)
    return ["## Bottom line", f"**{markdown(found.decision)}**", details]


def md_regions(results: Results) -> list[str]:
    """The per-region table and the road map, as :func:`html_regions` gives them."""
    table = region_table(results)
    if table.empty:
        return []
    out = [
        f"## Results by region, against {markdown(baseline_named(results))}",
        markdown(f"{REGION_NOTE} {point_sentence(results)}".strip()),
        md_table(table),
    ]
    stages = road_map(results)
    if stages:
        out += ["## The road map, period by period", markdown(f"{ROAD_MAP_NOTE} The daily path"
                f" is in the chart {CHART_TITLES['over_time']}.")]  # fmt: skip
        for stage in stages:
            out += [
                f"### {markdown(stage.title)}",
                "\n".join(f"- {markdown(s)}" for s in stage.sentences),
            ]
            out.append(md_table(stage.table))
    return out


def md_verdict_tables(results: Results) -> list[str]:
    out = []
    band = spread_table(results)
    if not band.empty:
        out += [
            "## What may happen: the range over plausible worlds",
            "5th to 95th percentile of each headline over the sampled worlds.",
            md_table(band),
        ]
    gains = gains_table(results)
    if not gains.empty:
        against = markdown(baseline_named(results))
        out += [f"## What each gain costs, against {against}", GAINS_NOTE, md_table(gains)]
    return out


def markdown_report(results: Results, figs: Sequence[Figure], figure_dir: str) -> str:
    """The report in Markdown: every name and sentence escaped (:func:`sim.textsafe.markdown`),
    so a name holding HTML, emphasis or a link is shown as written, never rendered."""
    table = metric_table(results)
    failed = failures(results)
    standard = [f for f in figs if f.name not in ROBUSTNESS_CHARTS]
    variants = ", ".join(markdown(v) for v in results.variants)
    parts = [
        f"# {markdown(results.name)}: data-sharing architectures compared",
        f"Variants: {variants}. Baseline: {markdown(baseline_named(results))}.",
        f"_{markdown(footer(results))}_",
        *md_bottom_line(results),
        "## Executive summary",
        "\n".join(f"- {markdown(s)}" for s in executive_summary(results)),
        *md_robustness(results, figs, figure_dir),
        "## Charts",
        *md_figures(standard, figure_dir),
        *md_regions(results),
        *md_verdict_tables(results),
        "## Metrics",
        markdown(f"{mean_words(results)} [95 % confidence interval] {point_sentence(results)}."),
        md_table(table) if not table.empty else "No metrics.",
        "## Key assumptions",
        "Scenario parameters as they ran, most of them estimates rather than published figures.",
        "\n".join(f"- {markdown(c)}" for c in caveats(results)),
        md_pairs(assumptions(results)),
        "## What the metrics mean",
        md_pairs([(meta.label, meta.definition) for meta in CATALOGUE.values()]),
        "## Provenance",
        md_pairs(provenance(results)),
        "## Failed runs",
        md_table(failed.astype(str), index=False) if len(failed) else "None.",
    ]  # fmt: skip
    return "\n\n".join(parts) + "\n"


def write_report(
    results: Results, out: str | Path, fmt: str = "html", on_progress: OnProgress | None = None
) -> Path:
    """Write the report, atomically; for Markdown the figures and their CSV go to
    ``<stem>_figures/``; ``pptx``: a slide deck, the bottom line then one slide per chart.
    ``on_progress`` hears of each chart drawn. Raises :class:`ResultsError` when no run
    succeeded (nothing written)."""
    out = Path(out)
    results.require_success()
    if fmt == "pptx":
        from sim.reporting.slides import write_slides

        slide_figures = figures(results, size="slide", on_progress=on_progress)
        charts = [(f.title, f.png, reading(f.name, f.title)) for f in slide_figures]
        return write_slides(results, charts, out, caveats(results))
    figs = figures(results, on_progress=on_progress)
    if fmt == "html":
        write_atomic(out, html_report(results, figs).encode("utf-8"))
        return out
    figure_dir = out.parent / f"{out.stem}_figures"
    text = markdown_report(results, figs, figure_dir.name).encode("utf-8")
    for f in figs:
        write_atomic(figure_dir / f"{f.name}.png", f.png)
        write_atomic(figure_dir / f"{f.name}.csv", csv_bytes(f.data))
    write_atomic(out, text)  # last: the report never points at figures not yet written
    return out
