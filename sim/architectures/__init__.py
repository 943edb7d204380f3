"""Architecture strategies, one file each; adding one means a file, a line in ``REGISTRY`` and
its schema class in ``sim.config.schema``."""

from __future__ import annotations

from typing import Any

from sim.architectures.base import NODES, Channel, Context, Setting, Strategy, channels
from sim.architectures.centralized import Centralized
from sim.architectures.federated import Federated
from sim.architectures.fragmented import Fragmented
from sim.architectures.hybrid import Hybrid
from sim.architectures.migration import Migrating
from sim.architectures.mixed import Mixed
from sim.config.schema import ArchitectureBase, Scenario
from sim.topology import Topology
from sim.world import WorldIndex

REGISTRY: dict[str, type[Strategy]] = {
    "centralized": Centralized,
    "federated": Federated,
    "hybrid": Hybrid,
    "fragmented": Fragmented,
    "mixed": Mixed,
}


def named_settings() -> dict[str, dict[str, Any]]:
    """Every named setting of every registered architecture, as the ``architecture`` mapping
    it stands for, by label, in the registry's order."""
    return {
        setting.label: {"kind": kind, **setting.settings}
        for kind, strategy in REGISTRY.items()
        for setting in strategy.settings
    }


def demo_settings() -> dict[str, dict[str, Any]]:
    """The named settings ``pdsa demo`` compares (and the explorer ticks when it opens)."""
    return {
        setting.label: {"kind": kind, **setting.settings}
        for kind, strategy in REGISTRY.items()
        for setting in strategy.settings
        if setting.demo
    }


def exercised_settings() -> dict[str, dict[str, Any]]:
    """Every named setting with what the invariant tests add to exercise it."""
    return {
        setting.label: {"kind": kind, **setting.settings, **setting.exercise}
        for kind, strategy in REGISTRY.items()
        for setting in strategy.settings
    }


def plan_of(spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
    """The plan of the architecture ``spec`` describes."""
    return REGISTRY[spec.kind].plan_for(spec, world, scenario)


def build_strategy(spec: ArchitectureBase, context: Context) -> Strategy:
    """The strategy of the architecture ``spec`` describes, seeing only ``context``."""
    return REGISTRY[spec.kind](context, spec)


def run_plan(scenario: Scenario, world: WorldIndex) -> Topology:
    """The plan of a run: its architecture's, or, with a ``migration``, its road map's."""
    if scenario.migration.stages:
        return Migrating.plan_for(scenario.architecture, world, scenario)
    return plan_of(scenario.architecture, world, scenario)


def run_strategy(scenario: Scenario, context: Context) -> Strategy:
    """The strategy of a run (see ``run_plan``), seeing only ``context``."""
    if scenario.migration.stages:
        return Migrating(context, scenario.architecture)
    return build_strategy(scenario.architecture, context)


__all__ = [
    "NODES",
    "REGISTRY",
    "Channel",
    "Setting",
    "Context",
    "Strategy",
    "build_strategy",
    "channels",
    "demo_settings",
    "exercised_settings",
    "named_settings",
    "plan_of",
    "run_plan",
    "run_strategy",
]
