"""Architecture strategies, one file each; adding one means a file, a line in ``REGISTRY`` and
its schema class in ``sim.config.schema``."""

from __future__ import annotations

from sim.architectures.base import Channel, Context, QueryBook, Strategy
from sim.architectures.centralized import Centralized
from sim.architectures.federated import Federated
from sim.architectures.fragmented import Fragmented
from sim.architectures.hybrid import Hybrid
from sim.config.schema import ArchitectureBase

REGISTRY: dict[str, type[Strategy]] = {
    "centralized": Centralized,
    "federated": Federated,
    "hybrid": Hybrid,
    "fragmented": Fragmented,
}


def build_strategy(spec: ArchitectureBase, context: Context) -> Strategy:
    """The strategy of the architecture ``spec`` describes, seeing only ``context``."""
    return REGISTRY[spec.kind](context, spec)


__all__ = ["REGISTRY", "Channel", "Context", "QueryBook", "Strategy", "build_strategy"]
