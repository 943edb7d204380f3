"""Correlated outages: failure domains whose member stores go down together.

A domain's events are drawn once per run from its own substream (``outage.domain.<name>``),
the same way a store's own outages are (``sim.engine.outages``): alternating exponential up
times and down times from the domain's duration distribution, plus its scheduled events. Every
member then holds the union of its own windows and its domains' events, so each later reader
(sends held until a node is up, queues, searches, the metrics) sees the domain through the
member's ``Availability`` alone, and with no domain nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.schema import CorrelatedOutage, Scenario
from sim.config.schema import World as WorldSpec
from sim.engine.dists import HOURS, Sampler
from sim.engine.outages import Availability
from sim.rng import Streams


@dataclass(frozen=True)
class DomainOutage:
    """One failure domain's events over a run, and the stores they take down."""

    name: str
    members: tuple[str, ...]
    """Store names (``hub``, ``platform.WAPIS``, ``ncb.NGA``): the hub, then the platforms and
    the national nodes in the world's order."""
    events: Availability
    """The domain's down windows, sorted and disjoint (overlapping events merged)."""


def members(domain: CorrelatedOutage, world: WorldSpec) -> tuple[str, ...]:
    """The stores ``domain`` takes down (``FailureDomain`` says which): operational platforms
    only, since a planned one has no store."""
    spec = domain.domain
    hub = ("hub",) if spec.hub else ()
    platforms = tuple(
        f"platform.{p.name}"
        for p in world.platforms
        if p.name in spec.platforms and p.status == "operational"
    )
    nodes = tuple(
        f"ncb.{c.code}"
        for c in world.countries
        if c.region in spec.regions or c.code in spec.countries
    )
    return hub + platforms + nodes


def events(domain: CorrelatedOutage, horizon: float, rng: np.random.Generator) -> Availability:
    """The domain's random events (from time 0, starting up) merged with its scheduled ones."""
    random = Availability.always_up()
    if domain.mtbf_days is not None and domain.duration_hours is not None:
        random = alternating(domain.mtbf_days, Sampler(domain.duration_hours, HOURS), horizon, rng)
    if not domain.scheduled:
        return random
    starts = np.array([e.start_day for e in domain.scheduled])
    ends = starts + np.array([e.duration_hours * HOURS for e in domain.scheduled])
    return Availability.union(random, Availability(starts, ends))


def alternating(
    mtbf_days: float, duration: Sampler, horizon: float, rng: np.random.Generator
) -> Availability:
    """Exp(``mtbf_days``) up periods alternating with down periods drawn from ``duration``,
    until an up period reaches ``horizon``."""
    starts: list[float] = []
    ends: list[float] = []
    t = 0.0
    while True:
        t += rng.exponential(mtbf_days)
        if t >= horizon:
            break
        down = float(duration.draw(rng, 1)[0])
        starts.append(t)
        ends.append(t + down)
        t += down
    return Availability(np.array(starts), np.array(ends))


def domain_outages(scenario: Scenario, streams: Streams) -> list[DomainOutage]:
    """Every failure domain of ``scenario`` with its events, in the scenario's order."""
    return [
        DomainOutage(
            domain.name,
            members(domain, scenario.world),
            events(domain, scenario.horizon_days, streams.get(f"outage.domain.{domain.name}")),
        )
        for domain in scenario.outages.correlated
    ]


def shared_windows(domains: Sequence[DomainOutage]) -> dict[str, Availability]:
    """Per member store, the union of the events of every domain it belongs to."""
    shared: dict[str, Availability] = {}
    for domain in domains:
        for store in domain.members:
            held = shared.get(store)
            shared[store] = (
                domain.events if held is None else Availability.union(held, domain.events)
            )
    return shared
