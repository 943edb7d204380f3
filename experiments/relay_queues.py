"""Time from a record's creation to the hub in the two-country network of issue 18, by pdsa and
by an independent event simulation of the same FIFO network.

    PYTHONPATH=. python experiments/relay_queues.py [--days 200] [--seeds 1 2 3]

Hybrid push, the hub passing every change on (``redistribute: all``): AAA belongs to platform
P, BBB to none; each creates 0.007 global records a second (long lifetimes, no updates); the
hub and P each have one server, lognormal service of mean 50 s (sigma 0.8), so both run at
utilisation 0.7; links are instant. AAA's changes go to P then the hub; BBB's to the hub then
P. pdsa's times are read off the hub's application log; the event simulation (a plain heap,
its own service draws) runs the same network for the same days and seeds. Prints p50, p95 and
p99 in seconds of the 50/50 mixture, and pdsa's run time.
"""

from __future__ import annotations

import argparse
import heapq
import time

import numpy as np

from sim.config import scenario_from_dict
from sim.model import DataSharingModel

RATE = 0.007  # records a second per country
MEAN, SIGMA = 50.0, 0.8  # service seconds
DAY = 86_400.0
WARMUP = 5.0
SERVICE = {"dist": "lognormal", "mean": MEAN, "sigma": SIGMA}


def scenario(days: float, seed: int) -> dict:
    return {
        "name": "issue-18",
        "seed": seed,
        "horizon_days": days,
        "warmup_days": WARMUP,
        "architecture": {"kind": "hybrid", "sync": "push", "redistribute": "all"},
        "world": {
            "platforms": [{"name": "P"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P"]},
                {"code": "BBB", "region": "africa"},
            ],
        },
        "records": {
            "creation_per_country_per_day": RATE * DAY,
            "lifetime_days": {"dist": "fixed", "value": 100_000},
            "scope": {"global": 1.0},
        },
        "stores": {
            "hub": {"servers": 1, "service_seconds": SERVICE},
            "platform": {"servers": 1, "service_seconds": SERVICE},
        },
        "queries": {"per_country_per_day": 0},
    }


def pdsa_seconds(days: float, seed: int) -> tuple[np.ndarray, float]:
    """Seconds from creation to the hub of the records created after the warm-up and at
    least two days before the horizon; pdsa's run time."""
    started = time.perf_counter()
    model = DataSharingModel(scenario_from_dict(scenario(days, seed)), seed)
    model.run()
    elapsed = time.perf_counter() - started
    hub = next(s for s in model.parts.stores if s.kind == "hub")
    rec, version, t = hub.application_log()
    created = model.source.created
    first = version == 0
    rec, t = rec[first], t[first]
    keep = (created[rec] >= WARMUP) & (created[rec] < days - 2)
    return (t[keep] - created[rec[keep]]) * DAY, elapsed


def event_seconds(days: float, seed: int) -> np.ndarray:
    """The same network as a plain event heap: Poisson creations, one FIFO server at P and
    at the hub, lognormal service; the time from creation to the hub (seconds)."""
    rng = np.random.default_rng(10_000 + seed)
    horizon = days * DAY
    mu = np.log(MEAN) - SIGMA**2 / 2
    events: list[tuple[float, int, int, str]] = []  # (time, order, customer, store)
    owner, created = [], []
    for country, first in (("AAA", "P"), ("BBB", "hub")):
        t = np.cumsum(rng.exponential(1 / RATE, size=int(RATE * horizon * 1.2)))
        for start in t[t < horizon].tolist():
            owner.append(country)
            created.append(start)
            events.append((start, len(created) - 1, len(created) - 1, first))
    heapq.heapify(events)
    free = {"P": 0.0, "hub": 0.0}
    at_hub = np.full(len(created), np.nan)
    order = len(created)
    while events:
        t, _, i, store = heapq.heappop(events)
        free[store] = max(t, free[store]) + rng.lognormal(mu, SIGMA)
        if store == "hub":
            at_hub[i] = free[store]
        next_store = "hub" if store == "P" and owner[i] == "AAA" else None
        if store == "hub" and owner[i] == "BBB":
            next_store = "P"
        if next_store is not None:
            heapq.heappush(events, (free[store], order, i, next_store))
            order += 1
    c = np.array(created)
    keep = (c >= WARMUP * DAY) & (c < horizon - 2 * DAY)
    return at_hub[keep] - c[keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=200)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    args = parser.parse_args()
    pdsa, oracle, elapsed = [], [], []
    for seed in args.seeds:
        seconds, took = pdsa_seconds(args.days, seed)
        pdsa.append(seconds)
        elapsed.append(took)
        oracle.append(event_seconds(args.days, seed))
    for name, parts in (("pdsa", pdsa), ("event simulation", oracle)):
        p = np.percentile(np.concatenate(parts), [50, 95, 99])
        n = sum(x.size for x in parts)
        print(f"{name:<17} p50 {p[0]:8,.0f}  p95 {p[1]:8,.0f}  p99 {p[2]:8,.0f} s  ({n:,} records)")
    print(f"pdsa run time: median {np.median(elapsed):.1f} s per run of {args.days:g} days")


if __name__ == "__main__":
    main()
