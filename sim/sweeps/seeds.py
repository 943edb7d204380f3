"""Seeds of an experiment, derived from its one seed (common random numbers).

Replication ``i`` gets the same run seed under every variant and every point, so differences
between variants are paired. A replication's seed does not depend on how many replications
there are: adding replications later keeps the earlier ones.
"""

from __future__ import annotations

import numpy as np

DESIGN, REPLICATIONS = 0, 1


def design_seed(experiment_seed: int) -> np.random.SeedSequence:
    """The stream the sample design draws from."""
    return np.random.SeedSequence(experiment_seed, spawn_key=(DESIGN,))


def replication_seeds(experiment_seed: int, replications: int) -> list[int]:
    """One 63-bit run seed per replication."""
    parent = np.random.SeedSequence(experiment_seed, spawn_key=(REPLICATIONS,))
    return [int(child.generate_state(1, np.uint64)[0] >> 1) for child in parent.spawn(replications)]
