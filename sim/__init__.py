"""pdsa: simulator of multilateral police data-sharing architectures.

The public API, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario("scenarios/world-2023-fragmented.yaml")
    result = sim.run_one(scenario, seed=1)        # one run: RunResult
    runs = sim.sweep("experiments/four-architectures.yaml", out="results/four")  # DataFrame

Names are imported on first use (PEP 562), so ``import sim.config`` loads neither Mesa, SimPy
nor SciPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.config import ConfigError, Scenario, load_scenario, scenario_from_dict
    from sim.results import RunResult
    from sim.runner import run_one
    from sim.sweeps.api import sweep

_HOMES = {
    "ConfigError": "sim.config",
    "Scenario": "sim.config",
    "load_scenario": "sim.config",
    "scenario_from_dict": "sim.config",
    "RunResult": "sim.results",
    "run_one": "sim.runner",
    "sweep": "sim.sweeps.api",
}

__all__ = [
    "ConfigError",
    "RunResult",
    "Scenario",
    "load_scenario",
    "run_one",
    "scenario_from_dict",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
