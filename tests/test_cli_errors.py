"""Every way a scenario can be wrong ends as one line on stderr, exit 2, and nothing written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main

GOOD = """\
name: t
horizon_days: 100
warmup_days: 10
world:
  platforms: [{name: EUR}]
  countries:
    - {code: AAA, region: europe, platforms: [EUR]}
    - {code: BBB, region: africa}
"""

# (case id, file text, key path that must be named, fragments the message must contain)
BAD_FILES = [
    ("empty", "", None, ["empty"]),
    ("comments-only", "# nothing\n", None, ["no data"]),
    ("malformed", "world:\n  countries: [\n", None, ["invalid YAML", "line 3, column 1"]),
    ("not-a-mapping", "- a\n- b\n", None, ["must be a mapping", "list"]),
    (
        "python-tag",
        'name: !!python/object/apply:os.system ["ls"]\n',
        None,
        ["!!python/object/apply:os.system", "not allowed", "line 1"],
    ),
    (
        "unknown-key",
        GOOD + "records: {creaton_per_country_per_day: 3}\n",
        "records.creaton_per_country_per_day",
        ["did you mean 'creation_per_country_per_day'?"],
    ),
    (
        "unknown-top-key",
        GOOD + "horizon_dayz: 3\n",
        "horizon_dayz",
        ["did you mean 'horizon_days'?"],
    ),
    (
        "unknown-key-in-union-member",
        GOOD + "architecture: {kind: hybrid, sinc: push}\n",
        "architecture.sinc",
        ["did you mean 'sync'?"],
    ),
    (
        "unknown-key-in-distribution",
        GOOD + "records: {lifetime_days: {dist: exponential, maen: 3}}\n",
        "records.lifetime_days.maen",
        ["did you mean 'mean'?"],
    ),
    (
        "wrong-type",
        GOOD + "records: {creation_per_country_per_day: lots}\n",
        "records.creation_per_country_per_day",
        ["'lots'", "a number"],
    ),
    (
        "negative-rate",
        GOOD + "records: {updates_per_record_per_day: -0.5}\n",
        "records.updates_per_record_per_day",
        ["negative", "-0.5"],
    ),
    (
        "probability-above-one",
        GOOD + "queries: {hit_fraction: 1.5}\n",
        "queries.hit_fraction",
        ["[0, 1]", "1.5"],
    ),
    (
        "fragmented-probability",
        GOOD + "architecture: {kind: fragmented, entry_probability: {hub: -0.1}}\n",
        "architecture.entry_probability.hub",
        ["[0, 1]", "-0.1"],
    ),
    (
        "scope-sum",
        GOOD + "records: {scope: {global: 0.7, regional: 0.5}}\n",
        "records.scope",
        ["sum to 1", "1.2"],
    ),
    (
        "undefined-platform",
        GOOD.replace("platforms: [EUR]", "platforms: [EUROPOL]"),
        "world.countries.0.platforms.0",
        ["'EUROPOL'", "not defined"],
    ),
    (
        "duplicate-country",
        GOOD.replace("code: BBB", "code: AAA"),
        "world.countries.1.code",
        ["duplicate", "'AAA'"],
    ),
    (
        "warmup-after-horizon",
        GOOD.replace("warmup_days: 10", "warmup_days: 100"),
        "warmup_days",
        ["must be < horizon_days"],
    ),
    (
        "unknown-architecture",
        GOOD + "architecture: {kind: centralised}\n",
        "architecture.kind",
        ["did you mean 'centralized'?", "federated", "hybrid", "fragmented"],
    ),
    (
        "unknown-distribution",
        GOOD + "records: {lifetime_days: {dist: exponentiel, mean: 3}}\n",
        "records.lifetime_days.dist",
        ["did you mean 'exponential'?", "lognormal"],
    ),
    (
        "yaml-boolean-country-code",
        GOOD.replace("code: BBB", "code: NO"),
        "world.countries.1.code",
        ["got False", "quote it"],
    ),
    (
        "missing-world",
        "name: t\n",
        "world",
        ["missing"],
    ),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def assert_one_line_error(stderr: str, path: Path, key_path: str | None, fragments: list[str]):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert "Traceback" not in stderr
    assert line.startswith(f"{path}: "), line
    if key_path is not None:
        assert f": {key_path}: " in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


@pytest.mark.parametrize(
    ("text", "key_path", "fragments"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_validate_reports_bad_file(
    tmp_path: Path, text: str, key_path: str | None, fragments: list[str]
) -> None:
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert_one_line_error(result.stderr, path, key_path, fragments)


@pytest.mark.parametrize(
    ("text", "key_path", "fragments"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_run_reports_bad_file_and_writes_nothing(
    tmp_path: Path, text: str, key_path: str | None, fragments: list[str]
) -> None:
    path = write(tmp_path, text)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert_one_line_error(result.stderr, path, key_path, fragments)
    assert not out.exists()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "o")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2
        assert_one_line_error(result.stderr, path, None, ["file not found"])
    assert not (tmp_path / "o").exists()


def test_validate_good_and_bad_together(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "queries: {hit_fraction: 2}\n")
    result = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert result.stdout == f"ok {good}\n"
    assert f"{bad}: queries.hit_fraction:" in result.stderr


def test_validate_says_how_many_runs_an_experiment_simulates() -> None:
    """The robustness experiment's grid (the batch interval) is scoped to one variant: the
    other six run once per world and are copied to the grid's three values."""
    root = Path(__file__).resolve().parents[1]
    files = [str(root / "experiments" / f"world-2023-{name}.yaml")
             for name in ("robustness", "architectures")]  # fmt: skip
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("(experiment, 5376 runs, 2304 of them simulated: the others copy"
                             " a variant's run at the grid values outside its scope)")  # fmt: skip
    assert lines[1].endswith("(experiment, 70 runs)")


