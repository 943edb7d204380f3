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


def differing(observed: dict, expected: dict, rel: float = 1e-12) -> list[str]:
    """Keys whose values differ beyond ``rel`` (None only equals None), with both values."""
    import math

    out = [f"{k}: missing" for k in expected if k not in observed]
    for key in observed.keys() & expected.keys():
        a, b = observed[key], expected[key]
        if a is None or b is None or isinstance(a, str):
            same = a == b
        elif isinstance(a, dict):
            same = not differing(a, b, rel)
        else:
            same = math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)
        if not same:
            out.append(f"{key}: {a!r} against {b!r}")
    return sorted(out)
