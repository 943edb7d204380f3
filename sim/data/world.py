"""The embedded world: INTERPOL's 196 member countries and the regional platforms they use.

This module owns reading the package CSVs (``countries.csv``, ``platforms.csv``,
``platform_members.csv``) and turning them into the scenario schema's ``world`` mapping, which is
what ``world: {preset: interpol-2023}`` expands to. Provenance and every judgement call behind
the figures are in ``sim/data/README.md``.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from typing import Any

import pandas as pd

REGIONS = ("africa", "americas", "asia_south_pacific", "europe", "mena")

# Activity weight = sqrt(population / median population), clipped; an assumption (README).
WEIGHT_FLOOR = 0.2
WEIGHT_CAP = 5.0


def _read_csv(filename: str) -> pd.DataFrame:
    # keep_default_na=False: empty notes stay "", and no code is ever parsed as a missing value.
    source = resources.files("sim.data").joinpath(filename)
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def load_countries() -> pd.DataFrame:
    """The 196 member countries: code, name, region, population_millions, weight, weight_basis."""
    frame = _read_csv("countries.csv")
    return frame.astype({"population_millions": float, "weight": float})


def load_platforms() -> pd.DataFrame:
    """The regional platforms: name, full_name, kind, membership_source, confidence, note,
    status (operational, planned, none), entry_probability (blank: the architecture's) and
    status_basis (the source or assumption of both)."""
    return _read_csv("platforms.csv")


def platform_entry(row: Any) -> dict[str, Any]:
    """A platform as the scenario's ``world.platforms`` lists it: its name, its status and,
    where the data gives one, the share of its members' records keyed into it."""
    entry: dict[str, Any] = {"name": row.name, "status": row.status}
    if row.entry_probability:
        entry["entry_probability"] = float(row.entry_probability)
    return entry


def load_memberships() -> pd.DataFrame:
    """One row per (platform, country code) membership."""
    return _read_csv("platform_members.csv")


def activity_weight(population_millions: float, median_population_millions: float) -> float:
    """The weight rule behind ``countries.csv``: sqrt(population / median), clipped, 2 decimals.

    The square root makes large countries more active than small ones without letting China
    outweigh Nauru 300-fold; the clip bounds the spread to 25:1.
    """
    raw = math.sqrt(population_millions / median_population_millions)
    return round(min(max(raw, WEIGHT_FLOOR), WEIGHT_CAP), 2)


def interpol_2023_world() -> dict[str, Any]:
    """The ``interpol-2023`` preset as a plain mapping in the scenario schema's ``world`` format.

    Countries come in code order; each lists its platforms in ``platforms.csv`` order. A fresh
    copy each call: callers modify it (the preset's modifiers), and the CSVs are read once per
    process (a sweep's plan validates one scenario per variant and world).
    """
    world = _interpol_2023_world()
    return {
        "platforms": [dict(p) for p in world["platforms"]],
        "countries": [{**c, "platforms": list(c["platforms"])} for c in world["countries"]],
    }


@functools.cache
def _interpol_2023_world() -> dict[str, Any]:
    platforms = load_platforms()
    platform_names = list(platforms["name"])
    members = load_memberships()
    platforms_of: dict[str, list[str]] = {}
    for name in platform_names:
        for code in members.loc[members["platform"] == name, "code"]:
            platforms_of.setdefault(code, []).append(name)
    countries = load_countries().sort_values("code")
    return {
        "platforms": [platform_entry(row) for row in platforms.itertuples(index=False)],
        "countries": [
            {
                "code": row.code,
                "region": row.region,
                "platforms": platforms_of.get(row.code, []),
                "weight": float(row.weight),
            }
            for row in countries.itertuples(index=False)
        ],
    }
