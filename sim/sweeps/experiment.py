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
from sim.config.errors import unknown_key_message, unknown_tag_message
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
)
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

    @property
    def factors(self) -> list[str]:
        """Dotted paths varied across points: grid paths, then sampled paths."""
        return [*self.grid, *(self.sample.ranges if self.sample else {})]

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
    return Experiment(
        name=text_value(raw, "name", file, default=Path(file).stem if file else "experiment"),
        description=text_value(raw, "description", file, default=""),
        file=file,
        raw=raw,
        scenario_file=scenario_file,
        base_raw=base,
        base=scenario_from_dict(base, scenario_file),
        replications=int_value(raw, "replications", file, default=1, low=1),
        seed=int_value(raw, "seed", file, default=0, low=0),
        variants=variants_of(raw, file),
        grid=grid_of(raw.get("grid"), file),
        sample=sample_of(raw.get("sample"), file),
    )


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
    return str(path), load_yaml_mapping(path)


def text_value(raw: Mapping[str, Any], key: str, file: str | None, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(file, key, f"expected a string, got {value!r}")
    return value


def int_value(raw: Mapping[str, Any], key: str, file: str | None, default: int, low: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(file, key, f"expected an integer, got {value!r}")
    if value < low:
        raise ConfigError(file, key, f"must be >= {low}, got {value!r}")
    return value


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
    n = int_value(sample, "n", file, default=0, low=1) if "n" in sample else None
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
