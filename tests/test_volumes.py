"""One unit: every count the tool reports is at real volume, whatever share of the records and
of the searches is simulated.

A count is X = k / f summed over the N simulated records (or searches) behind it, f the sampled
fraction, N ~ Poisson(μ f) and k <= c real-unit items each (messages, asks, deliveries). Then
Var(X) = μ f E[k²] / f² <= c E[X] / f: the standard deviation of X is at most sqrt(c X / f),
and of a count per day over D days sqrt(c X / (f D)). Two independent runs at fractions f and
2 f differ by at most 4 sqrt(c X (1/f + 1/(2f)) / D) but once in 15,000; forgetting to scale a
count back (a factor of 2 between the runs) misses that by far.
"""

from __future__ import annotations

import math

import pytest

from sim.architectures import exercised_settings, plan_of
from sim.catalogue import metric_spec
from sim.runner import run_one
from sim.world import WorldIndex
from tests.helpers import scenario

F = 0.01
"""Sampled fraction of records and searches in the first run."""
DAYS = 100.0
WARMUP = 20.0

WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P2"]},
        {"code": "DDD", "region": "africa"},
    ],
}

ARCHITECTURES = exercised_settings()
"""Every named setting of every registered architecture: between them every link class
carries changes or searches."""


def volume_scenario(architecture: str, records: float, searches: float):
    return scenario(
        {
            "horizon_days": DAYS + WARMUP,
            "warmup_days": WARMUP,
            "architecture": ARCHITECTURES[architecture],
            "world": WORLD,
            "records": {"creation_per_country_per_day": 5000, "sample_fraction": records},
            "queries": {"per_country_per_day": 5000, "sample_fraction": searches},
        }
    )


def run(architecture: str, records: float, searches: float, seed: int):
    return run_one(volume_scenario(architecture, records, searches), seed=seed)


def per_unit(architecture: str) -> int:
    """c: most real-unit items one simulated record or search adds to one count, from the
    plan: a record has a creation and a deletion, each crossing at most every route that
    carries its owner's records (sent and passed on), plus one; a search sends a request and
    an answer to every other national node or to every store it consults."""
    s = volume_scenario(architecture, F, F)
    world = WorldIndex.from_schema(s.world)
    plan = plan_of(s.architecture, world, s)
    hops = max(int(sum(r.owners[o] for r in plan.routes)) for o in range(world.n_countries))
    asks = max(world.n_countries - 1, len(plan.consults))
    return max(2 * (hops + 1), 2 * asks)


def counts(result) -> dict[str, tuple[float, float]]:
    """Every count the run reports, at real volume, with the days it is averaged over (1 for
    totals over the run)."""
    rates = {
        name: (value, DAYS)
        for name, value in result.scalar_metrics().items()
        if metric_spec(name).aggregate == "count" and value is not None
    }
    totals = ("records_created", "record_changes", "deliveries", "queries")
    return rates | {name: (float(result.counts[name]), 1.0) for name in totals}


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
@pytest.mark.parametrize("doubled", ["records", "searches"])
def test_doubling_the_sampled_share_leaves_every_count_unchanged(architecture, doubled):
    base = run(architecture, F, F, seed=1)
    twice = run(
        architecture,
        2 * F if doubled == "records" else F,
        2 * F if doubled == "searches" else F,
        seed=2,
    )
    c = per_unit(architecture)
    first, second = counts(base), counts(twice)
    assert first.keys() == second.keys()
    assert any(value > 0 for value, _ in first.values())
    for name, (x, days) in first.items():
        # X = n / (D 86400) per second, n / (D / 365) per year
        per = 86400.0 if "per_second" in name else 1 / 365 if "per_year" in name else 1.0
        tolerance = 4 * math.sqrt(c * max(x, second[name][0]) * 1.5 / (F * days * per))
        assert abs(second[name][0] - x) <= tolerance, (name, x, second[name][0], tolerance)
