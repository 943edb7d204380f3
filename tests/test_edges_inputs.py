"""The newer inputs at the edge (issue 25): names bounded and single-line, the uncertainties,
grid and sample sections validated as strictly as the old ones before anything runs, scenario
paths that are not regular files refused unopened, and the dry run sizing every world.

Each case ends in one line naming the file and the key path in full, exit status 2, nothing
written. Every test here failed on main at 9f6ade0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import sim.config.loading
from sim.cli import main
from sim.config import ConfigError, load_yaml_mapping
from sim.sweeps import build_plan, load_experiment
from tests.test_sweep import SCENARIO
from tests.test_uncertainties import EXPERIMENT, HUB_DELAY, HUB_ENTRY

ROOT = Path(__file__).resolve().parents[1]
DELAY = "links.ncb_to_hub.delay_hours"


def write(folder: Path, experiment: dict, scenario: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario or SCENARIO))
    path = folder / "exp.yaml"
    path.write_text(yaml.safe_dump(experiment, sort_keys=False))
    return path


def worlds(parameters: dict, **block) -> dict:
    return {"uncertainties": {"design": "lhs", "worlds": 4, "parameters": parameters} | block}


def experiment(**changes) -> dict:
    return {**EXPERIMENT, **changes}


def refused(path: Path, *args: str) -> str:
    """The one line ``pdsa sweep`` answers with (exit 2, no results directory)."""
    out = path.parent / "out"
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert not out.exists()
    return lines[0]


# --- names ---------------------------------------------------------------------------------------


def scenario_file(folder: Path, changes: dict) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({**SCENARIO, **changes}, allow_unicode=True))
    return path


def validate(path: Path) -> str:
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    return line


def test_a_huge_name_is_refused_at_once_with_its_length(tmp_path: Path) -> None:
    """Before: a 100,000-character name was accepted, and ``run --plot`` failed with
    MemoryError after 100 s, writing nothing."""
    path = scenario_file(tmp_path, {"name": "x" * 100_000})
    started = time.perf_counter()
    line = validate(path)
    assert line == f"{path}: name: too long: 100,000 characters, at most 200"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(path), "--out", str(out), "--plot", "--quiet"])
    assert result.exit_code == 2 and not out.exists()
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    ("changes", "key_path"),
    [
        ({"name": "plan\x1b]0;owned\x07\x1b[2Jall checks passed"}, "name"),
        ({"name": "two\nlines"}, "name"),
        ({"description": "fine\nbut \x1b[31mred"}, "description"),
        (
            {"world": {"countries": [{"code": "A\rB", "region": "r"}]}},
            "world.countries.0.code",
        ),
        (
            {"world": {"countries": [{"code": "AAA", "region": "europe\x9b2J"}]}},
            "world.countries.0.region",
        ),
        (
            {
                "world": {
                    "platforms": [{"name": "EUR\u202eLIVE"}],
                    "countries": [{"code": "AAA", "region": "r", "platforms": ["EUR\u202eLIVE"]}],
                }
            },
            "world.platforms.0.name",
        ),
    ],
    ids=["escape", "newline", "description", "code", "c1", "bidi"],
)
def test_control_characters_in_names_are_refused_and_shown(tmp_path, changes, key_path):
    """Before: accepted, and ``pdsa run`` printed them raw: a name could retitle the terminal,
    clear it and print a fake line. Now one line names the key and shows the character."""
    line = validate(scenario_file(tmp_path, changes))
    assert f": {key_path}: holds a control character (" in line
    assert not any(c in line for c in "\x1b\x07\r\x9b\u202e")


def test_a_description_keeps_its_paragraphs(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, {"description": "First.\n\nSecond,\twith a tab."})
    assert CliRunner().invoke(main, ["validate", str(path)]).exit_code == 0


def test_a_region_named_like_the_whole_world_is_refused(tmp_path: Path) -> None:
    """Before: a region named ``all`` shared the rows of the whole world in timeseries and the
    explorer's region choice."""
    world = {"countries": [{"code": "AAA", "region": "all"}, {"code": "BBB", "region": "x"}]}
    line = validate(scenario_file(tmp_path, {"world": world}))
    assert "world.countries.0.region: 'all' names the whole world in the results" in line


