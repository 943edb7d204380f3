"""Experiment files: which variants (levers) to compare across which uncertainties, how often.

An experiment names a base scenario, the variants to compare (named overrides of it), a grid of
uncertain values (full factorial over dotted paths) and an optional sample over ranges. This
module reads and checks the file's own structure; :mod:`sim.sweeps.plan` then checks every
override against the scenario schema. Every problem is one :class:`ConfigError` naming the
experiment file and the key path, with the closest valid key for typos.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config import ConfigError, load_yaml_mapping, scenario_from_dict
from sim.config.errors import excerpt, unknown_key_message, unknown_tag_message
from sim.config.schema import Scenario

EXPERIMENT_KEYS = (
    "name",
    "description",
    "scenario",
    "replications",
    "seed",
    "variants",
    "grid",
    "sample",
    "run_timeout_seconds",
)
MAX_REPLICATIONS = 10_000
MAX_SAMPLE_N = 100_000
MAX_RUNS = 100_000
"""Most runs one experiment may plan: each writes a file, and the plan is built in memory."""
SAMPLE_KEYS = ("method", "n", "ranges")
SAMPLE_METHODS = ("lhs", "sobol", "random", "morris")
SENSITIVITY_METHODS = ("sobol", "morris")
VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Sample:
    """A sample of uncertain values: ``n`` base points (Sobol: Saltelli, Morris: trajectories)."""

    method: str
    n: int
    ranges: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file.

    Attributes:
        name: the experiment's name.
        file: the file it came from (named in errors), or None for an in-memory mapping.
        raw: the file's mapping as read, the source of its fingerprint.
        scenario_file: the base scenario's file, or None when given inline.
        base_raw: the base scenario mapping the variants and points override.
        base: the base scenario, validated.
        variants: variant name -> override mapping, in file order; the first is the baseline.
        grid: dotted path -> values, full factorial.
        sample: the sample over ranges, or None.
        run_timeout_seconds: a run still going after this long is stopped and recorded as
            failed (``--run-timeout`` overrides it); None: no limit.
    """

    name: str
    file: str | None
    raw: dict[str, Any]
    scenario_file: str | None
    base_raw: dict[str, Any]
    base: Scenario
    replications: int
    seed: int
    variants: dict[str, dict[str, Any]]
    grid: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    sample: Sample | None = None
    description: str = ""
    run_timeout_seconds: float | None = None

    @property
    def factors(self) -> list[str]:
        """Dotted paths varied across points: grid paths, then sampled paths."""
        return [*self.grid, *(self.sample.ranges if self.sample else {})]

    @property
    def n_points(self) -> int:
        """Grid points times sample points (Saltelli: N x (d + 2), Morris: N x (d + 1))."""
        grid = math.prod(len(values) for values in self.grid.values())
        if self.sample is None:
            return grid
        d = len(self.sample.ranges)
        extra = {"sobol": d + 2, "morris": d + 1}.get(self.sample.method, 1)
        return grid * self.sample.n * extra

    @property
    def n_runs(self) -> int:
        return len(self.variants) * self.n_points * self.replications

    @property
    def baseline(self) -> str:
        return next(iter(self.variants))

    @property
    def sha256(self) -> str:
        """A fingerprint of what the experiment file says, whatever its comments or layout."""
        return fingerprint(self.raw)


