"""Small scenario builders shared by the tests."""

from __future__ import annotations

import copy
from typing import Any

from sim.config import scenario_from_dict
from sim.config.schema import Scenario

TWO_COUNTRIES: dict[str, Any] = {
    "name": "two-countries",
    "seed": 7,
    "horizon_days": 400,
    "warmup_days": 50,
    "architecture": {"kind": "centralized"},
    "world": {
        "countries": [{"code": "AAA", "region": "europe"}, {"code": "BBB", "region": "europe"}]
    },
    "records": {
        "creation_per_country_per_day": 20,
        "lifetime_days": {"dist": "exponential", "mean": 30},
    },
    "queries": {"per_country_per_day": 10},
}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scenario(
    override: dict[str, Any] | None = None, base: dict[str, Any] = TWO_COUNTRIES
) -> Scenario:
    return scenario_from_dict(merge(base, override or {}))
