"""Fuzzing the edges (issues 12 and 25): random mutations of every shipped scenario and experiment
go through ``validate``, ``run`` and ``sweep --dry-run``, and of an experiment's
``uncertainties`` through ``validate``; ``pdsa robustness`` and ``pdsa sensitivity`` take random
options; names carrying HTML, escape sequences, mathtext and formula prefixes go through
``run``, ``sweep``, ``compare``, ``plot``, ``report`` (HTML and pptx) and the explorer's pages.
Every case must exit 0 or 2, print a short answer (one line on exit 2) without a control
character, never a traceback, and write nothing on exit 2.

Mutations: keys deleted, renamed and repeated; values swapped for text, infinities, NaN, huge,
tiny and negative numbers, booleans, null, lists, mappings, deep nesting, aliases to other
values and alias bombs. ``run`` cases start from the file with a 20-day horizon and no
prehistory, and all cases run under a small ``--max-memory``, so each stays fast: a mutation
that makes a run large is refused by the size estimate, which is part of what is tested.

Budget: a fixed, derandomized number of cases in every test run (:data:`CI_EXAMPLES`); a
longer, random exploration on demand::

    PDSA_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CI_EXAMPLES = {
    "validate": 120, "run": 30, "dry_run": 30, "uncertainties": 60, "options": 12,
    "names_run": 6, "names_sweep": 2,
}  # fmt: skip
"""Cases per command in every test run (about 90 s on the 2-core development machine)."""
LONG = int(os.environ.get("PDSA_FUZZ_EXAMPLES", "0"))
MAX_LINE = 1000
"""Longest line any answer may print: values are quoted as excerpts."""


def budget(command: str):
    """Hypothesis settings: the CI budget, derandomized, or the long one when asked for."""
    return settings(
        max_examples=LONG or CI_EXAMPLES[command],
        derandomize=not LONG,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def shipped(folder: str) -> list[tuple[str, dict[str, Any]]]:
    files = sorted((ROOT / folder).glob("*.yaml"))
    return [(p.name, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in files]


SCENARIOS = shipped("scenarios")
EXPERIMENTS = [
    (name, data | {"scenario": str((ROOT / "experiments" / data["scenario"]).resolve())})
    for name, data in shipped("experiments")
]


def short(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario over 20 days (5 of warm-up) and no prehistory: a run of a second or less."""
    out = copy.deepcopy(scenario)
    out["horizon_days"] = min(out.get("horizon_days", 365), 20)
    out["warmup_days"] = min(out.get("warmup_days", 0), 5)
    if isinstance(out.get("records"), dict):
        out["records"]["prehistory_days"] = 0
    return out


# --- mutations ---------------------------------------------------------------------------------

ODD_VALUES = [
    math.inf, -math.inf, math.nan, 1e308, -1e308, 5e-324, 1e-300, 10**30, -1, 0, -0.0, 1e9,
    True, False, None, "", "nan", "1e1", ".inf", "10", "yes", "x" * 5000, [], {}, [1, 2], {"a": 1},
]  # fmt: skip


def deep(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def bomb(levels: int) -> list[Any]:
    value: list[Any] = ["lol"] * 10
    for _ in range(levels):
        value = [value] * 10  # one object repeated: the YAML holds it once, then aliases
    return value


VALUES = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.builds(deep, st.integers(1, 120)),
    st.builds(bomb, st.integers(1, 8)),
)


FACTORS = [0.0, 0.001, 0.1, 0.5, 2.0, 10.0, 100.0]


def scaled(value: Any, factor: float) -> Any:
    """A number times ``factor`` (an integer stays one); anything else unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return round(value * factor) if isinstance(value, int) else value * factor


def nodes(tree: Any, path: tuple[Any, ...] = (), seen: set[int] | None = None) -> list:
    """The path of every value inside ``tree`` (mapping keys, list indexes), each container's
    contents listed once: an object aliased in several places (an alias bomb repeats one list
    ten times at each of eight levels) is entered at its first path only, so the count stays
    linear in the document's size."""
    seen = set() if seen is None else seen
    if id(tree) in seen:
        return []
    seen.add(id(tree))
    items = (
        tree.items()
        if isinstance(tree, dict)
        else enumerate(tree)
        if isinstance(tree, list)
        else []
    )
    found = []
    for key, value in items:
        found.append((*path, key))
        found += nodes(value, (*path, key), seen)
    return found


