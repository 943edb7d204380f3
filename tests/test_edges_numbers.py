"""Numbers and YAML at the edge (issue 12, findings 1, 3, 4, 5 and 10): every bad number or
hostile file ends as one short line, exit status 2, nothing written."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.config import ConfigError, load_scenario
from sim.config.yaml_loader import MAX_DEPTH, parse_yaml
from tests.test_cli_errors import GOOD, assert_one_line_error, write
from tests.test_sweep import write_experiment


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# --- finding 1: YAML 1.2 numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e1", 10.0),
        ("1.5E-3", 0.0015),
        ("-2e+2", -200.0),
        ("010", 10),
        ("0o10", 8),
        ("0x10", 16),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("2023-01-01", "2023-01-01"),
        ("yes", True),
    ],
)
def test_yaml_reads_numbers_as_yaml_1_2(text: str, value: object) -> None:
    assert parse_yaml(f"a: {text}") == {"a": value}


def test_yaml_infinities_and_nan_are_floats() -> None:
    data = parse_yaml("a: [.inf, -.Inf, .nan]")
    assert data["a"][:2] == [math.inf, -math.inf] and math.isnan(data["a"][2])


def test_a_grid_value_written_1e1_sweeps_to_the_end(tmp_path: Path) -> None:
    """Before: '1e1' was text, validation coerced it, and the parquet write crashed after
    every run, on every --resume too."""
    experiment = write_experiment(tmp_path, {"variants": {"a": {}}, "replications": 1})
    text = experiment.read_text().replace(
        "grid:\n  links.ncb_to_hub.delay_hours.mean:\n  - 6\n  - 48\n",
        "grid:\n  records.creation_per_country_per_day: [5, 1e1]\n",
    )
    experiment.write_text(text + "seed: 3\n" if "seed:" not in text else text)
    out = tmp_path / "out"
    result = invoke("sweep", str(experiment), "--out", str(out), "--workers", "1", "--quiet")
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["records.creation_per_country_per_day"].tolist() == [5.0, 10.0]
    assert invoke("compare", str(out)).exit_code == 0


# --- finding 3: infinite and near-limit numbers ---------------------------------------------

NUMBERS = [
    ("records: {creation_per_country_per_day: .inf}", "records.creation_per_country_per_day"),
    ("records: {creation_per_country_per_day: 1.0e+308}", "records.creation_per_country_per_day"),
    ("records: {sample_fraction: 5e-324}", "records.sample_fraction"),
    ("links: {ncb_to_hub: {delay_hours: {dist: fixed, value: .inf}}}", "links.ncb_to_hub"),
    ("queries: {per_country_per_day: 1e10}", "queries.per_country_per_day"),
    ("outages: {hub: {mtbf_days: 1e-9, mttr_hours: 1}}", "outages.hub.mtbf_days"),
    ("architecture: {kind: hybrid, sync: batch, sync_interval_days: 1e-9}", "architecture"),
    ("stores: {hub: {servers: true}}", "stores.hub.servers"),
    ("behaviour: {enabled: 1}", "behaviour.enabled"),
    ("records: {creation_per_country_per_day: '10'}", "records.creation_per_country_per_day"),
]


@pytest.mark.parametrize(("extra", "key_path"), NUMBERS, ids=[n[1] for n in NUMBERS])
def test_numbers_out_of_range_are_refused_before_running(
    tmp_path: Path, extra: str, key_path: str
) -> None:
    path = write(tmp_path, GOOD + extra + "\n")
    out = tmp_path / "out"
    result = invoke("run", str(path), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert_one_line_error(result.stderr, path, None, [f": {key_path}"])
    assert not out.exists()


def test_horizon_at_infinity_or_past_a_century(tmp_path: Path) -> None:
    for horizon in (".inf", "100000"):
        path = write(tmp_path, GOOD.replace("horizon_days: 100", f"horizon_days: {horizon}"))
        result = invoke("validate", str(path))
        assert result.exit_code == 2
        assert_one_line_error(result.stderr, path, "horizon_days", [])


def test_demo_horizon_days_inf_is_refused_naming_the_option() -> None:
    result = invoke("demo", "--scenario", "small", "--horizon-days", "inf")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "--horizon-days horizon_days: expected a finite number, got inf (float)"
    )


def test_a_quoted_nan_is_called_a_text_not_a_negative_number(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + 'records: {creation_per_country_per_day: "nan"}\n')
    result = invoke("validate", str(path))
    assert_one_line_error(
        result.stderr, path, "records.creation_per_country_per_day", ["finite number", "'nan'"]
    )
    assert "negative" not in result.stderr


def test_a_boolean_is_not_a_count_of_servers(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "stores: {hub: {servers: true}}\n")
    result = invoke("validate", str(path))
    assert_one_line_error(result.stderr, path, "stores.hub.servers", ["an integer", "True"])


# --- finding 4: repeated keys -------------------------------------------------------------------


def test_a_repeated_block_is_refused_naming_both_lines(tmp_path: Path) -> None:
    text = GOOD + "records: {creation_per_country_per_day: 3}\n"
    text += "records: {lifetime_days: {dist: fixed, value: 9}}\n"
    path = write(tmp_path, text)
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert_one_line_error(
        result.stderr, path, None, ["key 'records' is repeated (first at line 9)", "line 10"]
    )


def test_a_repeated_variant_name_is_refused(tmp_path: Path) -> None:
    experiment = write_experiment(tmp_path)
    experiment.write_text(
        experiment.read_text().replace(
            "variants:\n", "variants:\n  hybrid-weekly: {architecture: {kind: federated}}\n"
        )
    )
    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 2
    assert "key 'hybrid-weekly' is repeated" in result.output
    assert not (tmp_path / "out").exists()


# --- finding 5: messages never print a whole value ---------------------------------------------


def alias_bomb(levels: int) -> str:
    """``name:`` holding ten lists of ten ... ``levels`` deep, written in a few lines."""
    anchors = ["&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        anchors.append(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "name: [" + ", ".join(anchors) + "]\n" + GOOD.replace("name: t\n", "")


@pytest.mark.parametrize("levels", [6, 10])
def test_an_alias_bomb_fails_at_once_in_one_short_line(tmp_path: Path, levels: int) -> None:
    path = write(tmp_path, alias_bomb(levels))
    started = time.perf_counter()
    result = invoke("validate", str(path))
    assert time.perf_counter() - started < 5
    assert result.exit_code == 2
    assert_one_line_error(result.stderr, path, None, ["expands to more than"])
    assert len(result.stderr) < 300


def test_a_moderate_alias_expansion_is_cut_in_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, alias_bomb(3))  # 1,000 values: read, then refused by the schema
    result = invoke("validate", str(path))
    assert_one_line_error(result.stderr, path, "name", ["expected a string"])
    assert len(result.stderr) < 400


def test_an_experiment_naming_a_text_file_does_not_print_it(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRET-LINE:/root:/bin/bash\n" * 50)
    experiment = tmp_path / "exp.yaml"
    experiment.write_text(f"name: x\nscenario: {secret}\nvariants: {{a: {{}}}}\n")
    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 2
    assert "SECRET" not in result.output and "root:x" not in result.output
    assert result.output.startswith(f"{experiment}: scenario: ")


# --- finding 10: the smaller edges ---------------------------------------------------------


def test_a_key_in_both_grid_and_sample_is_refused(tmp_path: Path) -> None:
    path = "records.creation_per_country_per_day"
    experiment = write_experiment(
        tmp_path,
        {"grid": {path: [5, 10]}, "sample": {"method": "lhs", "n": 2, "ranges": {path: [1, 9]}}},
    )
    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 2
    assert result.output.startswith(f"{experiment}: sample.ranges.{path}: is also in grid")


def test_a_missing_scenario_names_the_experiment_and_its_key(tmp_path: Path) -> None:
    experiment = tmp_path / "exp.yaml"
    experiment.write_text("name: x\nscenario: gone.yaml\nvariants: {a: {}}\n")
    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 2
    looked = f"looked for '{tmp_path / 'gone.yaml'}'"
    assert result.output.strip().startswith(
        f"{experiment}: scenario: 'gone.yaml': file not found; {looked}"
    )


@pytest.mark.parametrize("where", ["file", "set"])
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path, where: str) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = write(tmp_path, GOOD + (f"description: {deep}\n" if where == "file" else ""))
    args = ["run", str(path)] + (["--set", f"description={deep}"] if where == "set" else [])
    result = invoke(*args)
    assert result.exit_code == 2
    assert "RecursionError" not in result.output and "Traceback" not in result.output
    assert f"nested deeper than {MAX_DEPTH} levels" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_nul_byte_names_its_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("name: t", "name: t\x00"))
    result = invoke("validate", str(path))
    assert_one_line_error(result.stderr, path, None, ["line 1, column 8", "NUL"])


def test_a_nul_byte_in_a_scenario_path_is_one_line(tmp_path: Path) -> None:
    experiment = tmp_path / "exp.yaml"
    experiment.write_text('name: x\nscenario: "a\\0b.yaml"\nvariants: {a: {}}\n')
    result = invoke("sweep", str(experiment), "--out", str(tmp_path / "out"), "--dry-run")
    assert result.exit_code == 2
    assert "NUL byte at" in result.output and "Traceback" not in result.output


def test_only_plain_data_tags(tmp_path: Path) -> None:
    for tag in ("!!binary aGk=", "!!set {a}", "!!timestamp 2001-12-14", "!!float abc"):
        path = write(tmp_path, GOOD.replace("name: t", f"name: {tag}"))
        result = invoke("validate", str(path))
        assert result.exit_code == 2, tag
        assert_one_line_error(result.stderr, path, None, ["line 1, column 7"])


def test_the_one_loader_reads_set_values() -> None:
    scenario = load_scenario(
        Path(__file__).parents[1] / "scenarios" / "two-countries-centralized.yaml",
        ["records.creation_per_country_per_day=1e1"],
    )
    assert scenario.records.creation_per_country_per_day == 10.0
    with pytest.raises(ConfigError, match="repeated"):
        load_scenario(
            Path(__file__).parents[1] / "scenarios" / "two-countries-centralized.yaml",
            ["records={a: 1, a: 2}"],
        )


def test_no_yaml_safe_load_left_in_the_package() -> None:
    """One reader of YAML: a second one would bring back YAML 1.1 numbers somewhere."""
    root = Path(__file__).parents[1] / "sim"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "yaml.safe_load" in p.read_text(encoding="utf-8")
        or "yaml.load(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
    assert yaml.__name__ == "yaml"
