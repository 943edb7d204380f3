"""Centralized: every NCB sends every shareable change to the global hub; searches ask the hub."""

from __future__ import annotations

from sim.architectures.base import Setting, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.settings import Resolved, consults_split, routes_split
from sim.topology import HUB, SHAREABLE, Topology, everyone
from sim.world import WorldIndex


class Centralized(Strategy):
    kind = "centralized"
    settings = (Setting("centralized", demo=True),)

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        resolved = Resolved(scenario, world)

        def to_hub(country: int):  # noqa: ANN202
            return resolved.profile("ncb_to_hub", country)

        return Topology(
            routes=routes_split(HUB, everyone(world), SHAREABLE, to_hub),
            consults=consults_split(HUB, everyone(world), to_hub),
        )

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.centralized