def test_validate_shipped_scenarios() -> None:
    root = Path(__file__).resolve().parents[1]
    files = [str(p) for p in sorted((root / "scenarios").glob("*.yaml"))]
    files.append(str(root / "sim" / "scenarios" / "default.yaml"))
    result = CliRunner().invoke(main, ["validate", *files])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("ok ") == len(files)


@pytest.mark.parametrize(
    ("assignment", "key_path", "fragments"),
    [
        (
            "records.creaton_per_country_per_day=3",
            "records.creaton_per_country_per_day",
            ["did you mean 'creation_per_country_per_day'?"],
        ),
        ("records.foo=1", "records.foo", ["unknown key 'foo'", "scope"]),
        ("architecture.sync=batch", "architecture.sync", ["unknown key 'sync'", "centralized"]),
        ("world.countries.5.weight=2", "world.countries.5", ["out of range"]),
        (
            "records.creation_per_country_per_day=-1",
            "records.creation_per_country_per_day",
            ["negative"],
        ),
        ("no-equals-sign", "no-equals-sign", ["dotted.path=value"]),
    ],
)
def test_run_bad_set(tmp_path: Path, assignment: str, key_path: str, fragments: list[str]) -> None:
    path = write(tmp_path, GOOD)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--set", assignment, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert_one_line_error(result.stderr, path, None, [f"--set {key_path}: ", *fragments])
    assert not out.exists()


