"""Experiment files: which variants (levers) to compare across which uncertainties, how often.

An experiment names a base scenario, the variants to compare (named overrides of it), overrides
every variant shares (``set``), a grid (full factorial over dotted paths, each path optionally
scoped to named variants), an optional sample over ranges (for sensitivity indices) and
optional ``uncertainties``: scenario keys, or named groups of keys moved together, sampled into
plausible worlds that every variant runs in. This module reads and checks the file's own
structure; :mod:`sim.sweeps.plan` then checks every override against the scenario schema. Every
problem is one :class:`ConfigError` naming the experiment file and the key path, with the
closest valid key for typos.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sim.config import ConfigError, load_yaml_mapping, scenario_from_dict
from sim.config.errors import excerpt, unknown_key_message, unknown_tag_message
from sim.config.overrides import value_type
from sim.config.schema import Scenario
from sim.sweeps.checks import check_experiment
from sim.textsafe import MAX_DESCRIPTION, MAX_NAME, name_problem

EXPERIMENT_KEYS = (
    "name",
    "description",
    "scenario",
    "replications",
    "seed",
    "variants",
    "set",
    "grid",
    "sample",
    "uncertainties",
    "run_timeout_seconds",
    "baseline",
)
GRID_KEYS = ("values", "range", "n", "scale", "variants")
SCALES = ("linear", "log")
MAX_GRID_N = 1000
"""Most values one grid range spans."""
UNCERTAINTY_KEYS = ("design", "worlds", "levels", "parameters")
UNCERTAINTY_DESIGNS = ("lhs", "sobol", "factorial")
PARAMETER_KEYS = ("range", "values", "scale", "keys")
KEY_SPEC_KEYS = ("range", "values", "scale")
RESERVED_NAMES = ("run_id", "variant", "point_id", "world", "replication", "seed", "status")
MAX_REPLICATIONS = 10_000
MAX_SAMPLE_N = 100_000
MAX_LEVELS = 100
"""Most levels of one uncertainty in a factorial design."""
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
class KeySpec:
    """How one scenario key follows its uncertainty's draw ``u`` in [0, 1]: over a range,
    linearly or (``scale: log``) evenly in its logarithm, or by position in a set of values."""

    path: str
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] = ()
    scale: str = "linear"

    def value_at(self, u: float, integer: bool = False) -> Any:
        """The key's value at draw ``u``; an integer key takes ``low``..``high`` with equal
        chances (the top integer is reached at u = 1 as well, hence the clip). On a log scale
        each decade of the range is as likely as any other (a ratio spanning 0.1 to 1,000)."""
        if self.values:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        assert self.low is not None and self.high is not None
        if integer:
            return int(min(self.low + math.floor(u * (self.high - self.low + 1)), self.high))
        if self.scale == "log":
            return float(self.low * (self.high / self.low) ** u)
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Uncertainty:
    """One dimension of the worlds: a key, or a named group of keys moved by one draw.

    Attributes:
        name: the column that holds its value in runs.parquet (the key's path for a single key).
        keys: the scenario keys it sets; the first one's value is the uncertainty's value.
    """

    name: str
    keys: tuple[KeySpec, ...]

    @property
    def levels(self) -> int | None:
        """The number of values of a set (the same for every key of a group), None for ranges."""
        return len(self.keys[0].values) if self.keys[0].values else None


@dataclass(frozen=True)
class Uncertainties:
    """The worlds every variant runs in.

    Attributes:
        design: ``lhs`` (Latin hypercube), ``sobol`` (scrambled Sobol' points) or ``factorial``.
        worlds: how many worlds to sample (lhs, sobol); a factorial has the product of levels.
        levels: factorial only: how many evenly spaced values of each range, ends included.
        parameters: the uncertainties, in file order.
    """

    design: str
    worlds: int
    levels: int
    parameters: tuple[Uncertainty, ...]

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.parameters]


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
        grid_scope: dotted path -> the variants its grid applies to (absent: every variant).
        sample: the sample over ranges, or None.
        shared: overrides every variant gets after its own (the file's ``set``).
        uncertainties: the sampled worlds, or None.
        run_timeout_seconds: a run still going after this long is stopped and recorded as
            failed (``--run-timeout`` overrides it); None: no limit.
        chosen_baseline: the variant the file names as ``baseline``, if it names one.
        command_line: what ``pdsa sweep --set`` and ``--worlds`` changed in the file (``set``:
            dotted path -> value, ``worlds``), already applied to ``raw``; empty if nothing.
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
    grid_scope: dict[str, tuple[str, ...]] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    uncertainties: Uncertainties | None = None
    run_timeout_seconds: float | None = None
    chosen_baseline: str | None = None
    command_line: dict[str, Any] = field(default_factory=dict)

    @property
    def factors(self) -> list[str]:
        """Dotted paths varied across points: grid paths, then sampled paths."""
        return [*self.grid, *(self.sample.ranges if self.sample else {})]

    @property
    def uncertainty_names(self) -> list[str]:
        """Columns of runs.parquet holding each world's uncertain values (none without worlds)."""
        return self.uncertainties.names if self.uncertainties else []

    @property
    def uncertainty_keys(self) -> dict[str, str]:
        """Each uncertainty's column -> the key its value is read from (a group's first)."""
        parameters = self.uncertainties.parameters if self.uncertainties else ()
        return {u.name: u.keys[0].path for u in parameters}

    @property
    def n_points(self) -> int:
        """Grid points times sample points (Saltelli: N x (d + 2), Morris: N x (d + 1)) or
        sampled worlds."""
        grid = math.prod(len(values) for values in self.grid.values())
        if self.uncertainties is not None:
            return grid * self.uncertainties.worlds
        if self.sample is None:
            return grid
        d = len(self.sample.ranges)
        extra = {"sobol": d + 2, "morris": d + 1}.get(self.sample.method, 1)
        return grid * self.sample.n * extra

    @property
    def n_runs(self) -> int:
        return len(self.variants) * self.n_points * self.replications

    @cached_property
    def baseline(self) -> str:
        """The variant the others are compared with: the file's ``baseline``, else today's
        system (the first fragmented variant), else the first variant."""
        if self.chosen_baseline is not None:
            return self.chosen_baseline
        from sim.config.schema import default_baseline
        from sim.sweeps.plan import variant_scenarios

        kinds = {
            variant: (raw.get("architecture") or {}).get("kind")
            for variant, raw in variant_scenarios(self).items()
        }
        return default_baseline(kinds) or next(iter(self.variants))

    @property
    def sha256(self) -> str:
        """A fingerprint of what the experiment file says, whatever its comments or layout."""
        return fingerprint(self.raw)


def fingerprint(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_experiment(
    source: str | Path | Mapping[str, Any],
    *,
    base_raw: Mapping[str, Any] | None = None,
    assignments: tuple[str, ...] = (),
    worlds: int | None = None,
) -> Experiment:
    """Read and check an experiment file (or an in-memory mapping).

    Args:
        source: the experiment file, or its mapping (``scenario`` then relative to the cwd).
        base_raw: use this base scenario mapping instead of the file ``scenario`` names (a
            results directory reruns from the resolved scenario it stored).
        assignments: ``dotted.path=value`` overrides added to the file's ``set`` (``pdsa sweep
            --set``), after what it sets.
        worlds: the number of worlds to sample in place of the file's (``--worlds``).
    """
    if isinstance(source, Mapping):
        file, raw, folder = None, dict(source), Path.cwd()
    else:
        file, raw, folder = str(source), load_yaml_mapping(source), Path(source).parent
    check_keys(raw, EXPERIMENT_KEYS, file, "")
    raw, command_line = with_command_line(raw, assignments, worlds, file)
    scenario_file, base = base_scenario(raw, folder, file, base_raw)
    variants = variants_of(raw, file)
    if raw.get("sample") is not None and raw.get("uncertainties") is not None:
        message = "give either 'sample' (sensitivity indices) or 'uncertainties', not both"
        raise ConfigError(file, "uncertainties", message)
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
        variants=variants,
        grid=grid,
        grid_scope=grid_scope_of(raw.get("grid"), list(variants), file),
        sample=sample,
        shared=shared_of(raw.get("set"), file),
        uncertainties=uncertainties_of(raw.get("uncertainties"), file),
        run_timeout_seconds=timeout_value(raw, file),
        chosen_baseline=baseline_of(raw, list(variants), file),
        command_line=command_line,
    )
    check_experiment(experiment)
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
        if is_missing(path):  # a copied experiment, say: where it looked, how to point it back
            message = f"{shown}: {exc.message}{where_to_point(value, path, folder)}"
            raise ConfigError(file, "scenario", message) from None
        if str(path) != value:
            shown += f" ({excerpt(str(path), 200)})"
        message = f"{shown}: {exc.message}"
        raise ConfigError(file, "scenario", message) from None


def is_missing(path: Path) -> bool:
    """Whether nothing is at ``path`` (a path the system cannot even ask about is not)."""
    if "\x00" in str(path):
        return False
    try:
        return not path.exists()
    except (OSError, ValueError):
        return False


def where_to_point(value: str, path: Path, folder: Path) -> str:
    """Where a copied experiment looked for its scenario, and how to point it back: a path
    relative to the experiment file's folder, or absolute; a file of that name in the current
    directory's ``scenarios/`` is offered as it would be written."""
    looked = excerpt(os.path.normpath(os.path.abspath(path)), 200)
    hint = (
        f"; looked for {looked}, since a relative scenario: is read from the experiment file's"
        f" folder ({excerpt(os.path.abspath(folder), 200)})"
    )
    candidate = Path.cwd() / "scenarios" / Path(value).name
    if candidate.is_file():
        relative = os.path.relpath(candidate, os.path.abspath(folder))
        return hint + f"; point it back with scenario: {excerpt(relative, 200)}"
    return hint + "; point it back with a path from that folder, or an absolute one"


def with_command_line(
    raw: dict[str, Any], assignments: tuple[str, ...], worlds: int | None, file: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``raw`` with ``--set`` added to its ``set`` (as dotted paths, after the file's own) and
    ``--worlds`` in place of its number of worlds; and what was changed, for the manifest."""
    from sim.config.overrides import parse_assignment
    from sim.sweeps.plan import leaves

    changed: dict[str, Any] = {}
    if assignments:
        pairs = []
        for text in assignments:
            try:
                pairs.append(parse_assignment(text))
            except ConfigError as exc:
                raise exc.in_file(file) from None
        shared = shared_of(raw.get("set"), file)
        raw = raw | {"set": dict(leaves(shared)) | dict(pairs)}
        changed["set"] = dict(pairs)
    if worlds is not None:
        block = raw.get("uncertainties")
        if not isinstance(block, Mapping):
            message = "the experiment samples no worlds (it has no uncertainties:)"
            raise ConfigError(file, "uncertainties", message, origin="--worlds")
        raw = raw | {"uncertainties": {**block, "worlds": worlds}}
        changed["worlds"] = worlds
    return raw, changed


def baseline_of(raw: Mapping[str, Any], variants: list[str], file: str | None) -> str | None:
    """The ``baseline`` the file names: one of its variants."""
    name = raw.get("baseline")
    if name is None:
        return None
    if name not in variants:
        raise ConfigError(file, "baseline", unknown_tag_message("variant", name, variants))
    return str(name)


def text_value(raw: Mapping[str, Any], key: str, file: str | None, default: str) -> str:
    """The experiment's ``name`` (one line) or ``description`` (a few paragraphs), checked
    like a scenario's (:mod:`sim.textsafe`)."""
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(file, key, f"expected a string, got {excerpt(value)}")
    multiline = key == "description"
    problem = name_problem(value, MAX_DESCRIPTION if multiline else MAX_NAME, multiline)
    if problem is not None:
        raise ConfigError(file, key, problem)
    return value


def label_problem(name: Any) -> str | None:
    """Why ``name`` cannot label a variant or an uncertainty (a file name, a column and a
    word in every table), or None."""
    if not isinstance(name, str) or not VARIANT_NAME.match(name):
        return f"names use letters, digits, '_', '-' and '.', got {excerpt(name)}"
    return name_problem(name)


def int_value(
    raw: Mapping[str, Any],
    key: str,
    file: str | None,
    default: int,
    low: int,
    high: int,
    at: str = "",
) -> int:
    """``raw[key]``, an integer in [low, high]; errors name ``at.key``, the key's full path."""
    value, where = raw.get(key, default), join(at, key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(file, where, f"expected an integer, got {excerpt(value)}")
    if not low <= value <= high:
        raise ConfigError(file, where, f"must be in [{low}, {high:,}], got {excerpt(value)}")
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
        if (problem := label_problem(name)) is not None:
            raise ConfigError(file, f"variants.{name}", problem)
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
    """Dotted path -> values; an entry is a list, or ``{values: [...], variants: [...]}``."""
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise ConfigError(
            file, "grid", f"expected a mapping of dotted path: [values], got {grid!r}"
        )
    out: dict[str, tuple[Any, ...]] = {}
    for path, entry in grid.items():
        at = f"grid.{path}"
        if isinstance(entry, Mapping):
            check_keys(entry, GRID_KEYS, file, at)
            if "range" in entry or "n" in entry:
                out[str(path)] = grid_range(entry, file, at, value_type(str(path)) is int)
                continue
            entry, at = entry.get("values"), f"{at}.values"
        out[str(path)] = tuple(value_list(entry, file, at))
    return out


def grid_range(
    entry: Mapping[str, Any], file: str | None, at: str, integer: bool = False
) -> tuple[Any, ...]:
    """``{range: [low, high], n: N, scale: linear|log}``: N settings evenly spaced over the
    range (in its logarithm on a log scale), ends included: a lever's own setting searched
    for the robust value (the longest batch interval that still meets a threshold). A key the
    schema types as an integer (hub servers) takes the nearest whole values, each once."""
    if "values" in entry:
        raise ConfigError(file, at, "give either 'values: [...]' or 'range' with 'n', not both")
    for key in ("range", "n"):
        if key not in entry:
            raise ConfigError(file, f"{at}.{key}", f"missing required key '{key}' beside 'range'")
    low, high = bounds_of(entry["range"], file, f"{at}.range")
    n = int_value(entry, "n", file, default=2, low=2, high=MAX_GRID_N)
    scale = scale_of(entry, file, at, low)
    u = [i / (n - 1) for i in range(n)]
    spec = KeySpec("", low=float(low), high=float(high), scale=scale)
    values = [round(spec.value_at(x), 12) for x in u]
    return tuple(dict.fromkeys(round(v) for v in values)) if integer else tuple(values)


def scale_of(entry: Mapping[str, Any], file: str | None, at: str, low: float) -> str:
    """``linear`` (the default) or ``log``, which needs a range above zero."""
    scale = entry.get("scale", "linear")
    if scale not in SCALES:
        raise ConfigError(file, f"{at}.scale", unknown_tag_message("scale", scale, SCALES))
    if scale == "log" and low <= 0:
        message = f"a log scale needs a range above 0, got low {low}"
        raise ConfigError(file, f"{at}.range", message)
    return str(scale)


def value_list(values: Any, file: str | None, at: str) -> list[Any]:
    if not isinstance(values, list):
        message = f"expected a list of values, got {values!r}; write [{values!r}] for one"
        raise ConfigError(file, at, message)
    if not values:
        raise ConfigError(file, at, "empty list; give at least one value")
    return values


def grid_scope_of(grid: Any, variants: list[str], file: str | None) -> dict[str, tuple[str, ...]]:
    """Dotted path -> the variants its grid is scoped to, for entries that name them."""
    scope: dict[str, tuple[str, ...]] = {}
    for path, entry in (grid or {}).items():
        if isinstance(entry, Mapping) and entry.get("variants") is not None:
            at = f"grid.{path}.variants"
            scope[str(path)] = tuple(variant_names(entry["variants"], variants, file, at))
    return scope


def variant_names(names: Any, variants: list[str], file: str | None, at: str) -> list[str]:
    if not isinstance(names, list) or not names:
        raise ConfigError(file, at, f"expected a list of variant names, got {names!r}")
    for name in names:
        if name not in variants:
            raise ConfigError(file, at, unknown_tag_message("variant", name, variants))
    return [str(n) for n in names]


def shared_of(shared: Any, file: str | None) -> dict[str, Any]:
    """The ``set`` block: scenario overrides (nested or dotted) every variant gets."""
    if shared is None:
        return {}
    if not isinstance(shared, Mapping):
        raise ConfigError(file, "set", f"expected a mapping of scenario overrides, got {shared!r}")
    return dict(shared)


# --- uncertainties ----------------------------------------------------------------------------


def uncertainties_of(block: Any, file: str | None) -> Uncertainties | None:
    """The ``uncertainties`` block, checked: design, number of worlds, parameters."""
    if block is None:
        return None
    if not isinstance(block, Mapping):
        message = f"expected a mapping (design, worlds, parameters), got {block!r}"
        raise ConfigError(file, "uncertainties", message)
    check_keys(block, UNCERTAINTY_KEYS, file, "uncertainties")
    design = block.get("design", "lhs")
    if design not in UNCERTAINTY_DESIGNS:
        message = unknown_tag_message("design", design, UNCERTAINTY_DESIGNS)
        raise ConfigError(file, "uncertainties.design", message)
    parameters = parameters_of(block.get("parameters"), file)
    worlds = worlds_of(block, design, file)
    levels = int_value(block, "levels", file, default=3, low=2, high=MAX_LEVELS, at="uncertainties")
    out = Uncertainties(design, worlds, levels, parameters)
    return replace(out, worlds=factorial_size(out)) if design == "factorial" else out


def worlds_of(block: Mapping[str, Any], design: str, file: str | None) -> int:
    if design == "factorial":
        if "worlds" in block:
            message = "a factorial design has one world per combination of levels; drop 'worlds'"
            raise ConfigError(file, "uncertainties.worlds", message)
        return 0
    if "worlds" not in block:
        raise ConfigError(file, "uncertainties.worlds", "missing required key 'worlds'")
    worlds = int_value(
        block, "worlds", file, default=0, low=2, high=MAX_SAMPLE_N, at="uncertainties"
    )
    if design == "sobol" and worlds & (worlds - 1):
        message = (
            f"Sobol' points keep their balance only in powers of 2, got {worlds};"
            f" use {1 << (worlds - 1).bit_length()} or {1 << (worlds.bit_length() - 1)}"
        )
        raise ConfigError(file, "uncertainties.worlds", message)
    return worlds


def factorial_size(uncertainties: Uncertainties) -> int:
    return math.prod(u.levels or uncertainties.levels for u in uncertainties.parameters)


def parameters_of(parameters: Any, file: str | None) -> tuple[Uncertainty, ...]:
    at = "uncertainties.parameters"
    if not isinstance(parameters, Mapping) or not parameters:
        message = (
            f"expected a mapping of key or group name: {{range|values|keys}}, got {parameters!r}"
        )
        raise ConfigError(file, at, message)
    out = []
    for name, entry in parameters.items():
        where = f"{at}.{name}"
        if (problem := label_problem(name)) is not None:
            raise ConfigError(file, where, problem)
        if not isinstance(entry, Mapping):
            message = "expected {range: [low, high]}, {values: [...]} or {keys: ...}"
            message += f", got {entry!r}"
            raise ConfigError(file, where, message)
        check_keys(entry, PARAMETER_KEYS, file, where)
        out.append(Uncertainty(name, group_keys(entry, name, file, where)))
    return tuple(out)


def group_keys(
    entry: Mapping[str, Any], name: str, file: str | None, where: str
) -> tuple[KeySpec, ...]:
    """The keys an entry moves: itself (``range``/``values``), or its group's ``keys``."""
    if "keys" not in entry:
        return (key_spec(name, entry, file, where),)
    if set(entry) != {"keys"}:
        message = "a group gives each key its own range or values under 'keys', nothing beside"
        raise ConfigError(file, where, message)
    keys = entry["keys"]
    if not isinstance(keys, Mapping) or not keys:
        message = f"expected a mapping of dotted path: {{range|values}}, got {keys!r}"
        raise ConfigError(file, f"{where}.keys", message)
    specs = []
    for path, spec in keys.items():
        if not isinstance(spec, Mapping):
            message = f"expected {{range: [low, high]}} or {{values: [...]}}, got {spec!r}"
            raise ConfigError(file, f"{where}.keys.{path}", message)
        check_keys(spec, KEY_SPEC_KEYS, file, f"{where}.keys.{path}")
        specs.append(key_spec(str(path), spec, file, f"{where}.keys.{path}"))
    check_same_levels(specs, file, f"{where}.keys")
    return tuple(specs)


def key_spec(path: str, spec: Mapping[str, Any], file: str | None, where: str) -> KeySpec:
    if ("range" in spec) == ("values" in spec):
        message = "give either 'range: [low, high]' or 'values: [...]'"
        raise ConfigError(file, where, message)
    if "values" in spec:
        if "scale" in spec:
            raise ConfigError(file, f"{where}.scale", "a scale applies to a range, not values")
        return KeySpec(path, values=tuple(value_list(spec["values"], file, f"{where}.values")))
    low, high = bounds_of(spec["range"], file, f"{where}.range")
    return KeySpec(path, low=low, high=high, scale=scale_of(spec, file, where, low))


def bounds_of(bounds: Any, file: str | None, at: str) -> tuple[float, float]:
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(map(is_number, bounds))):
        raise ConfigError(file, at, f"expected [low, high] (two numbers), got {bounds!r}")
    if not bounds[0] < bounds[1]:
        raise ConfigError(file, at, f"low must be < high, got [{bounds[0]}, {bounds[1]}]")
    return bounds[0], bounds[1]


def check_same_levels(specs: list[KeySpec], file: str | None, at: str) -> None:
    """Keys moved together by a set of values need as many values each (one draw picks the
    same position in every list)."""
    counts = {len(s.values) for s in specs if s.values}
    mixed = counts and any(not s.values for s in specs)
    if len(counts) > 1 or mixed:
        message = (
            "keys of a group move together: give them all ranges, or value lists of one length"
        )
        raise ConfigError(file, at, message)


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
    n = (
        int_value(sample, "n", file, 0, low=1, high=MAX_SAMPLE_N, at="sample")
        if "n" in sample
        else None
    )
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
