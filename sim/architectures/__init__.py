"""Architecture strategies, one file each; adding one means a file, a line in ``REGISTRY`` and
its schema class in ``sim.config.schema``."""

from __future__ import annotations

from sim.architectures.base import NODES, Channel, Context, Strategy, channels
from sim.architectures.centralized import Centralized
from sim.architectures.federated import Federated
from sim.architectures.fragmented import Fragmented
from sim.architectures.hybrid import Hybrid
from sim.config.schema import ArchitectureBase, Scenario
from sim.topology import Topology
from sim.world import WorldIndex

REGISTRY: dict[str, type[Strategy]] = {
    "centralized": Centralized,
    "federated": Federated,
    "hybrid": Hybrid,
    "fragmented": Fragmented,
}


def plan_of(spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
    """The plan of the architecture ``spec`` describes."""
    return REGISTRY[spec.kind].plan_for(spec, world, scenario)


def build_strategy(spec: ArchitectureBase, context: Context) -> Strategy:
    """The strategy of the architecture ``spec`` describes, seeing only ``context``."""
    return REGISTRY[spec.kind](context, spec)


__all__ = [
    "NODES",
    "REGISTRY",
    "Channel",
    "Context",
    "Strategy",
    "build_strategy",
    "channels",
    "plan_of",
]
