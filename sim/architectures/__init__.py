"""Architecture strategies, one file each; adding one means a file and a line in ``REGISTRY``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.architectures.base import Strategy, View
from sim.architectures.centralized import Centralized
from sim.architectures.federated import Federated
from sim.architectures.fragmented import Fragmented
from sim.architectures.hybrid import Hybrid

if TYPE_CHECKING:
    from sim.config.schema import Architecture
    from sim.model import DataSharingModel

REGISTRY: dict[str, type[Strategy]] = {
    "centralized": Centralized,
    "federated": Federated,
    "hybrid": Hybrid,
    "fragmented": Fragmented,
}


def build_strategy(spec: Architecture, model: DataSharingModel) -> Strategy:
    cls = REGISTRY[spec.kind]
    if cls is Centralized:
        return cls(model)
    return cls(model, spec)  # type: ignore[call-arg]


__all__ = ["REGISTRY", "Strategy", "View", "build_strategy"]