def parent_of(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


HARSH = ("scale", "scale", "value", "delete", "rename", "alias", "repeat")
"""Mutations for reading: most cases end in one line, exit 2."""
MILD = ("scale", "scale", "scale", "scale", "scale", "value", "delete", "alias")
"""Mutations for running: most cases still run, with odd but valid numbers."""


@st.composite
def mutated(
    draw: st.DrawFn, documents: list[tuple[str, dict[str, Any]]], actions: tuple[str, ...]
) -> tuple[str, str]:
    """(file name, YAML text) of one shipped document with one or two mutations."""
    name, data = draw(st.sampled_from(documents))
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 2))):
        places = nodes(data)
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent, key = parent_of(data, path), path[-1]
        action = draw(st.sampled_from(actions))
        if action == "scale":  # a plausible number, kept valid often enough to run
            parent[key] = scaled(parent[key], draw(st.sampled_from(FACTORS)))
        elif action == "value":
            parent[key] = draw(VALUES)
        elif action == "delete":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from([f"{key}s", str(key)[:-1], str(key).upper(), "x", 1]))
            parent[new] = parent.pop(key)
        elif action == "alias":  # the same object in two places: the dump anchors and aliases it
            parent[key] = parent_of(data, draw(st.sampled_from(places)) + ("",))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9)
    if "repeat" in actions and draw(st.integers(0, 3)) == 0:  # a repeated key, or broken YAML
        lines = text.splitlines()
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        text = "\n".join(lines[: i + 1] + lines[i : i + 1] + lines[i + 1 :]) + "\n"
    return name, text


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What no answer may print: control characters but newline and tab."""


def check(result: Any, out: Path | None, usage: bool = False) -> None:
    """Exit 0 or 2, no traceback, short lines without a control character; on exit 2 one
    line (or, with ``usage``, click's usage block for a bad option) and nothing written."""
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert not CONTROL.search(result.output), result.output
    assert all(len(line) <= MAX_LINE for line in result.output.splitlines())
    if result.exit_code == 2 and usage and result.stderr.startswith("Usage: "):
        assert result.stderr.strip().splitlines()[-1].startswith("Error: "), result.stderr
    elif result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert out is None or not out.exists()
    else:
        assert len(result.stderr.strip().splitlines()) <= 5, result.stderr


def invoke_in(folder: str, name: str, text: str, *args: str) -> tuple[Any, Path]:
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    out = Path(folder) / "out"
    return CliRunner().invoke(main, [args[0], str(path), *args[1:], "--out", str(out)]), out


@budget("validate")
@given(mutated(SCENARIOS, HARSH))
def test_validate_survives_mutated_scenarios(case: tuple[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / case[0]
        path.write_text(case[1], encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)])
        check(result, None)
        assert len(result.output.strip().splitlines()) == 1


@budget("run")
@given(mutated([(name, short(data)) for name, data in SCENARIOS], MILD))
def test_run_survives_mutated_scenarios(case: tuple[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check(*invoke_in(folder, *case, "run", "--quiet", "--max-memory", "500MB"))


@pytest.mark.slow
@budget("dry_run")
@given(mutated(EXPERIMENTS, HARSH))
def test_sweep_dry_run_survives_mutated_experiments(case: tuple[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result, out = invoke_in(folder, *case, "sweep", "--dry-run", "--max-memory", "1GB")
        check(result, out)
        assert not out.exists()


# --- the uncertainties section ------------------------------------------------------------------

TINY_SCENARIO = {
    "name": "tiny", "seed": 7, "horizon_days": 40, "warmup_days": 10,
    "architecture": {"kind": "centralized"},
    "world": {"platforms": [{"name": "EUR"}], "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["EUR"]},
        {"code": "BBB", "region": "africa", "platforms": ["EUR"]}]},
    "records": {"creation_per_country_per_day": 5,
                "lifetime_days": {"dist": "exponential", "mean": 20}},
    "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
    "queries": {"per_country_per_day": 10},
}  # fmt: skip
WORLDS = {
    "name": "worlds", "scenario": "tiny.yaml", "seed": 3,
    "variants": {
        "fragmented": {"architecture": {"kind": "fragmented"}},
        "centralized": {},
        "hybrid": {"architecture": {"kind": "hybrid", "sync": "batch"}},
    },
    "grid": {"architecture.sync_interval_days": {"values": [1, 7], "variants": ["hybrid"]}},
    "uncertainties": {"design": "lhs", "worlds": 4, "parameters": {
        "architecture.entry_probability.hub": {"range": [0.8, 0.99]},
        "links.ncb_to_hub.delay_hours": {"values": [
            {"dist": "exponential", "mean": 2}, {"dist": "fixed", "value": 48}]},
        "volumes": {"keys": {"records.creation_per_country_per_day": {"range": [2, 8]},
                             "queries.per_country_per_day": {"range": [5, 20]}}},
        "stores.hub.servers": {"values": [1, 2, 3]},
    }},
}  # fmt: skip
UNCERTAIN_KEYS = [
    "seed", "horizon_days", "architecture.entry_probability.hub", "links.ncb_to_hub.delay_hours",
    "links.ncb_to_hub.delay_hours.mean", "records", "world.countries.0.region", "completeness",
    "error", "stores.hub.servers", "architecture.sync_interval_days", "x.y",
]  # fmt: skip
"""Keys to add as uncertainties: overlapping, reserved, unknown and ordinary ones."""


@st.composite
def mutated_uncertainties(draw: st.DrawFn) -> str:
    """The experiment's YAML with its ``uncertainties`` (or grid) mutated, or a key added."""
    data = copy.deepcopy(WORLDS)
    block = data["uncertainties"]
    for _ in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):
            key = draw(st.sampled_from(UNCERTAIN_KEYS))
            spec = draw(
                st.sampled_from(
                    [
                        {"range": [draw(VALUES), draw(VALUES)]},
                        {"values": draw(st.lists(VALUES, max_size=3))},
                        {"keys": {key: {"range": [0, 1]}}},
                        draw(VALUES),
                    ]
                )
            )
            block["parameters"][key] = spec  # fmt: skip
            continue
        places = nodes(block) + [("design",), ("worlds",), ("levels",)]
        path = draw(st.sampled_from(places))
        parent = parent_of(block, path)
        if isinstance(parent, dict | list):
            action = draw(st.sampled_from(("scale", "value", "delete")))
            key = path[-1]
            if action == "delete" and key in (parent if isinstance(parent, dict) else []):
                del parent[key]
            elif isinstance(parent, dict) or (isinstance(key, int) and key < len(parent)):
                old = parent.get(key) if isinstance(parent, dict) else parent[key]
                parent[key] = (
                    scaled(old, draw(st.sampled_from(FACTORS))) if action == "scale"
                    else draw(VALUES)
                )  # fmt: skip
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9)


@budget("uncertainties")
@given(mutated_uncertainties())
def test_validate_survives_mutated_uncertainties(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "tiny.yaml").write_text(yaml.safe_dump(TINY_SCENARIO))
        path = Path(folder) / "worlds.yaml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(main, ["validate", str(path)])
        check(result, None)
        assert len(result.output.strip().splitlines()) == 1


# --- robustness and sensitivity options ---------------------------------------------------------


@pytest.fixture(scope="module")
def worlds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-worlds")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(TINY_SCENARIO))
    (folder / "worlds.yaml").write_text(yaml.safe_dump(WORLDS, sort_keys=False))
    from sim.sweeps import run_sweep

    run_sweep(folder / "worlds.yaml", folder / "out", workers=1)
    return folder / "out"


WORDS = st.one_of(
    st.sampled_from(["completeness", "ghost_rate", "lag_p95_hours", "servers_needed.EUR",
                     "query_latency_p95_seconds", "nosuch", "", "hybrid", "fragmented",
                     "hybrid sync_interval_days=7", "centralized", "\x1b[2J", "<b>x</b>"]),
    st.text(max_size=15),
)  # fmt: skip
THRESHOLDS = st.one_of(
    st.builds(lambda m, op, v: f"{m}{op}{v}", WORDS, st.sampled_from([">=", "<=", ">", "<", "=",
                                                                    ""]), VALUES),
    st.text(max_size=20),
)  # fmt: skip


@st.composite
def options(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(["robustness", "sensitivity"]))
    args = [command]
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.sampled_from(["--metric", "--threshold", "--rival", "--format"]))
        if command == "sensitivity" and choice in ("--threshold", "--rival"):
            choice = "--metric"
        value = {
            "--metric": WORDS,
            "--threshold": THRESHOLDS,
            "--rival": WORDS,
            "--format": st.sampled_from(["table", "markdown", "json", "csv", "xml"]),
        }[choice]
        args += [choice, draw(value)]
    return args


@budget("options")
@given(options())
def test_robustness_and_sensitivity_survive_random_options(worlds_dir: Path, args: list) -> None:
    result = CliRunner().invoke(main, [args[0], str(worlds_dir), *args[1:]])
    check(result, None, usage=True)
    if result.exit_code == 0 and "json" in args and args[0] == "robustness":
        json.loads(result.output, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))


