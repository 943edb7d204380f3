"""Fuzzing the edges (issue 12): random mutations of every shipped scenario and experiment go
through ``validate``, ``run`` and ``sweep --dry-run``; every case must exit 0 or 2, print a
short answer (one line on exit 2), never a traceback, and write nothing on exit 2.

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
import math
import os
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
CI_EXAMPLES = {"validate": 120, "run": 30, "dry_run": 30}
"""Cases per command in every test run (about 25 s on the 2-core development machine)."""
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


def check(result: Any, out: Path | None) -> None:
    """Exit 0 or 2, no traceback, short lines; on exit 2 one line and nothing written."""
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert all(len(line) <= MAX_LINE for line in result.output.splitlines())
    if result.exit_code == 2:
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
