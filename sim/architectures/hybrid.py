"""Hybrid: NCBs write to their regional platforms, which synchronise with the hub.

Platforms pass the global records of their members on to the hub; the hub passes them on to
other platforms as ``redistribute`` says: to none (officers query the hub anyway), to the
platforms with a member in the owner's INTERPOL region, or to every platform the owner is not
in. ``sync: push`` passes each change on as soon as it is applied (a relayed change takes its
FIFO place at the store it reaches, see ``sim.engine.network``); ``sync: batch`` sends what was
applied since the last sync every ``sync_interval_days``. An NCB in no platform writes to the
hub directly. Officers ask their platforms and the hub. All of it is rows of the plan.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from sim.architectures.base import Setting, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Hybrid as HybridSpec
from sim.settings import Resolved, consults_split, routes_split
from sim.topology import (
    HUB,
    SHAREABLE,
    Consult,
    Route,
    Topology,
    everyone,
    members,
    platform_store,
)
from sim.world import GLOBAL, WorldIndex


class Hybrid(Strategy):
    kind = "hybrid"
    settings = (
        Setting("hybrid push", {"sync": "push"}, demo=True),
        Setting(
            "hybrid batch",
            {"sync": "batch"},
            exercise={"sync_interval_days": 3.0, "redistribute": "region"},
        ),
        Setting("hybrid push, copies to all", {"sync": "push", "redistribute": "all"}),
    )

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        assert isinstance(spec, HybridSpec)
        resolved = Resolved(scenario, world)
        every = spec.sync_interval_days if spec.sync == "batch" else None
        return Topology(
            writes(world, resolved) + passed_on(world, resolved, spec.redistribute, every),
            platforms_and_hub(world, resolved),
        )

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.hybrid


def writes(world: WorldIndex, resolved: Resolved) -> tuple[Route, ...]:
    """Each NCB writes its shareable records to each of its platforms, its global ones to the
    hub when it is in none."""
    to_platforms = tuple(
        route
        for p, name in enumerate(world.platforms)
        for route in routes_split(
            platform_store(name),
            members(world, p),
            SHAREABLE,
            partial(resolved.profile, "ncb_to_platform", platform=p),
        )
    )
    alone = np.asarray(~world.membership.any(axis=1))
    to_hub = routes_split(HUB, alone, (GLOBAL,), lambda c: resolved.profile("ncb_to_hub", c))
    return to_platforms + to_hub


def passed_on(
    world: WorldIndex, resolved: Resolved, redistribute: str, every: float | None
) -> tuple[Route, ...]:
    """Each platform passes its members' global records on to the hub; the hub passes them on
    to the platforms ``redistribute`` names (none of the owner's own)."""
    up = tuple(
        Route(
            HUB,
            members(world, p),
            (GLOBAL,),
            resolved.profile("platform_to_hub", platform=p),
            via=platform_store(name),
            every_days=every,
        )
        for p, name in enumerate(world.platforms)
    )
    copies = hub_copies(world, redistribute)
    down = tuple(
        Route(
            platform_store(name),
            copies[:, p],
            (GLOBAL,),
            resolved.profile("hub_to_platform", platform=p),
            via=HUB,
            every_days=every,
        )
        for p, name in enumerate(world.platforms)
        if copies[:, p].any()
    )
    return up + down


def platforms_and_hub(world: WorldIndex, resolved: Resolved) -> tuple[Consult, ...]:
    """Officers ask each platform of their NCB and the hub."""
    platforms = tuple(
        consult
        for p, name in enumerate(world.platforms)
        for consult in consults_split(
            platform_store(name),
            members(world, p),
            partial(resolved.profile, "ncb_to_platform", platform=p),
        )
    )
    hub = consults_split(HUB, everyone(world), lambda q: resolved.profile("ncb_to_hub", q))
    return platforms + hub


def hub_copies(world: WorldIndex, redistribute: str) -> np.ndarray:
    """``[owner, platform]``: the hub passes the owner's global records on to the platform
    (never one the owner is in: it has them first hand)."""
    outside = ~world.membership
    if redistribute == "all":
        return outside
    if redistribute == "region":
        has_member_in = np.array(  # [region, platform]
            [world.membership[world.region_of == r].any(axis=0) for r in range(len(world.regions))]
        )
        return outside & has_member_in[world.region_of]
    return np.zeros_like(outside)
