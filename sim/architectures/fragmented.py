"""Fragmented (today's status quo): each record is keyed by hand into every system the NCB uses.

Global records go to the hub and to each of the owner's platforms, regional ones to its
platforms only. Each system is a separate manual entry (a route whose profile is keyed by
hand): entered at all with ``entry_probability``, each later update or deletion also made there
with ``update_probability``, after a manual delay on top of the link's. Platforms and hub never
synchronise; officers ask their platforms and the hub. All of it is rows of the plan.
"""

from __future__ import annotations

from sim.architectures.base import Setting, Strategy
from sim.architectures.hybrid import platforms_and_hub
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Fragmented as FragmentedSpec
from sim.topology import (
    HUB,
    SHAREABLE,
    Manual,
    Route,
    Topology,
    everyone,
    link_profiles,
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
        profiles = link_profiles(scenario)
        by_hand = {
            system: Manual(
                getattr(spec.entry_probability, system),
                getattr(spec.update_probability, system),
                getattr(spec.entry_delay_hours, system),
            )
            for system in ("hub", "platform")
        }
        to_hub = profiles["ncb_to_hub"].keyed_by_hand(by_hand["hub"])
        to_platform = profiles["ncb_to_platform"].keyed_by_hand(by_hand["platform"])
        routes = (
            Route(HUB, everyone(world), (GLOBAL,), to_hub),
            *(
                Route(platform_store(name), members(world, p), SHAREABLE, to_platform)
                for p, name in enumerate(world.platforms)
            ),
        )
        return Topology(routes, platforms_and_hub(world, profiles))

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.fragmented