def test_record_kind_names_are_names(tmp_path: Path) -> None:
    kinds = {"notices\x1b[2J": {"share": 1.0}}
    line = validate(scenario_file(tmp_path, {"records": {**SCENARIO["records"], "kinds": kinds}}))
    assert "records.kinds: kind name 'notices\\x1b[2J': holds a control character" in line


@pytest.mark.parametrize(
    ("changes", "key_path", "message"),
    [
        ({"name": "n" * 300}, "name", "too long: 300 characters, at most 200"),
        ({"description": "\x1b[2J"}, "description", "holds a control character (␛"),
        (
            {"variants": {"v" * 201: {}}},
            "variants." + "v" * 108 + "...",
            "too long: 201 characters",
        ),
    ],
    ids=["name", "description", "variant"],
)
def test_experiment_names_are_bounded(tmp_path, changes, key_path, message):
    line = refused(write(tmp_path, experiment(**changes)))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: {key_path}: {message}"), line


# --- keys varied twice, the seed, columns ----------------------------------------------------


OVERLAPS = [
    (
        {"grid": {HUB_DELAY: [1, 2]}, **worlds({HUB_DELAY: {"range": [1, 96]}})},
        f"uncertainties.parameters.{HUB_DELAY}",
        f"{HUB_DELAY} is also varied by grid.{HUB_DELAY}",
    ),
    (
        worlds({HUB_DELAY: {"range": [1, 96]}, "g": {"keys": {HUB_DELAY: {"range": [2, 3]}}}}),
        f"uncertainties.parameters.g.keys.{HUB_DELAY}",
        f"also varied by uncertainties.parameters.{HUB_DELAY}",
    ),
    (
        worlds(
            {
                "a": {"keys": {HUB_DELAY: {"range": [1, 96]}}},
                "b": {"keys": {HUB_DELAY: {"range": [2, 3]}}},
            }
        ),
        f"uncertainties.parameters.b.keys.{HUB_DELAY}",
        f"also varied by uncertainties.parameters.a.keys.{HUB_DELAY}",
    ),
    (
        worlds(
            {
                DELAY: {"values": [{"dist": "fixed", "value": 1}, {"dist": "fixed", "value": 9}]},
                HUB_DELAY: {"range": [1, 96]},
            }
        ),
        f"uncertainties.parameters.{HUB_DELAY}",
        f"lies inside uncertainties.parameters.{DELAY}, which sets it whole",
    ),
    (
        {"grid": {HUB_DELAY: [1, 2], DELAY: [{"dist": "fixed", "value": 1}]}},
        f"grid.{DELAY}",
        f"it sets the whole of grid.{HUB_DELAY}",
    ),
    (
        {"grid": {DELAY: [{"dist": "fixed", "value": 1}]}, "sample": {
            "method": "lhs", "n": 4, "ranges": {HUB_DELAY: [1, 9]}}},
        f"sample.ranges.{HUB_DELAY}",
        f"lies inside grid.{DELAY}",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "key_path", "message"), OVERLAPS, ids=range(len(OVERLAPS)))
def test_a_key_varied_in_two_places_is_refused_naming_both(tmp_path, changes, key_path, message):
    """Before: accepted; the last section applied silently won, the other was dead (its points
    repeated, its column recording values that no run used)."""
    base = {k: v for k, v in EXPERIMENT.items() if k != "uncertainties"}
    line = refused(write(tmp_path, base | changes))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: {key_path}: "), line
    assert message in line and "vary each key in one place" in line


