"""An architecture per record kind: the plans of several architectures, each restricted to its
kinds and concatenated; each part's dynamic code (a federation's searches) runs on its own
rows. With unlimited servers and the same links, each kind measures as under its pure
architecture; where the kinds share a queue or a link's random delays, they interact as they
would in the real system (one queue, one network)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.architectures.base import Context, Strategy
from sim.config.schema import ArchitectureBase, Reluctance, Scenario
from sim.config.schema import Mixed as MixedSpec
from sim.topology import Topology
from sim.world import WorldIndex


class Mixed(Strategy):
    kind = "mixed"
    # No named setting of its own: a mix is made of the other architectures' settings, per
    # record kind of a scenario (tests/test_mixed.py).

    @classmethod
    def plan_for(cls, spec: ArchitectureBase, world: WorldIndex, scenario: Scenario) -> Topology:
        assert isinstance(spec, MixedSpec)
        mix = parts(spec, world, scenario)
        return sum((plan.tagged(f"mix{i}") for i, (_, _, plan) in enumerate(mix)), Topology())

    def __init__(self, context: Context, spec: ArchitectureBase) -> None:
        super().__init__(context, spec)
        assert isinstance(spec, MixedSpec)
        from sim.architectures import REGISTRY  # the registry imports this module

        self.parts: list[Strategy] = []
        self.kinds: list[tuple[str, ...]] = []
        kind_names = tuple(k.name for k in context.scenario.records.kind_specs())
        for i, (kinds, part) in enumerate(spec.parts(kind_names)):
            name = f"{context.name}/mix{i}" if context.name else f"mix{i}"
            part_context = replace(context, plan=context.plan.part(name), name=name)
            self.parts.append(REGISTRY[part.kind](part_context, part))
            self.kinds.append(kinds)

    def ask_owners(self, qid: np.ndarray, querier: np.ndarray, t: np.ndarray) -> None:
        for part in self.parts:
            part.ask_owners(qid, querier, t)

    def before_serving(self, now: float) -> None:
        for part in self.parts:
            part.before_serving(now)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        """The parts' reluctance, weighed by the share of the records of their kinds."""
        share = {k.name: k.share for k in self.context.scenario.records.kind_specs()}
        weights = [sum(share[k] for k in kinds) for kinds in self.kinds]
        values = [part.sharing_reluctance(reluctance) for part in self.parts]
        return float(np.average(values, weights=weights)) if sum(weights) > 0 else 0.0


def parts(
    spec: MixedSpec, world: WorldIndex, scenario: Scenario
) -> list[tuple[tuple[str, ...], ArchitectureBase, Topology]]:
    """(record kinds, architecture, its plan for those kinds) of each part of the mix."""
    from sim.architectures import REGISTRY  # the registry imports this module

    kinds = tuple(k.name for k in scenario.records.kind_specs())
    return [
        (names, part, REGISTRY[part.kind].plan_for(part, world, scenario).for_kinds(names))
        for names, part in spec.parts(kinds)
    ]
