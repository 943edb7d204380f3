"""pdsa: simulator of multilateral police data-sharing architectures.

The public API, for notebooks and scripts::

    import sim
    scenario = sim.load_scenario("scenarios/world-2023-fragmented.yaml")
    result = sim.run_one(scenario, seed=1)        # one run: RunResult
    runs = sim.sweep("experiments/four-architectures.yaml", out="results/four")  # DataFrame
"""

from sim import sweep
from sim.config import ConfigError, Scenario, load_scenario, scenario_from_dict
from sim.results import RunResult
from sim.runner import run_one

__all__ = [
    "ConfigError",
    "RunResult",
    "Scenario",
    "load_scenario",
    "run_one",
    "scenario_from_dict",
    "sweep",
]