# --- hostile names through every output ---------------------------------------------------------

PIECES = [
    '<img src=x onerror="window.__pwned=1">', "<script>alert(1)</script>", "$\\undefinedcmd$",
    "$x^2$", "=HYPERLINK(\"x\")", "+SUM(1)", "-2+3", "@cmd", "[a](javascript:b)", "*em*",
    "a|b", "\x1b]0;owned\x07", "\x1b[2J", "\r", "\n", "\u202e", "\x9b", "x" * 250, "é漢字",
    "'quoted", "\t", "all",
]  # fmt: skip
NAMES = st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map(" ".join)


@st.composite
def named(draw: st.DrawFn) -> dict[str, Any]:
    """The tiny scenario with hostile names: its own, its description, regions, the platform,
    the country codes and a record kind."""
    data = copy.deepcopy(TINY_SCENARIO)
    platform = draw(NAMES)
    data["name"], data["description"] = draw(NAMES), draw(NAMES)
    data["world"]["platforms"] = [{"name": platform}]
    codes = draw(st.lists(NAMES, min_size=2, max_size=2, unique=True))
    for country, code in zip(data["world"]["countries"], codes, strict=True):
        country |= {"code": code, "region": draw(NAMES), "platforms": [platform]}
    if draw(st.booleans()):
        data["records"]["kinds"] = {draw(NAMES): {"share": 1.0}}
    return data


