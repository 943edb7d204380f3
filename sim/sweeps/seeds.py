"""Seeds of an experiment, derived from its one seed (common random numbers).

Replication ``i`` gets the same run seed under every variant and every point, so differences
between variants are paired. A replication's seed does not depend on how many replications
there are: adding replications later keeps the earlier ones.

In a sweep with uncertainties, world ``w`` and replication ``i`` get their own seed, the same
under every variant (and grid point): levers are paired world by world, and the ensemble of
worlds spans the simulation's own randomness as well as the assumptions.
"""

from __future__ import annotations

import numpy as np

DESIGN, REPLICATIONS, WORLDS = 0, 1, 2


def design_seed(experiment_seed: int) -> np.random.SeedSequence:
    """The stream the sample design (or the worlds of the uncertainties) draws from."""
    return np.random.SeedSequence(experiment_seed, spawn_key=(DESIGN,))


def replication_seeds(experiment_seed: int, replications: int) -> list[int]:
    """One 63-bit run seed per replication."""
    parent = np.random.SeedSequence(experiment_seed, spawn_key=(REPLICATIONS,))
    return [int(child.generate_state(1, np.uint64)[0] >> 1) for child in parent.spawn(replications)]


def world_seeds(experiment_seed: int, world: int, replications: int) -> list[int]:
    """One 63-bit run seed per replication of ``world``; independent of how many worlds."""
    return [
        seed_of(np.random.SeedSequence(experiment_seed, spawn_key=(WORLDS, world, r)))
        for r in range(replications)
    ]


def seed_of(sequence: np.random.SeedSequence) -> int:
    return int(sequence.generate_state(1, np.uint64)[0] >> 1)
