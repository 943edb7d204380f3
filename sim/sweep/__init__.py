"""Sweeps: experiment files, designs, common-random-number seeds, executors, results store.

``sim.sweep`` is also callable, ``sim.sweep("experiments/x.yaml")``, as a shortcut for
:func:`sim.sweep.api.sweep` (notebooks): it returns the runs as a DataFrame.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from sim.sweep.api import Progress, SweepOutcome, rerun, run_sweep, sweep
from sim.sweep.experiment import Experiment, Sample, load_experiment
from sim.sweep.plan import RunSpec, build_plan

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


class _CallableModule(types.ModuleType):
    """Lets ``sim.sweep(...)`` call :func:`sweep` while ``sim.sweep.<module>`` still works."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
