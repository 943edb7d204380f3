"""A road map: NCBs move, wave by wave, from the scenario's architecture through the stages of
its ``migration``. Each country's records travel and are searched as its current architecture
says: the plan is each architecture's rows, restricted to the owners that run it and to the
days they run it, and tagged by stage so that each architecture's own code (a federation's
searches) runs on its rows. While waves move, the systems of every stage run side by side.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.architectures.base import Context, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.topology import Topology
from sim.world import WorldIndex


def stage_architectures(scenario: Scenario) -> list[ArchitectureBase]:
    """The architecture of each stage, the starting one first, each with the scenario's
    search deadline (one deadline for the whole road map)."""
    deadline = {"query_deadline_seconds": scenario.architecture.query_deadline_seconds}
    stages: list[ArchitectureBase] = [scenario.architecture]
    stages += [stage.to.model_copy(update=deadline) for stage in scenario.migration.stages]
    return stages


def timelines(scenario: Scenario) -> list[tuple[tuple[float, int], ...]]:
    """Per country, its (day, stage) moves: stage 0 from day 0, then each stage it moves to."""
    out = []
    for country in scenario.world.countries:
        moves = [(0.0, 0)]
        for k, stage in enumerate(scenario.migration.stages, start=1):
            for wave in stage.waves:
                if country.code in wave.countries or country.region in wave.regions:
                    moves.append((wave.day, k))
        out.append(tuple(moves))
    return out


def migration_plan(scenario: Scenario, world: WorldIndex, plans: list[Topology]) -> Topology:
    """The road map's plan from each stage's own (``plans``): for each group of countries
    that move alike, each stage's rows for their records, from the day they move to it to the
    day they move on, tagged ``stage<k>``."""
    out = Topology()
    groups: dict[tuple[tuple[float, int], ...], np.ndarray] = {}
    for i, moves in enumerate(timelines(scenario)):
        groups.setdefault(moves, np.zeros(world.n_countries, dtype=bool))[i] = True
    for moves, owners in groups.items():
        ends = [day for day, _ in moves[1:]] + [np.inf]
        for (start, stage), end in zip(moves, ends, strict=True):
            if end > start:
                rows = plans[stage].for_owners(owners).between(start, float(end))
                out = out + rows.tagged(f"stage{stage}")
    return out


class Migrating(Strategy):
    """The stages' strategies side by side, each on its own rows."""

    kind = "migration"

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        from sim.architectures import plan_of  # the registry imports this module

        plans = [plan_of(a, world, scenario) for a in stage_architectures(scenario)]
        return migration_plan(scenario, world, plans)

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        from sim.architectures import REGISTRY  # the registry imports this module

        self.stages: list[Strategy] = []
        for k, arch in enumerate(stage_architectures(context.scenario)):
            name = f"{context.name}/stage{k}" if context.name else f"stage{k}"
            stage_context = replace(context, plan=context.plan.part(name), name=name)
            self.stages.append(REGISTRY[arch.kind](stage_context, arch))

    def ask_owners(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        for stage in self.stages:
            stage.ask_owners(qid, querier, t)

    def before_serving(self, now: float) -> None:
        for stage in self.stages:
            stage.before_serving(now)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        """The last stage's: where the road map leads is what an NCB weighs when it decides
        how much to share."""
        return self.stages[-1].sharing_reluctance(reluctance)

    def label(self) -> str:
        names = [s.label() for s in self.stages]
        return " → ".join(dict.fromkeys(names))