def answers(*args: Any) -> Any:
    result = CliRunner().invoke(main, [str(a) for a in args])
    check(result, None)
    return result


def explorer_pages(scenario: Path, results: Path) -> None:
    """The explorer's Run and Results pages on these files: names in their panes as text."""
    try:
        from sim.explore.app import pages
    except ImportError:
        return
    run, page, _ = pages(str(scenario), results)
    for pane in (run.about, run.message, page.about, page.message):
        assert "<img" not in str(pane.object) and "<script" not in str(pane.object)


@budget("names_run")
@given(named())
def test_hostile_names_through_a_run_its_charts_and_reports(scenario: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "named.yaml"
        path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
        out = Path(folder) / "run"
        result = answers("run", path, "--out", out, "--plot", "--quiet")
        if result.exit_code == 2:
            assert not out.exists()
            return
        for csv in [*out.glob("*.csv"), *(out / "plots").glob("*.csv")]:
            for line in csv.read_text(encoding="utf-8").splitlines():
                assert not any(cell.startswith(("=", "+", "@")) for cell in line.split(","))
        for fmt in ("html", "pptx"):
            answers("report", out, "--out", Path(folder) / f"report.{fmt}", "--format", fmt)
        report = (Path(folder) / "report.html").read_text(encoding="utf-8")
        assert "<img src=x" not in report and "<script>alert" not in report
        explorer_pages(path, out)


@budget("names_sweep")
@given(named(), st.lists(NAMES, min_size=2, max_size=2, unique=True), NAMES)
def test_hostile_names_through_a_sweep_and_its_analyses(
    scenario: dict[str, Any], values: list[str], name: str
) -> None:
    """An experiment named with hostile text whose uncertainty takes hostile text values."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "tiny.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True))
        experiment = {
            "name": name, "description": name, "scenario": "tiny.yaml", "seed": 1,
            "variants": {"centralized": {}, "fragmented": {"architecture": {"kind": "fragmented"}}},
            "uncertainties": {"design": "lhs", "worlds": 2, "parameters": {
                "world.countries.1.region": {"values": values},
                "links.ncb_to_hub.delay_hours.mean": {"range": [1, 48]}}},
        }  # fmt: skip
        path = Path(folder) / "named-exp.yaml"
        path.write_text(yaml.safe_dump(experiment, allow_unicode=True), encoding="utf-8")
        out = Path(folder) / "out"
        result = answers("sweep", path, "--out", out, "--workers", "1", "--quiet", "--plot")
        if result.exit_code == 2:
            assert not out.exists()
            return
        for fmt in ("table", "markdown", "csv", "json"):
            answers("compare", out, "--format", fmt)
        answers("robustness", out)
        answers("sensitivity", out)
        answers("plot", out, "--out", Path(folder) / "plots")
        for fmt in ("html", "pptx"):
            answers("report", out, "--out", Path(folder) / f"report.{fmt}", "--format", fmt)
        explorer_pages(Path(folder) / "tiny.yaml", out)
