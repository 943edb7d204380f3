"""The simulator against closed forms, each in a limiting case where one exists.

Tolerances are a few standard errors of the estimate (measured over seeds), tight enough that a
wrong mechanism (a delay applied twice, a sync phase off by one interval, a queue that is not
FIFO, an outage ignored) fails the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.runner import run_one
from tests.helpers import scenario

TWO_PLATFORMS = {
    "platforms": [{"name": "EUR"}, {"name": "AFR"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["EUR"]},
        {"code": "BBB", "region": "africa", "platforms": ["AFR"]},
    ],
}


def mean_metric(base: dict, name: str, seeds=(1, 2, 3)) -> float:
    return float(np.mean([run_one(scenario(base), seed=s).metrics[name] for s in seeds]))


def test_centralized_completeness_is_l_over_l_plus_d():
    """Exponential lifetime (mean L) and exponential delay to the hub (mean d).

    A record created at c is visible from c + D until its deletion at c + Λ, so it contributes
    (Λ - D)^+ of visible time against Λ of active time. With Λ ~ Exp(1/L) memoryless,
    E[(Λ - D)^+] = P(Λ > D) E[Λ] = L/(L + d) · L, hence completeness = L / (L + d).
    L = 30 d, d = 1 d: 0.96774.
    """
    base = {
        "horizon_days": 1000,
        "warmup_days": 100,
        "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
        "queries": {"per_country_per_day": 1},
    }
    L, d = 30.0, 1.0
    assert mean_metric(base, "completeness") == pytest.approx(L / (L + d), abs=0.001)


def test_centralized_with_long_delay():
    """Same closed form with d = L / 2: completeness 2/3. A test at a second point catches a
    mechanism that happens to match at the first."""
    base = {
        "horizon_days": 1000,
        "warmup_days": 100,
        "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 360}}},
        "queries": {"per_country_per_day": 1},
    }
    assert mean_metric(base, "completeness") == pytest.approx(2 / 3, abs=0.006)


def test_hybrid_batch_completeness():
    """Platforms send to the hub every T days; links and stores are instantaneous.

    The querier in the other region sees a record once it reaches the hub, at the first sync
    time after its creation. The creation phase within the cycle is uniform on [0, T), so
    the wait W is Uniform(0, T). With Λ ~ Exp(1/L):
    E[(Λ - W)^+] = E[P(Λ > W)] L = L · (1/T) ∫_0^T e^{-w/L} dw = L · (L/T)(1 - e^{-T/L}),
    hence completeness = (L/T)(1 - e^{-T/L}). L = 30, T = 7: 0.89178.
    """
    base = {
        "horizon_days": 1000,
        "warmup_days": 100,
        "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7},
        "world": TWO_PLATFORMS,
        "queries": {"per_country_per_day": 1},
    }
    L, T = 30.0, 7.0
    expected = (L / T) * (1 - math.exp(-T / L))
    assert mean_metric(base, "completeness") == pytest.approx(expected, abs=0.0015)


def test_hub_query_latency_is_mm1():
    """One FIFO server at the hub, Poisson queries (rate λ), exponential service (rate μ).

    The M/M/1 time in system is exponential with rate μ - λ: mean 1/(μ - λ) and 95th
    percentile ln(20)/(μ - λ). μ = 0.5/s (mean service 2 s), λ = 2 x 10,800 queries/day =
    0.25/s: mean 4 s, p95 11.98 s. The mean alone would pass for any work-conserving order
    (LIFO, random); the percentile holds only for FIFO. No records, so nothing else loads the
    server; links are instantaneous.
    """
    base = {
        "horizon_days": 25,
        "warmup_days": 5,
        "architecture": {"kind": "centralized", "query_deadline_seconds": 1e6},
        "records": {"creation_per_country_per_day": 0},
        "stores": {"hub": {"servers": 1, "service_seconds": {"dist": "exponential", "mean": 2}}},
        "queries": {"per_country_per_day": 10800},
    }
    mu, lam = 0.5, 0.25
    runs = [run_one(scenario(base), seed=s).metrics for s in (1, 2)]
    mean = np.mean([m["query_latency_mean_seconds"] for m in runs])
    p95 = np.mean([m["query_latency_p95_seconds"] for m in runs])
    assert mean == pytest.approx(1 / (mu - lam), rel=0.04)
    assert p95 == pytest.approx(math.log(20) / (mu - lam), rel=0.03)


def test_hub_query_latency_is_mmc_erlang_c():
    """c = 3 FIFO servers: mean time in system = 1/μ + C(c, a) / (c μ - λ), with a = λ/μ and
    Erlang C  C(c, a) = [a^c/c! · c/(c - a)] / [Σ_{k<c} a^k/k! + a^c/c! · c/(c - a)].
    μ = 0.5/s, λ = 1.2/s (a = 2.4, ρ = 0.8)."""
    mu, lam, c = 0.5, 1.2, 3
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    erlang_c = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    expected = 1 / mu + erlang_c / (c * mu - lam)
    base = {
        "horizon_days": 8,
        "warmup_days": 1,
        "architecture": {"kind": "centralized", "query_deadline_seconds": 1e6},
        "records": {"creation_per_country_per_day": 0},
        "stores": {"hub": {"servers": c, "service_seconds": {"dist": "exponential", "mean": 2}}},
        "queries": {"per_country_per_day": lam * 86400 / 2},
    }
    result = mean_metric(base, "query_latency_mean_seconds", seeds=(1, 2))
    assert result == pytest.approx(expected, rel=0.05)


def test_federated_completeness_is_availability_squared():
    """Federated, two countries, instantaneous links: a record of BBB is returned to AAA iff
    both national nodes are up. Independent alternating renewal processes with exponential up
    (MTBF) and down (MTTR) times are up with probability A = MTBF/(MTBF + MTTR) each, so
    completeness = A². MTBF 10 d, MTTR 24 h: A = 10/11, A² = 0.82645."""
    base = {
        "horizon_days": 6000,
        "warmup_days": 50,
        "architecture": {"kind": "federated"},
        "records": {"creation_per_country_per_day": 1},
        "outages": {"ncb": {"mtbf_days": 10, "mttr_hours": 24}},
        "queries": {"per_country_per_day": 1},
    }
    A = 10 / 11
    assert mean_metric(base, "completeness") == pytest.approx(A * A, abs=0.012)


def test_centralized_completeness_under_hub_outages_is_hub_availability():
    """Instantaneous links, hub down with exponential MTBF/MTTR: while the hub is down no
    query is answered; records that arrive meanwhile wait and are applied when it comes back,
    so while up the hub is complete. Completeness = A_hub = MTBF/(MTBF + MTTR).
    MTBF 5 d, MTTR 12 h: A = 10/11."""
    base = {
        "horizon_days": 3000,
        "warmup_days": 50,
        "records": {"creation_per_country_per_day": 2},
        "outages": {"hub": {"mtbf_days": 5, "mttr_hours": 12}},
        "queries": {"per_country_per_day": 1},
    }
    assert mean_metric(base, "completeness") == pytest.approx(10 / 11, abs=0.01)


def test_prehistory_starts_the_systems_in_steady_state():
    """With records created since long before day 0, the stock at day 0 is stationary: for
    Poisson creations (rate λ per country) with lifetimes of mean L, about Poisson(λL) records
    are alive, and completeness is L/(L+d) from the first day, with no warm-up. Starting empty
    instead, the first weeks hold only young records, a larger share of which are still in
    transit, so completeness is lower: the test tells the two apart."""
    base = {
        "horizon_days": 20,
        "warmup_days": 0,
        "records": {"creation_per_country_per_day": 300, "prehistory_days": 400},
        "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
        "queries": {"per_country_per_day": 1},
    }
    from sim.runner import simulate

    log, _ = simulate(scenario(base), 1)
    src = log.source
    alive_at_0 = int(((src.created == 0) & (src.deleted > 0)).sum())  # folded onto day 0
    expected = 2 * 300 * 30  # two countries, λ L each
    assert abs(alive_at_0 - expected) < 4 * math.sqrt(expected)
    steady = mean_metric(base, "completeness")
    empty = mean_metric(base | {"records": {"creation_per_country_per_day": 300}}, "completeness")
    assert steady == pytest.approx(30 / 31, abs=0.003)
    assert empty < steady - 0.01
