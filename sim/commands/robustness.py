"""``pdsa robustness``: how the ranking of levers holds up across a sweep's sampled worlds.

Ranking odds (levers within the metric's materiality threshold of the best share first place)
and regret per lever, how often each pair of levers is equivalent, every threshold at once
(the share of worlds meeting all of them, the regret on each metric, the share of worlds on
the Pareto front), the robust value of each lever's own setting, break-even values of each
uncertainty between the leader and its runner-up, the PRIM box of the worlds where the leader
loses first place (when a restriction is significant), and the uncertainties that drive the
metric above the noise floor.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from sim.commands import echo, fail
from sim.commands.formatting import format_table, format_value, markdown
from sim.commands.reading import checked_metrics, read_results
from sim.config import ConfigError

ROBUSTNESS_FORMATS = ("table", "markdown", "json")


@click.command()
@click.argument("out_dir", metavar="RESULTS", type=click.Path(file_okay=False, path_type=Path))
@click.option("--metric", default="completeness", show_default=True, help="Metric to rank on.")
@click.option(
    "--threshold", "thresholds", multiple=True, metavar="M>=X",
    help="A condition a lever should meet in a world, e.g. 'completeness>=0.95' (repeatable:"
    " every criterion at once).",
)  # fmt: skip
@click.option(
    "--tie", "ties", multiple=True, metavar="M=X",
    help="Materiality threshold of a metric: levers within it are equivalent, e.g."
    " 'completeness=0.005' (absolute) or 'staff_hours_per_year=5%' (relative); repeatable.",
)  # fmt: skip
@click.option(
    "--rival",
    help="Lever the leader's break-even values are found against (default: the runner-up).",
)
@click.option(
    "--confidence", type=click.FloatRange(0.5, 1.0), default=0.9, show_default=True,
    help="Share of worlds a lever's robust setting must meet each threshold in.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(ROBUSTNESS_FORMATS), default="table", show_default=True
)
def robustness(
    out_dir: Path,
    metric: str,
    thresholds: tuple[str, ...],
    ties: tuple[str, ...],
    rival: str | None,
    confidence: float,
    fmt: str,
) -> None:
    """How robust the ranking is across the sampled worlds: odds, equivalence, every
    criterion at once, robust settings, regret, break-even, PRIM."""
    from sim.robustness import RobustnessError, assess, parse_threshold
    from sim.sweeps.rerun import lacking_in
    from sim.verdict.ties import TieError, parse_ties

    runs, manifest = read_results(out_dir)
    checked_metrics(runs, (metric,), out_dir)
    try:
        parsed = [parse_threshold(t) for t in thresholds]
    except RobustnessError as error:
        fail(ConfigError(str(out_dir), "--threshold", str(error)))
    checked_metrics(runs, tuple(t.metric for t in parsed), out_dir, "--threshold")
    try:
        user_ties = parse_ties(ties)
        checked_metrics(runs, tuple(user_ties), out_dir, "--tie")
        lacking = lacking_in(out_dir)
        result = assess(
            runs, manifest, metric, parsed, rival, ties=user_ties, lacking=lacking,
            confidence=confidence,
        )  # fmt: skip
    except TieError as error:
        fail(ConfigError(str(out_dir), "--tie", str(error)))
    except RobustnessError as error:
        fail(ConfigError(str(out_dir), "", str(error)))
    if fmt == "json":
        from sim.commands.strict_json import dumps

        echo(dumps(as_json(result)))
    else:
        echo(as_text(result, manifest, fmt == "markdown"))


# --- text ------------------------------------------------------------------------------------


def as_text(result: Any, manifest: dict[str, Any], md: bool) -> str:
    """Every section as aligned tables (or Markdown), with a heading line each."""
    from sim.catalogue import better_higher
    from sim.verdict.ties import describe

    better = "higher" if better_higher(result.metric) else "lower"
    design = manifest.get("uncertainty_design", "?")
    head = (
        f"Robustness of {result.metric} ({better} is better) over {result.worlds} worlds"
        f" ({design}); levers compared world by world on common seeds. Levers within"
        f" {describe(result.metric, result.tie)} of the best share first place."
    )
    sections = [head, ranking_section(result, md), equivalence_section(result, md)]
    if result.criteria is not None:
        sections += criteria_sections(result, md)
    elif result.satisficing is not None:
        sections.append(section("Satisficing: share of worlds meeting", result.satisficing, md))
    if result.settings:
        sections.append(settings_section(result, md))
    sections.append(break_even_section(result, md))
    sections += discovery_sections(result, md)
    if result.drivers is not None:
        sections.append(drivers_section(result, md))
    if result.note:
        sections.append(f"Note: {result.note}")
    if result.left_out:
        verb = "has" if len(result.left_out) == 1 else "have"
        missing = ", ".join(result.left_out)
        sections.append(f"Left out: {missing} {verb} no value of {result.metric} in any world.")
    return "\n\n".join(sections)


def section(title: str, frame: pd.DataFrame, md: bool) -> str:
    table = frame.reset_index()
    if md:
        return f"### {title}\n\n{markdown(table)}"
    rows = [[format_value(v) for v in row] for row in table.itertuples(index=False)]
    return f"{title}\n" + format_table([str(c) for c in table.columns], rows)


def ranking_section(result: Any, md: bool) -> str:
    from sim.robustness import odds_half_width

    ranks = result.ranks.rename(columns=lambda r: f"rank {r}")
    ranks.insert(1, "±95%", odds_half_width(ranks["rank 1"], result.worlds))
    if not result.first.empty:
        ranks.insert(2, "wins alone", result.first["alone"])
    table = ranks.join(result.regret).sort_values("rank 1", ascending=False)
    title = "Ranking odds (share of worlds at each rank; levers within the threshold of each"
    title += " other share a rank; 'wins alone': first with no other lever within the"
    title += " threshold) and regret (shortfall from the best lever in each world, in"
    title += f" {unit(result.metric)})"
    return section(title, table, md)


def equivalence_section(result: Any, md: bool) -> str:
    title = (
        "Equivalence: share of worlds in which two levers are within the materiality threshold"
        " of each other"
    )
    return section(title, result.equivalent.rename_axis("lever"), md)


def criteria_sections(result: Any, md: bool) -> list[str]:
    found = result.criteria
    shares = found.satisficing.drop(columns="worlds").join(found.pareto)
    shares = shares.sort_values(["all", "pareto_share"], ascending=False)
    metrics = ", ".join(found.metrics)
    front_worlds = "" if found.worlds == found.met_worlds else f", over {found.worlds} worlds"
    out = [
        section(
            f"Every criterion at once over {found.met_worlds} worlds: share meeting each"
            f" threshold, all of them, and on the Pareto front of {metrics} (not beaten on"
            f" every one at once beyond its materiality threshold{front_worlds})",
            shares,
            md,
        )
    ]
    regret = found.regret.copy()
    regret.columns = [f"{m} {s}" for m, s in regret.columns]
    out.append(section("Regret on each criterion (in its own unit)", regret, md))
    return out


def settings_section(result: Any, md: bool) -> str:
    rows = []
    for found in result.settings:
        where = found.variant + "".join(f" {k}={v:g}" for k, v in found.fixed.items())
        per_value = ", ".join(
            f"{v:g}: {s:.0%}" for v, s in zip(found.values, found.met_share, strict=True)
        )
        rows.append(
            [where, found.setting, str(found.threshold), per_value, robust_words(found),
             interval_words(found.low, found.high), median_words(found)]
        )  # fmt: skip
    columns = ["lever", "setting", "threshold", "share of worlds meeting it at each value",
               f"robust setting ({result.settings[0].confidence:.0%} of worlds)",
               "95% interval", "median break-even"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns).set_index("lever")
    return section("A lever's own settings: where each threshold holds, world by world", frame, md)


def robust_words(found: Any) -> str:
    """``up to 6.4`` / ``from 12`` / ``none`` / ``every value``."""
    if found.robust is None:
        return "none in the range"
    if math.isinf(found.robust):
        return "every value"
    side = "up to" if found.meets_below is not False else "from"
    return f"{side} {found.robust:.3g}"


def median_words(found: Any) -> str:
    if found.median is None:
        return "n/a"
    if math.isinf(found.median):
        return "beyond the range" if found.median > 0 else "before the range"
    return f"{found.median:.3g}"


def interval_words(low: float, high: float) -> str:
    return "" if pd.isna(low) else f"[{format_value(low)}, {format_value(high)}]"


def unit(metric: str) -> str:
    from sim.catalogue import metric_spec

    spec = metric_spec(metric)
    return "shares (0-1)" if spec.share else spec.unit or "the metric's unit"


def break_even_section(result: Any, md: bool) -> str:
    rows = []
    for be in result.break_evens:
        where = "n/a" if be.value is None else format_value(be.value)
        interval = interval_words(be.low, be.high)
        if be.value is None:
            side = "no crossing in the sampled range"
        else:
            above = be.a if be.a_better_above else be.b
            side = f"{above} better above"
        rows.append([be.uncertainty, where, interval, f"{be.crossing_share:.0%}", side])
    frame = pd.DataFrame(
        rows, columns=["uncertainty", "break-even", "95% interval", "resamples crossing", "side"]
    ).set_index("uncertainty")
    title = f"Break-even: where {result.leader} and its runner-up {result.rival} are equal on"
    title += f" {result.metric}"
    return section(title, frame, md)


def discovery_sections(result: Any, md: bool) -> list[str]:
    out = []
    for found in (result.discovery, result.misses):
        if found is None:
            continue
        if not found.significant:
            out.append(
                f"Scenario discovery (PRIM): {found.question} in {found.cases} of"
                f" {found.worlds} worlds, spread out: no restriction of the box is significant"
                " (quasi-p < 0.05), so no region of the assumptions is named."
            )
            continue
        title = (
            f"Scenario discovery (PRIM): {found.question} in {found.cases} of {found.worlds}"
            f" worlds; box: coverage {found.coverage:.2f}, density {found.density:.2f},"
            f" {len(found.significant_limits)} significant restriction(s) of"
            f" {len(found.limits)} (box {found.chosen} of a {len(found.trajectory)}-step peeling"
            " trajectory)"
        )
        out.append(section(title, found.significant_limits.set_index("uncertainty"), md))
    if result.discovery is None and not result.note:
        out.append(
            f"Scenario discovery: {result.leader} shares first place in every world or in none."
        )
    return out


def drivers_section(result: Any, md: bool) -> str:
    frame = result.drivers.rename_axis("uncertainty")
    if result.noise is not None:
        frame = pd.concat([frame, result.noise.rename("noise floor").to_frame().T])
    title = (
        f"What drives {result.metric}: extra-trees feature scores per lever, with the noise"
        " floor (the best score of pure-noise columns scored alongside: a score at or below it"
        " says nothing); n/a: the lever's scenario does not have the uncertainty"
    )
    return section(title, frame, md)


# --- JSON ------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as strict JSON data: numpy scalars as Python ones, NaN and infinities (a
    break-even with no interval) as null, sets as sorted lists, anything else as its text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def records(frame: pd.DataFrame | None) -> Any:
    if frame is None:
        return None
    table = frame.reset_index()
    table.columns = [str(c) for c in table.columns]
    return [dict(zip(table.columns, row, strict=True)) for row in table.itertuples(index=False)]


def as_json(result: Any) -> dict[str, Any]:
    """Every measure as plain data: tables as lists of records (made strict by the caller)."""
    from sim.verdict.ties import describe

    return {
        "metric": result.metric,
        "worlds": result.worlds,
        "uncertainties": result.uncertainties,
        "tie": {
            "absolute": result.tie.absolute,
            "relative": result.tie.relative,
            "words": describe(result.metric, result.tie),
        },  # fmt: skip
        "leader": result.leader,
        "rival": result.rival,
        "ranks": records(result.ranks.rename(columns=str)),
        "first": records(result.first),
        "equivalent": records(result.equivalent.rename_axis("lever")),
        "regret": records(result.regret),
        "satisficing": records(result.satisficing),
        "criteria": criteria_json(result.criteria),
        "settings": [setting_json(s) for s in result.settings],
        "break_even": [
            {k: v for k, v in be.__dict__.items() if k != "curve"} for be in result.break_evens
        ],
        "discovery": discovery_json(result.discovery),
        "misses": discovery_json(result.misses),
        "drivers": records(result.drivers),
        "noise_floor": None if result.noise is None else result.noise.to_dict(),
        "note": result.note,
        "left_out": result.left_out,
    }


def criteria_json(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    regret = found.regret.copy()
    regret.columns = [f"{m}.{s}" for m, s in regret.columns]
    return {
        "thresholds": [str(t) for t in found.thresholds],
        "worlds": found.worlds,
        "satisficing_worlds": found.met_worlds,
        "satisficing": records(found.satisficing),
        "pareto_share": found.pareto.to_dict(),
        "regret": records(regret),
    }


def setting_json(found: Any) -> dict[str, Any]:
    plain = {k: v for k, v in found.__dict__.items() if k not in ("threshold", "break_evens")}
    return plain | {"threshold": str(found.threshold), "break_evens": list(found.break_evens)}


def discovery_json(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    plain = {k: v for k, v in found.__dict__.items() if k not in ("limits", "trajectory")}
    return plain | {
        "significant": found.significant,
        "limits": records(found.limits),
        "trajectory": records(found.trajectory),
    }
