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

import numpy as np

from sim.architectures.base import Setting, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Hybrid as HybridSpec
from sim.topology import (
    HUB,
    SHAREABLE,
    Consult,
    Profile,
    Route,
    Topology,
    everyone,
    link_profiles,
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
        profiles = link_profiles(scenario)
        every = spec.sync_interval_days if spec.sync == "batch" else None
        return Topology(
            writes(world, profiles) + passed_on(world, profiles, spec.redistribute, every),
            platforms_and_hub(world, profiles),
        )

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.hybrid


def writes(world: WorldIndex, profiles: dict[str, Profile]) -> tuple[Route, ...]:
    """Each NCB writes its shareable records to each of its platforms, its global ones to the
    hub when it is in none."""
    to_platforms = tuple(
        Route(platform_store(name), members(world, p), SHAREABLE, profiles["ncb_to_platform"])
        for p, name in enumerate(world.platforms)
    )
    alone = np.asarray(~world.membership.any(axis=1))
    return (*to_platforms, Route(HUB, alone, (GLOBAL,), profiles["ncb_to_hub"]))


def passed_on(
    world: WorldIndex, profiles: dict[str, Profile], redistribute: str, every: float | None
) -> tuple[Route, ...]:
    """Each platform passes its members' global records on to the hub; the hub passes them on
    to the platforms ``redistribute`` names (none of the owner's own)."""
    up = tuple(
        Route(
            HUB,
            members(world, p),
            (GLOBAL,),
            profiles["platform_to_hub"],
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
            profiles["hub_to_platform"],
            via=HUB,
            every_days=every,
        )
        for p, name in enumerate(world.platforms)
        if copies[:, p].any()
    )
    return up + down


def platforms_and_hub(world: WorldIndex, profiles: dict[str, Profile]) -> tuple[Consult, ...]:
    """Officers ask each platform of their NCB and the hub."""
    platforms = tuple(
        Consult(platform_store(name), members(world, p), profiles["ncb_to_platform"])
        for p, name in enumerate(world.platforms)
    )
    return (*platforms, Consult(HUB, everyone(world), profiles["ncb_to_hub"]))


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
