"""Fragmented (today's status quo): each record is keyed by hand into every system the NCB uses.

Global records go to the hub and to each of the owner's platforms, regional ones to its
platforms only. Each system is a separate manual entry (a route whose profile is keyed by
hand): entered at all with ``entry_probability``, each later update or deletion also made there
with ``update_probability``, after a manual delay on top of the link's. Platforms and hub never
synchronise; officers ask their platforms and the hub. All of it is rows of the plan.
"""

from __future__ import annotations

from functools import partial

from sim.architectures.base import Setting, Strategy
from sim.architectures.hybrid import platforms_and_hub
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Fragmented as FragmentedSpec
from sim.settings import Resolved, routes_split
from sim.topology import (
    HUB,
    SHAREABLE,
    Manual,
    Profile,
    Topology,
    everyone,
    members,
    platform_store,
)
from sim.world import GLOBAL, WorldIndex


class Fragmented(Strategy):
    kind = "fragmented"
    settings = (
        Setting(
            "fragmented",
            demo=True,
            exercise={
                "entry_probability": {"hub": 0.7, "platform": 0.8},
                "update_probability": {"hub": 0.5, "platform": 0.6},
                "entry_delay_hours": {"hub": {"dist": "exponential", "mean": 10.0}},
            },
        ),
    )

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        assert isinstance(spec, FragmentedSpec)
        resolved = Resolved(scenario, world)
        by_hand = {
            system: Manual(
                getattr(spec.entry_probability, system),
                getattr(spec.update_probability, system),
                getattr(spec.entry_delay_hours, system),
            )
            for system in ("hub", "platform")
        }

        def to_hub(c: int) -> Profile:
            manual = resolved.keying(c, None, by_hand["hub"])
            return resolved.profile("ncb_to_hub", c).keyed_by_hand(manual)

        def to_platform(c: int, p: int) -> Profile:
            manual = resolved.keying(c, p, by_hand["platform"])
            return resolved.profile("ncb_to_platform", c, p).keyed_by_hand(manual)

        routes = routes_split(HUB, everyone(world), (GLOBAL,), to_hub) + tuple(
            route
            for p, name in enumerate(world.platforms)
            for route in routes_split(
                platform_store(name), members(world, p), SHAREABLE, partial(to_platform, p=p)
            )
        )
        return Topology(routes, platforms_and_hub(world, resolved))

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.fragmented