@pytest.mark.parametrize(
    ("changes", "key_path"),
    [
        ({"grid": {"seed": [1, 2]}}, "grid.seed"),
        (worlds({"seed": {"range": [1, 100]}}), "uncertainties.parameters.seed"),
        ({"sample": {"method": "lhs", "n": 2, "ranges": {"seed": [1, 9]}}}, "sample.ranges.seed"),
    ],
    ids=["grid", "uncertainty", "sample"],
)
def test_the_seed_is_not_a_key_to_vary(tmp_path, changes, key_path):
    """Before: accepted; every run's seed came from the experiment anyway, so it only
    multiplied the runs."""
    base = {k: v for k, v in EXPERIMENT.items() if k != "uncertainties"}
    line = refused(write(tmp_path, base | changes))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: {key_path}: the seed is not varied"), line


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("completeness", "is a metric's name"),
        ("messages_per_day.ncb_to_hub", "is a metric's name"),
        ("error", "is a column of the runs table"),
        ("wall_seconds", "is a column of the runs table"),
        ("world", "is a column of the runs table"),
        (HUB_DELAY, f"is also the column of grid.{HUB_DELAY}"),
    ],
)
def test_an_uncertainty_named_like_another_column_is_refused(tmp_path, name, why):
    """Before: a group named like a metric, a bookkeeping column or a grid key overwrote that
    column in runs.parquet."""
    group = {name: {"keys": {"records.creation_per_country_per_day": {"range": [5, 15]}}}}
    grid = {"grid": {HUB_DELAY: [1, 2]}} if name == HUB_DELAY else {}
    line = refused(write(tmp_path, experiment(**worlds(group), **grid)))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: uncertainties.parameters.{name}: "), line
    assert why in line


# --- values as written ------------------------------------------------------------------------


def test_a_range_partly_outside_its_bounds_is_refused_whatever_the_draws(tmp_path):
    """Before: with these 3 worlds every draw of [0.5, 1.02] fell at or below 1, so the sweep
    was accepted; a draw above 1 refused it. Now both ends are checked as written."""
    changes = experiment(seed=1, **worlds({HUB_ENTRY: {"range": [0.5, 1.02]}}, worlds=3))
    line = refused(write(tmp_path, changes))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: uncertainties.parameters.{HUB_ENTRY}.range:")
    assert "under variant 'fragmented': probability must be in [0, 1], got 1.02" in line


def test_a_listed_value_never_drawn_is_still_checked(tmp_path):
    values = {HUB_DELAY: {"values": [1, 2, 3, -4]}}
    line = refused(write(tmp_path, experiment(seed=1, **worlds(values, worlds=2))))
    assert f"uncertainties.parameters.{HUB_DELAY}.values: outside what {HUB_DELAY} takes" in line
    assert "must not be negative, got -4" in line


def test_a_sampled_range_outside_its_bounds_is_refused(tmp_path):
    base = {k: v for k, v in EXPERIMENT.items() if k != "uncertainties"}
    sample = {"method": "lhs", "n": 2, "ranges": {HUB_ENTRY: [0.9, 1.5]}}
    line = refused(write(tmp_path, base | {"sample": sample}))
    assert f"sample.ranges.{HUB_ENTRY}: outside what {HUB_ENTRY} takes" in line


@pytest.mark.parametrize(
    ("block", "key_path"),
    [
        ({"worlds": "many"}, "uncertainties.worlds"),
        ({"worlds": 1}, "uncertainties.worlds"),
        ({"design": "factorial", "levels": 1}, "uncertainties.levels"),
        ({"levels": "x"}, "uncertainties.levels"),
    ],
)
def test_worlds_and_levels_errors_name_their_full_key_path(tmp_path, block, key_path):
    """Before: the errors named ``worlds`` and ``levels``, as if they were top-level keys."""
    uncertainties = {"design": "lhs", "worlds": 4, "parameters": {HUB_DELAY: {"range": [1, 2]}}}
    if block.get("design") == "factorial":
        uncertainties.pop("worlds")
    line = refused(write(tmp_path, experiment(uncertainties=uncertainties | block)))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: {key_path}: "), line


