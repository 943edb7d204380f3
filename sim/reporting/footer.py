"""What every chart and the report say about where their numbers come from: the scenario, its
scale (NCBs, the sampled share of volumes), the window measured and the replications; and
whether the world is illustrative rather than INTERPOL's membership.

A chart that leaves its slide deck must still say which world it shows: a chart of the
12-NCB demo world looks like a world result unless it says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.reporting.loading import Results

MEMBER_COUNTRIES = 196
"""INTERPOL's member countries (sim/data/countries.csv): a world with fewer NCBs is a made-up
or cut-down one, whose numbers illustrate rather than estimate."""


@dataclass(frozen=True)
class Scale:
    """The size and window of the runs, as simulated (the experiment's ``set`` applied)."""

    scenario: str
    ncbs: int
    sample_fraction: float
    warmup_days: float
    measured_days: float


def scale_of(results: Results) -> Scale:
    """The manifest's ``scale`` (written by the sweep from the scenario as run), else the
    scenario's own keys (a single run, or a sweep written before ``scale`` was recorded)."""
    return manifest_scale(results.manifest, results.name)


def manifest_scale(manifest: dict[str, Any], name: str = "") -> Scale:
    """The scale a results directory's manifest records (see :func:`scale_of`)."""
    s = manifest.get("scenario") or {}
    recorded: dict[str, Any] = manifest.get("scale") or {}
    world = s.get("world") or {}
    records = s.get("records") or {}
    horizon = float(recorded.get("horizon_days", s.get("horizon_days", 0.0)))
    warmup = float(recorded.get("warmup_days", s.get("warmup_days", 0.0)))
    return Scale(
        scenario=str(recorded.get("scenario", s.get("name", name))),
        ncbs=int(recorded.get("ncbs", len(world.get("countries") or []))),
        sample_fraction=float(recorded.get("sample_fraction", records.get("sample_fraction", 1))),
        warmup_days=warmup,
        measured_days=horizon - warmup,
    )


def illustrative(results: Results) -> bool:
    """A world of fewer NCBs than INTERPOL's members: its figures are not world results."""
    ncbs = scale_of(results).ncbs
    return 0 < ncbs < MEMBER_COUNTRIES


def caveat(ncbs: int) -> str:
    """What every table, chart and report of an illustrative world says first; empty for the
    world."""
    if 0 < ncbs < MEMBER_COUNTRIES:
        return f"ILLUSTRATIVE world of {ncbs} NCBs, not a world result."
    return ""


def manifest_caveat(manifest: dict[str, Any]) -> str:
    """The caveat of the world a results directory's manifest describes."""
    return caveat(manifest_scale(manifest).ncbs)


def days_text(days: float) -> str:
    """``one year``, ``two years``, ``90 days``."""
    years = {365.0: "one year", 730.0: "two years", 1095.0: "three years"}
    return years.get(round(days, 6), f"{days:g} days")


def repetitions_text(results: Results) -> str:
    n = results.replications
    if results.worlds:
        return f"{n} runs per variant over {results.worlds} sampled worlds"
    return "one run" if results.single_run else f"{n} replications"


def footer(results: Results) -> str:
    """``Scenario: world-2023-fragmented, 196 NCBs, volumes sampled at 0.15 %, one year
    measured after 60 days' warm-up, 10 replications``; an illustrative world says so first."""
    s = scale_of(results)
    parts = [f"Scenario: {s.scenario}"]
    if results.name != s.scenario:
        parts[0] += f" (experiment {results.name})"
    parts.append(f"{s.ncbs} NCBs" if s.ncbs else "NCBs unknown")
    if s.sample_fraction < 1:
        parts.append(f"volumes sampled at {100 * s.sample_fraction:.3g} %")
    parts.append(f"{days_text(s.measured_days)} measured after {s.warmup_days:g} days' warm-up")
    parts.append(repetitions_text(results))
    text = ", ".join(parts) + "."
    return f"{caveat(s.ncbs)} {text}" if illustrative(results) else text
