"""Centralized: every NCB sends every shareable change to the global hub; searches ask the hub."""

from __future__ import annotations

from sim.architectures.base import Setting, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.topology import HUB, SHAREABLE, Consult, Route, Topology, everyone, link_profiles
from sim.world import WorldIndex


class Centralized(Strategy):
    kind = "centralized"
    settings = (Setting("centralized", demo=True),)

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        to_hub = link_profiles(scenario)["ncb_to_hub"]
        return Topology(
            routes=(Route(HUB, everyone(world), SHAREABLE, to_hub),),
            consults=(Consult(HUB, everyone(world), to_hub),),
        )

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.centralized