def test_sample_n_errors_name_their_full_key_path(tmp_path):
    base = {k: v for k, v in EXPERIMENT.items() if k != "uncertainties"}
    sample = {"method": "lhs", "n": 0, "ranges": {HUB_DELAY: [1, 2]}}
    line = refused(write(tmp_path, base | {"sample": sample}))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: sample.n: must be in [1, "), line


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3"])
def test_a_run_timeout_that_is_not_a_positive_number_is_refused(tmp_path, value):
    """Before: ``--run-timeout nan`` passed the range check (NaN compares false) and then
    failed every run."""
    path = write(tmp_path, experiment())
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["sweep", str(path), "--out", str(out), "--run-timeout", value]
    )
    assert result.exit_code == 2 and not out.exists()
    assert "Invalid value for '--run-timeout'" in result.output
    assert "is not a number of seconds above 0" in result.output


# --- files that are not files -------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """Before: ``pdsa validate`` on a FIFO waited for a writer for ever (and the explorer's
    whole server with it)."""
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    experiment_file = write(tmp_path / "exp", experiment(scenario=str(fifo)))
    command = [sys.executable, "-m", "sim.cli", "validate", str(fifo), "/dev/zero"]
    done = subprocess.run(
        [*command, str(experiment_file)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{fifo}: is a named pipe (FIFO), not a file; give a YAML file",
        "/dev/zero: is a character device, not a file; give a YAML file",
        f"{experiment_file}: scenario: '{fifo}': is a named pipe (FIFO), not a file; give a"
        " YAML file",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_the_explorer_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    from sim.explore.controls import load_source

    fifo = tmp_path / "typed.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="named pipe"):
        load_source(fifo)
    assert time.perf_counter() - started < 2


def test_a_read_that_stalls_is_given_up(tmp_path: Path, monkeypatch) -> None:
    """A file on a stalled disk: the read is abandoned after READ_SECONDS with one line."""
    path = scenario_file(tmp_path, {})
    monkeypatch.setattr(sim.config.loading, "READ_SECONDS", 0.2)
    monkeypatch.setattr(sim.config.loading, "read_regular", lambda *a: time.sleep(5) or b"")
    started = time.perf_counter()
    with pytest.raises(ConfigError) as error:
        load_yaml_mapping(path)
    assert str(error.value) == f"{path}: could not be read in 0.2 s; a stalled disk?"
    assert time.perf_counter() - started < 2


# --- the dry run sizes every world ------------------------------------------------------------


def test_the_estimate_follows_each_world_s_horizon(tmp_path: Path) -> None:
    """Before: every run was taken to cost the variant's first run (0:27 estimated, 1:07
    taken). A clock standing in for the machine: a run costs 1 s plus 0.1 s per simulated day,
    so the estimate must be the sum over the runs of their own horizons."""
    from sim.config import scenario_from_dict
    from sim.sweeps.estimate import estimate

    changes = experiment(
        replications=1, variants={"centralized": {}}, uncertainties={
            "design": "lhs", "worlds": 6, "parameters": {"horizon_days": {"range": [100, 600]}}
        },
    )  # fmt: skip
    plan = build_plan(load_experiment(write(tmp_path, changes)))

    def clock(spec, share: float) -> float:
        return 1.0 + 0.1 * share * scenario_from_dict(spec.scenario).horizon_days

    found = estimate(plan, clock)
    truth = sum(clock(spec, 1.0) for spec in plan)
    assert found.cpu_seconds == pytest.approx(truth, rel=0.05)
    longest = max(clock(spec, 1.0) for spec in plan)
    assert found.wall_seconds(len(plan)) == pytest.approx(longest, rel=0.05)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("uncertainty", "heads a column of the robustness and sensitivity tables"),
        ("status", "is a column of the runs table"),
        ("ghost_rate", "is a metric's name"),
        ("delays", "is also the name of uncertainties.parameters.delays"),
    ],
)
def test_a_variant_named_like_a_column_of_its_tables_is_refused(tmp_path, name, why):
    """Before: a variant named ``uncertainty`` was accepted, and ``pdsa robustness`` then
    stopped with "ValueError: cannot insert uncertainty, already exists" (the levers are
    columns of its tables beside their index)."""
    variants = {"fragmented": {"architecture": {"kind": "fragmented"}}, name: {}}
    line = refused(write(tmp_path, experiment(variants=variants)))
    assert line.startswith(f"{tmp_path / 'exp.yaml'}: variants.{name}: the name '{name}' {why}")
