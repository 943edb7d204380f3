"""Sweeps: experiment files, designs, common-random-number seeds, executors, results store.

Notebooks call :func:`sim.sweep` (``sim.sweep("experiments/x.yaml")`` returns the runs as a
DataFrame); the pieces below are for code that builds plans or runs them itself.
"""

from __future__ import annotations

from sim.sweeps.api import Progress, SweepOutcome, run_sweep, sweep
from sim.sweeps.experiment import Experiment, Sample, load_experiment
from sim.sweeps.plan import RunSpec, build_plan
from sim.sweeps.rerun import rerun

__all__ = [
    "Experiment",
    "Progress",
    "RunSpec",
    "Sample",
    "SweepOutcome",
    "build_plan",
    "load_experiment",
    "rerun",
    "run_sweep",
    "sweep",
]
