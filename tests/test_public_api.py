"""The public namespace is a promise to notebook users: changing it must be deliberate."""

import sim


def test_public_names():
    assert sorted(sim.__all__) == [
        "ConfigError", "RunResult", "Scenario", "load_scenario", "run_one", "scenario_from_dict",
        "sweep",
    ]
    for name in sim.__all__:
        assert hasattr(sim, name)


def test_sweep_is_callable_and_a_package():
    assert callable(sim.sweep)
    assert hasattr(sim.sweep, "load_experiment")
