"""``pdsa robustness``: how the ranking of levers holds up across a sweep's sampled worlds.

Ranking odds and regret per lever, satisficing shares for the thresholds given, break-even
values of each uncertainty between the leader and its rival, the PRIM box of the worlds where
the leader loses first place, and the uncertainties that drive the metric.
"""

from __future__ import annotations

import json
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
    help="A condition a lever should meet in a world, e.g. 'completeness>=0.95' (repeatable).",
)  # fmt: skip
@click.option("--rival", help="Lever the leader's break-even values are found against.")
@click.option(
    "--format", "fmt", type=click.Choice(ROBUSTNESS_FORMATS), default="table", show_default=True
)
def robustness(
    out_dir: Path, metric: str, thresholds: tuple[str, ...], rival: str | None, fmt: str
) -> None:
    """How robust the ranking is across the sampled worlds: odds, regret, break-even, PRIM."""
    from sim.robustness import RobustnessError, assess, parse_threshold

    runs, manifest = read_results(out_dir)
    checked_metrics(runs, (metric,), out_dir)
    try:
        parsed = [parse_threshold(t) for t in thresholds]
    except RobustnessError as error:
        fail(ConfigError(str(out_dir), "--threshold", str(error)))
    checked_metrics(runs, tuple(t.metric for t in parsed), out_dir, "--threshold")
    try:
        result = assess(runs, manifest, metric, parsed, rival)
    except RobustnessError as error:
        fail(ConfigError(str(out_dir), "", str(error)))
    if fmt == "json":
        echo(json.dumps(plain(as_json(result)), indent=2, allow_nan=False))
    else:
        echo(as_text(result, manifest, fmt == "markdown"))


# --- text ------------------------------------------------------------------------------------


def as_text(result: Any, manifest: dict[str, Any], md: bool) -> str:
    """Every section as aligned tables (or Markdown), with a heading line each."""
    from sim.catalogue import better_higher

    better = "higher" if better_higher(result.metric) else "lower"
    design = manifest.get("uncertainty_design", "?")
    head = (
        f"Robustness of {result.metric} ({better} is better) over {result.worlds} worlds"
        f" ({design}); levers compared world by world on common seeds."
    )
    sections = [head, ranking_section(result, md)]
    if result.satisficing is not None:
        sections.append(section("Satisficing: share of worlds meeting", result.satisficing, md))
    sections.append(break_even_section(result, md))
    sections += discovery_sections(result, md)
    if result.drivers is not None:
        title = f"What drives {result.metric}: extra-trees feature scores per lever (sum 1)"
        sections.append(section(title, result.drivers.rename_axis("uncertainty"), md))
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
    table = ranks.join(result.regret).sort_values("rank 1", ascending=False)
    title = "Ranking odds (share of worlds at each rank, ties shared) and regret (shortfall"
    title += f" from the best lever in each world, in {unit(result.metric)})"
    return section(title, table, md)


def unit(metric: str) -> str:
    from sim.catalogue import metric_spec

    spec = metric_spec(metric)
    return "shares (0-1)" if spec.share else spec.unit or "the metric's unit"


def break_even_section(result: Any, md: bool) -> str:
    rows = []
    for be in result.break_evens:
        where = "n/a" if be.value is None else format_value(be.value)
        interval = "" if pd.isna(be.low) else f"[{format_value(be.low)}, {format_value(be.high)}]"
        if be.value is None:
            side = "no crossing in the sampled range"
        else:
            above = be.a if be.a_better_above else be.b
            side = f"{above} better above"
        rows.append([be.uncertainty, where, interval, f"{be.crossing_share:.0%}", side])
    frame = pd.DataFrame(
        rows, columns=["uncertainty", "break-even", "95% interval", "resamples crossing", "side"]
    ).set_index("uncertainty")
    title = f"Break-even: where {result.leader} and {result.rival} are equal on {result.metric}"
    return section(title, frame, md)


def discovery_sections(result: Any, md: bool) -> list[str]:
    out = []
    for found in (result.discovery, result.misses):
        if found is None:
            continue
        title = (
            f"Scenario discovery (PRIM): {found.question} in {found.cases} of {found.worlds}"
            f" worlds; box: coverage {found.coverage:.2f}, density {found.density:.2f},"
            f" {len(found.limits)} restricted uncertainties"
            f" (box {found.chosen} of a {len(found.trajectory)}-step peeling trajectory)"
        )
        out.append(section(title, found.limits.set_index("uncertainty"), md))
    if result.discovery is None and not result.note:
        out.append(f"Scenario discovery: {result.leader} ranks first in every world or in none.")
    return out


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
    return json.loads(frame.reset_index().to_json(orient="records", double_precision=15))


def as_json(result: Any) -> dict[str, Any]:
    """Every measure as plain data: tables as lists of records."""
    return {
        "metric": result.metric,
        "worlds": result.worlds,
        "uncertainties": result.uncertainties,
        "leader": result.leader,
        "rival": result.rival,
        "ranks": records(result.ranks.rename(columns=str)),
        "regret": records(result.regret),
        "satisficing": records(result.satisficing),
        "break_even": [
            {k: v for k, v in be.__dict__.items() if k != "curve"} for be in result.break_evens
        ],
        "discovery": discovery_json(result.discovery),
        "misses": discovery_json(result.misses),
        "drivers": records(result.drivers),
        "note": result.note,
        "left_out": result.left_out,
    }


def discovery_json(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    plain = {k: v for k, v in found.__dict__.items() if k not in ("limits", "trajectory")}
    return plain | {"limits": records(found.limits), "trajectory": records(found.trajectory)}
