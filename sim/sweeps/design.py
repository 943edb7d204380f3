"""Designs: the points (values of the uncertain parameters) an experiment runs every variant at.

Grid points are the full factorial of the grid's values, in file order. Sample points come from
``scipy.stats.qmc`` (``lhs``, ``random``) or SALib (``sobol``: Saltelli's scheme without
second-order terms, ``morris``: trajectories), so that :func:`sim.analysis.sensitivity` can
analyse them. Points are the product: every grid point with every sample point.

Worlds (the experiment's ``uncertainties``) are points of the unit hypercube, one dimension per
uncertainty: a Latin hypercube or scrambled Sobol' points from ``scipy.stats.qmc``, or a full
factorial of evenly spaced levels; each key maps its uncertainty's draw to a value
(:meth:`KeySpec.value_at`).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.sweeps.experiment import Experiment, Sample, Uncertainties

MORRIS_LEVELS = 4


def grid_points(grid: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the last path varying fastest."""
    paths = list(grid)
    return [dict(zip(paths, values, strict=True)) for values in itertools.product(*grid.values())]


def salib_problem(sample: Sample) -> dict[str, Any]:
    return {
        "num_vars": len(sample.ranges),
        "names": list(sample.ranges),
        "bounds": [list(bounds) for bounds in sample.ranges.values()],
    }


def sample_matrix(sample: Sample, seed: np.random.SeedSequence) -> np.ndarray:
    """One row per sample point, one column per range, in the ranges' units."""
    d = len(sample.ranges)
    rng = np.random.default_rng(seed)
    if sample.method == "sobol":
        salib_seed = int(seed.generate_state(1)[0])
        from SALib.sample import sobol

        return sobol.sample(
            salib_problem(sample), sample.n, calc_second_order=False, seed=salib_seed
        )
    if sample.method == "morris":
        from SALib.sample import morris

        salib_seed = int(seed.generate_state(1)[0])
        return morris.sample(salib_problem(sample), sample.n, MORRIS_LEVELS, seed=salib_seed)
    unit = qmc.LatinHypercube(d, rng=rng).random(sample.n) if sample.method == "lhs" else None
    if unit is None:
        unit = rng.random((sample.n, d))
    lows, highs = zip(*sample.ranges.values(), strict=True)
    return qmc.scale(unit, lows, highs)


def sample_points(sample: Sample | None, seed: np.random.SeedSequence) -> list[dict[str, float]]:
    if sample is None:
        return [{}]
    paths = list(sample.ranges)
    return [
        {path: float(v) for path, v in zip(paths, row, strict=True)}
        for row in sample_matrix(sample, seed)
    ]


def design_points(experiment: Experiment, seed: np.random.SeedSequence) -> list[dict[str, Any]]:
    """Every grid point with every sample point; index ``g * n_samples + s``."""
    samples = sample_points(experiment.sample, seed)
    return [{**g, **s} for g in grid_points(experiment.grid) for s in samples]


def world_draws(uncertainties: Uncertainties, seed: np.random.SeedSequence) -> np.ndarray:
    """One row per world, one column per uncertainty, each draw in [0, 1]."""
    d = len(uncertainties.parameters)
    rng = np.random.default_rng(seed)
    if uncertainties.design == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(uncertainties.worlds)
    if uncertainties.design == "sobol":
        return qmc.Sobol(d, scramble=True, rng=rng).random(uncertainties.worlds)
    return factorial_draws(uncertainties)


def factorial_draws(uncertainties: Uncertainties) -> np.ndarray:
    """Every combination of levels, the last uncertainty varying fastest. A set of k values
    is drawn at the middle of each of its k cells; a range at k evenly spaced points, ends
    included."""
    axes = []
    for u in uncertainties.parameters:
        k = u.levels
        axes.append((np.arange(k) + 0.5) / k if k else np.linspace(0, 1, uncertainties.levels))
    return np.array(list(itertools.product(*axes)), dtype=float)