def test_demo_horizon_shorter_than_warmup() -> None:
    result = CliRunner().invoke(main, ["demo", "--scenario", "small", "--horizon-days", "30"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--horizon-days warmup_days: 60 must be < horizon_days (30)" in result.stderr
    world = CliRunner().invoke(main, ["demo", "--horizon-days", "40"])
    assert world.exit_code == 2
    assert "--horizon-days warmup_days: 60 must be < horizon_days (40)" in world.stderr


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("pdsa, version ")


def test_python_module_entry_point(tmp_path: Path) -> None:
    """The real process: no traceback escapes, exit status 2."""
    import subprocess
    import sys

    path = write(tmp_path, textwrap.dedent(GOOD) + "records: {scope: {global: 0.5}}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"{path}: records.scope: scope proportions must sum to 1, got 0.5\n"


# --- the success path, against a stub runner (the real one is tested with the model) ---------


def _stub_result(scenario, seed):
    import pandas as pd

    from sim.catalogue import HEADLINE_METRICS
    from sim.config import resolved_dict, scenario_sha256
    from sim.results import RunResult

    metrics = dict.fromkeys(HEADLINE_METRICS, 0.5)
    metrics.update(completeness=0.98765, lag_p95_hours=12.3456, exposure=None, coverage=1234.5)
    return RunResult(
        metrics=metrics,
        by_region={},
        counts={"records_created": 1},
        timeseries=pd.DataFrame({"day": [0]}),
        visibility_curve=pd.DataFrame({"hours": [0.0], "share": [0.0]}),
        outages=pd.DataFrame({"store": [], "start_day": [], "end_day": []}),
        seed=scenario.seed if seed is None else seed,
        scenario=resolved_dict(scenario),
        scenario_sha256=scenario_sha256(scenario),
        version="test",
        wall_seconds=0.0,
    )


@pytest.fixture
def stub_runner(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, int | None]]:
    import sys
    import types

    calls: list[tuple[object, int | None]] = []

    def run_one(scenario, seed=None, on_progress=None):
        calls.append((scenario, seed))
        return _stub_result(scenario, seed)

    monkeypatch.setitem(sys.modules, "sim.runner", types.SimpleNamespace(run_one=run_one))
    return calls


def test_run_prints_table_and_writes_outputs(tmp_path: Path, stub_runner) -> None:
    path = write(tmp_path, GOOD)
    out = tmp_path / "out"
    args = ["run", str(path), "--seed", "5", "--set", "queries.hit_fraction=0.2", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    scenario, seed = stub_runner[0]
    assert (seed, scenario.queries.hit_fraction) == (5, 0.2)
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[3:-1]}
    assert rows["completeness"] == ["%", "98.8"]  # shares in percent, as the report shows them
    assert rows["lag_p95_hours"] == ["hours", "12.3"]
    assert rows["exposure"] == ["copies", "per", "live", "record", "n/a"]
    assert rows["n/a:"][:3] == ["nothing", "to", "measure"]  # the note under the table
    assert sorted(p.name for p in out.iterdir()) == [
        "outages.csv",
        "summary.json",
        "timeseries.csv",
        "visibility.csv",
    ]


def test_run_quiet_prints_nothing(tmp_path: Path, stub_runner) -> None:
    result = CliRunner().invoke(main, ["run", str(write(tmp_path, GOOD)), "--quiet"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_demo_runs_the_architectures_side_by_side(stub_runner) -> None:
    result = CliRunner().invoke(
        main,
        ["demo", "--scenario", "small", "--seed", "3", "--horizon-days", "100", "--quiet",
         "--workers", "1"],  # in this process, where the stub runner sees the runs
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [s.architecture.label() for s, _ in stub_runner] == [
        "centralized",
        "federated",
        "federated by issuer",
        "hybrid push",
        "fragmented",
    ]
    from sim.sweeps.seeds import replication_seeds

    # every architecture runs on the seed a one-replication sweep of seed 3 gives its runs
    assert {(s.horizon_days, seed) for s, seed in stub_runner} == {
        (100, replication_seeds(3, 1)[0])
    }
    header = result.stdout.splitlines()[2]
    for column in ("centralized", "federated broadcast", "federated issuer", "hybrid push"):
        assert column in header
    rows = {line.split()[0] for line in result.stdout.splitlines()[4:]}
    outcomes = ("hits_per_year", "missed_hits_per_year", "false_hits_per_year")
    assert {*outcomes, "busiest_store_peak_per_second"} <= rows


def test_run_shipped_scenario_end_to_end(tmp_path: Path) -> None:
    """The real runner: the summary names the scenario by the same fingerprint as the loader."""
    import json

    from sim.config import load_scenario, scenario_sha256

    scenario_file = (
        Path(__file__).resolve().parents[1] / "scenarios" / "two-countries-centralized.yaml"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(scenario_file), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 7
    assert summary["scenario_sha256"] == scenario_sha256(load_scenario(scenario_file))
    assert 0 < summary["metrics"]["completeness"] <= 1
