"""Capacity at real volume: the peak search rate each store and national node must answer,
the servers it needs to keep the 95th percentile of a search's time there (waiting and
service; the network apart) under ``costs.capacity.target_p95_seconds`` at that peak, and
that percentile with the servers configured (``stores.<kind>.servers``: real servers).

The engine queues the sampled searches only, where nothing congests; here the real stream is
taken as it is at real volume: the searches of many officers, each independent of the others,
so a Poisson stream, at the busiest hour's rate (the day's mean rate at the store times
``peak_to_mean``: the simulated searches are spread evenly over the day, so the daily peak is
an assumption). A store of c FIFO servers with general service times S is then an M/G/c
queue, approximated as follows (exact for exponential service, the M/M/c queue):

- a search waits at all with Erlang C's probability C(c, a), a = λ E[S];
- given it waits, the wait is exponential with rate θ = 2 (c / E[S] - λ) / (1 + cs²), cs² the
  squared coefficient of variation of S (the Allen-Cunneen correction of the mean wait);
- its time at the store T = W + S has P(T > x) = P(S > x) + C E[exp(-θ (x - S)); S <= x].

The 95th percentile solves P(T > x) = 0.05, with S taken as its quantiles at evenly spaced
probabilities (a deterministic integral, no random draw). ``tests/test_capacity.py`` checks
the approximation against a simulation of the stream at full volume.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

from sim.config.schema import Dist, Exponential, Fixed, Lognormal, StoreSpec, Uniform
from sim.engine.dists import quantiles
from sim.log import RunLog
from sim.metrics.queries import SECONDS_PER_DAY, searches_asked

QUANTILE_POINTS = 4000
"""Values standing for a service-time distribution: the 95th percentile is resolved to 1/4000
of probability."""

PEAK_MINUTE_QUANTILE = 0.99
"""The peak load is this quantile of the searches in one minute of the busiest hour."""


@dataclass(frozen=True)
class Service:
    """A store's service time per search, in seconds."""

    values: np.ndarray
    """Equally likely values (the quantiles), ascending."""
    mean: float
    scv: float
    """Squared coefficient of variation."""

    @classmethod
    def of(cls, dist: Dist) -> Service:
        return cls(quantiles(dist, QUANTILE_POINTS), dist.mean_value(), squared_cv(dist))

    @property
    def is_zero(self) -> bool:
        return self.mean <= 0

    def quantile(self, p: float) -> float:
        return float(self.values[min(int(p * self.values.size), self.values.size - 1)])


def squared_cv(dist: Dist) -> float:
    """Var(S) / E[S]^2 of a service-time distribution (0 when it is identically 0)."""
    mean = dist.mean_value()
    if mean <= 0 or isinstance(dist, Fixed):
        return 0.0
    if isinstance(dist, Exponential):
        return 1.0
    if isinstance(dist, Lognormal):
        return math.expm1(dist.sigma**2)
    if isinstance(dist, Uniform):
        return (dist.high - dist.low) ** 2 / 12 / mean**2
    raise TypeError(f"unknown distribution {dist!r}")


def erlang_c(servers: int, load: float) -> float:
    """Chance a search waits in an M/M/c queue of ``servers`` and offered ``load`` (Erlangs,
    below ``servers``), by the Erlang B recursion, stable for thousands of servers."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1 - rho * (1 - b))


def sojourn_p95(rate: float, service: Service, servers: int | None) -> float | None:
    """95th percentile of a search's time at a store (seconds) at ``rate`` searches a second;
    ``servers`` None: as many as needed. None when the queue grows without bound."""
    if servers is None or rate <= 0 or service.is_zero:
        return service.quantile(0.95)
    tail = sojourn_tail(rate, service, servers)
    if tail is None:
        return None
    lo, hi = service.quantile(0.95), tail.upper_bound
    for _ in range(60):  # bisection: the tail is decreasing in x
        x = (lo + hi) / 2
        lo, hi = (x, hi) if tail.beyond(x) > 0.05 else (lo, x)
    return hi


@dataclass(frozen=True)
class SojournTail:
    """P(sojourn > x) in an M/G/c queue approximated as in ``sojourn_p95``: the service time
    itself (its sample ``values``), plus a wait, with chance ``waits``, exponential at
    ``theta``."""

    values: np.ndarray
    waits: float
    theta: float
    upper_bound: float
    """A time beyond which less than 5 % of searches stay."""

    def beyond(self, x: float) -> float:
        late = np.where(
            self.values <= x, np.exp(-self.theta * np.maximum(x - self.values, 0.0)), 0.0
        )
        return float((self.values > x).mean()) + self.waits * float(late.mean())


def sojourn_tail(rate: float, service: Service, servers: int) -> SojournTail | None:
    """The tail of a search's time at a store with ``servers`` (None: the queue grows)."""
    load = rate * service.mean
    if load >= servers:
        return None
    waits = erlang_c(servers, load)
    theta = 2 * (servers / service.mean - rate) / (1 + service.scv)
    hi = service.quantile(0.975) + max(0.0, math.log(waits / 0.025)) / theta
    return SojournTail(service.values, waits, theta, hi)


