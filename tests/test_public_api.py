"""The public namespace is a promise to notebook users: changing it must be deliberate."""

import sim


def test_public_names():
    assert sorted(sim.__all__) == [
        "ConfigError",
        "RunResult",
        "Scenario",
        "load_scenario",
        "run_one",
        "scenario_from_dict",
        "sweep",
    ]
    for name in sim.__all__:
        assert hasattr(sim, name)


def test_sweep_is_a_plain_function():
    from sim.sweeps.api import sweep

    assert sim.sweep is sweep


def test_importing_the_configuration_loads_no_simulation_library():
    """``import sim.config`` (what ``pdsa validate`` needs) must stay light: a fresh process
    that imports it has loaded neither Mesa, SimPy, SciPy nor matplotlib."""
    import subprocess
    import sys

    code = (
        "import sys, sim.config; heavy = ('mesa', 'simpy', 'scipy', 'matplotlib');"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