def fingerprint(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_experiment(
    source: str | Path | Mapping[str, Any], *, base_raw: Mapping[str, Any] | None = None
) -> Experiment:
    """Read and check an experiment file (or an in-memory mapping).

    Args:
        source: the experiment file, or its mapping (``scenario`` then relative to the cwd).
        base_raw: use this base scenario mapping instead of the file ``scenario`` names (a
            results directory reruns from the resolved scenario it stored).
    """
    if isinstance(source, Mapping):
        file, raw, folder = None, dict(source), Path.cwd()
    else:
        file, raw, folder = str(source), load_yaml_mapping(source), Path(source).parent
    check_keys(raw, EXPERIMENT_KEYS, file, "")
    scenario_file, base = base_scenario(raw, folder, file, base_raw)
    grid, sample = grid_of(raw.get("grid"), file), sample_of(raw.get("sample"), file)
    check_disjoint(grid, sample, file)
    experiment = Experiment(
        name=text_value(raw, "name", file, default=Path(file).stem if file else "experiment"),
        description=text_value(raw, "description", file, default=""),
        file=file,
        raw=raw,
        scenario_file=scenario_file,
        base_raw=base,
        base=scenario_from_dict(base, scenario_file),
        replications=int_value(raw, "replications", file, 1, low=1, high=MAX_REPLICATIONS),
        seed=int_value(raw, "seed", file, default=0, low=0, high=2**63 - 1),
        variants=variants_of(raw, file),
        grid=grid,
        sample=sample,
        run_timeout_seconds=timeout_value(raw, file),
    )
    if experiment.n_runs > MAX_RUNS:
        message = f"plans {experiment.n_runs:,} runs, more than {MAX_RUNS:,}; split it"
        raise ConfigError(file, "", message)
    return experiment


def check_keys(raw: Mapping[str, Any], valid: tuple[str, ...], file: str | None, at: str) -> None:
    for key in raw:
        if key not in valid:
            raise ConfigError(file, join(at, str(key)), unknown_key_message(str(key), valid))


def join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def base_scenario(
    raw: Mapping[str, Any], folder: Path, file: str | None, base_raw: Mapping[str, Any] | None
) -> tuple[str | None, dict[str, Any]]:
    """(scenario file, raw base scenario): a path relative to the experiment, or inline."""
    value = raw.get("scenario")
    if base_raw is not None:
        return (str(folder / value) if isinstance(value, str) else None), dict(base_raw)
    if value is None:
        raise ConfigError(file, "scenario", "missing required key 'scenario' (a scenario file)")
    if isinstance(value, Mapping):
        return None, dict(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(file, "scenario", f"expected a scenario file path, got {value!r}")
    path = Path(value) if Path(value).is_absolute() else folder / value
    try:
        return str(path), load_yaml_mapping(path)
    except ConfigError as exc:
        if exc.key_path:  # a problem inside the scenario file: that file is the one to fix
            raise
        shown = excerpt(value, 200)
        if str(path) != value:
            shown += f" ({excerpt(str(path), 200)})"
        message = f"{shown}: {exc.message}"
        raise ConfigError(file, "scenario", message) from None


def text_value(raw: Mapping[str, Any], key: str, file: str | None, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(file, key, f"expected a string, got {value!r}")
    return value


def int_value(
    raw: Mapping[str, Any], key: str, file: str | None, default: int, low: int, high: int
) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(file, key, f"expected an integer, got {excerpt(value)}")
    if not low <= value <= high:
        raise ConfigError(file, key, f"must be in [{low}, {high:,}], got {excerpt(value)}")
    return value


def timeout_value(raw: Mapping[str, Any], file: str | None) -> float | None:
    value = raw.get("run_timeout_seconds")
    if value is None:
        return None
    if not is_number(value) or value <= 0:
        message = f"expected a number of seconds > 0, got {excerpt(value)}"
        raise ConfigError(file, "run_timeout_seconds", message)
    return float(value)


def variants_of(raw: Mapping[str, Any], file: str | None) -> dict[str, dict[str, Any]]:
    """Variant name -> override mapping; an empty or null variant is the base scenario."""
    variants = raw.get("variants")
    if variants is None:
        raise ConfigError(file, "variants", "missing required key 'variants' (name: overrides)")
    if not isinstance(variants, Mapping) or not variants:
        raise ConfigError(file, "variants", f"expected a non-empty mapping, got {variants!r}")
    out: dict[str, dict[str, Any]] = {}
    for name, overrides in variants.items():
        if not isinstance(name, str) or not VARIANT_NAME.match(name):
            message = "variant names use letters, digits, '_', '-' and '.'"
            raise ConfigError(file, f"variants.{name}", f"{message}, got {name!r}")
        if overrides is not None and not isinstance(overrides, Mapping):
            message = f"expected a mapping of scenario overrides, got {overrides!r}"
            raise ConfigError(file, f"variants.{name}", message)
        out[name] = dict(overrides or {})
    return out


def check_disjoint(grid: Mapping[str, Any], sample: Sample | None, file: str | None) -> None:
    """A path varied by both the grid and the sample would take the sample's values only, and
    repeat every point once per grid value: refuse it."""
    for path in sample.ranges if sample else {}:
        if path in grid:
            message = "is also in grid; vary each path in the grid or the sample, not both"
            raise ConfigError(file, f"sample.ranges.{path}", message)


def grid_of(grid: Any, file: str | None) -> dict[str, tuple[Any, ...]]:
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise ConfigError(
            file, "grid", f"expected a mapping of dotted path: [values], got {grid!r}"
        )
    out: dict[str, tuple[Any, ...]] = {}
    for path, values in grid.items():
        if not isinstance(values, list):
            message = f"expected a list of values, got {values!r}; write [{values!r}] for one"
            raise ConfigError(file, f"grid.{path}", message)
        if not values:
            raise ConfigError(file, f"grid.{path}", "empty list; give at least one value")
        out[str(path)] = tuple(values)
    return out


def sample_of(sample: Any, file: str | None) -> Sample | None:
    if sample is None:
        return None
    if not isinstance(sample, Mapping):
        raise ConfigError(file, "sample", f"expected a mapping (method, n, ranges), got {sample!r}")
    check_keys(sample, SAMPLE_KEYS, file, "sample")
    method = sample.get("method", "lhs")
    if method not in SAMPLE_METHODS:
        raise ConfigError(
            file, "sample.method", unknown_tag_message("method", method, SAMPLE_METHODS)
        )
    n = int_value(sample, "n", file, 0, low=1, high=MAX_SAMPLE_N) if "n" in sample else None
    if n is None:
        raise ConfigError(file, "sample.n", "missing required key 'n' (number of points)")
    return Sample(method=method, n=n, ranges=ranges_of(sample.get("ranges"), file))


def ranges_of(ranges: Any, file: str | None) -> dict[str, tuple[float, float]]:
    if not isinstance(ranges, Mapping) or not ranges:
        message = f"expected a mapping of dotted path: [low, high], got {ranges!r}"
        raise ConfigError(file, "sample.ranges", message)
    out: dict[str, tuple[float, float]] = {}
    for path, bounds in ranges.items():
        key = f"sample.ranges.{path}"
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(map(is_number, bounds))):
            raise ConfigError(file, key, f"expected [low, high] (two numbers), got {bounds!r}")
        low, high = float(bounds[0]), float(bounds[1])
        if not low < high:
            raise ConfigError(file, key, f"low must be < high, got [{bounds[0]}, {bounds[1]}]")
        out[str(path)] = (low, high)
    return out


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