def servers_needed(rate: float, service: Service, target: float) -> int | None:
    """Fewest servers keeping the 95th percentile under ``target`` seconds at ``rate``; 0 with
    no searches; None when no number of servers can (the service alone is slower) or there is
    no service time to size (then the target holds with any)."""
    if rate <= 0:
        return 0
    if service.is_zero or beyond_target(service, target):
        return None

    def meets(c: int) -> bool:
        # The 95th percentile is at most the target where at most 5 % stay longer than it:
        # one evaluation of the tail instead of ``sojourn_p95``'s sixty.
        tail = sojourn_tail(rate, service, c)
        return tail is not None and tail.beyond(target) <= 0.05

    low = int(math.floor(rate * service.mean))  # never enough: the queue would grow
    high = low + 1
    while not meets(high):
        low, high = high, high + max(1, high - low) * 2
    while high - low > 1:  # invariant: low is not enough, high is
        mid = (low + high) // 2
        low, high = (low, mid) if meets(mid) else (mid, high)
    return high


def beyond_target(service: Service, target: float) -> bool:
    """Whether the service alone is slower than ``target`` at the 95th percentile: then no
    number of servers meets the target (waiting only adds to the service)."""
    return not service.is_zero and service.quantile(0.95) > target


def peak_minute_load(hour_rate: float) -> float:
    """Searches a second in a busy minute of an hour at ``hour_rate`` a second: the 99th
    percentile of a Poisson minute, per second."""
    if hour_rate <= 0:
        return 0.0
    return float(poisson.ppf(PEAK_MINUTE_QUANTILE, hour_rate * 60)) / 60


@dataclass(frozen=True)
class StoreLoad:
    """One store or national node: its kind's spec and its mean search rate (a second)."""

    name: str
    spec: StoreSpec
    rate: float


def store_loads(log: RunLog) -> tuple[list[StoreLoad], list[StoreLoad]]:
    """The hub and platforms, and the national nodes, with their mean search rates at real
    volume over the window."""
    assert log.costs is not None
    stores = log.costs.stores
    seconds = (log.horizon - log.warmup) * SECONDS_PER_DAY
    asked = searches_asked(log)
    central = [StoreLoad("hub", stores.hub, asked.get("hub", 0.0) / seconds)]
    central += [
        StoreLoad(name, stores.platform, asked.get(f"platform.{name}", 0.0) / seconds)
        for name in log.stores
        if name != "hub"
    ]
    nodes = [
        StoreLoad(code, stores.ncb, asked.get(f"ncb.{code}", 0.0) / seconds)
        for code in log.world.codes
    ]
    return central, nodes


def capacity_metrics(log: RunLog) -> dict[str, object]:
    """Peak load, servers needed and the 95th percentile at the configured servers, per store
    (the national nodes as their busiest and, for servers, their total), and the scalars a
    table shows: the busiest store's peak and the servers needed everywhere."""
    assert log.costs is not None
    capacity = log.costs.prices.capacity
    central, nodes = store_loads(log)
    busiest = max(nodes, key=lambda n: n.rate) if nodes else None
    shown = central + ([StoreLoad("ncb_busiest", busiest.spec, busiest.rate)] if busiest else [])
    peak: dict[str, float] = {}
    needed: dict[str, float | None] = {}
    p95: dict[str, float | None] = {}
    for store in shown:
        hour = store.rate * capacity.peak_to_mean
        service = Service.of(store.spec.service_seconds)
        peak[store.name] = peak_minute_load(hour)
        n = servers_needed(hour, service, capacity.target_p95_seconds)
        needed[store.name] = None if n is None else float(n)
        p95[store.name] = sojourn_p95(hour, service, store.spec.servers) if store.rate > 0 else None
    needed["ncb_total"] = total_servers(nodes, capacity.peak_to_mean, capacity.target_p95_seconds)
    counted = [v for k, v in needed.items() if k != "ncb_busiest"]
    total = None if any(v is None for v in counted) else float(sum(v or 0.0 for v in counted))
    return {
        "search_load_peak_per_second": peak,
        "servers_needed": needed,
        "search_p95_at_peak_seconds": p95,
        "busiest_store_peak_per_second": max(peak.values()) if peak else None,
        "servers_needed_total": total,
        "stores_beyond_target": float(stores_beyond(central + nodes, capacity.target_p95_seconds)),
    }


def stores_beyond(stores: list[StoreLoad], target: float) -> int:
    """Stores with searches whose service alone is slower than ``target`` (each service time
    checked once: every national node has the same)."""
    slow = functools.cache(lambda dist: beyond_target(Service.of(dist), target))
    return sum(1 for s in stores if s.rate > 0 and slow(s.spec.service_seconds))


def total_servers(nodes: list[StoreLoad], peak_to_mean: float, target: float) -> float | None:
    """Servers the national nodes need together (None if one cannot be sized)."""
    if not nodes:
        return 0.0
    service = Service.of(nodes[0].spec.service_seconds)  # one spec for every national node
    sized: dict[float, int | None] = {}
    for node in nodes:
        if node.rate not in sized:
            sized[node.rate] = servers_needed(node.rate * peak_to_mean, service, target)
    counts = [sized[node.rate] for node in nodes]
    return None if any(c is None for c in counts) else float(sum(c or 0 for c in counts))
