"""Reading scenario files: YAML to a validated :class:`Scenario`, or one :class:`ConfigError`.

This is the edge where scenarios are checked; past it the code trusts them. YAML is read only
through ``yaml.safe_load``, so a tag that would build a Python object is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.config.errors import ConfigError, from_validation_error
from sim.config.overrides import SET_ORIGIN, apply_overrides, parse_assignment
from sim.config.presets import expand_world
from sim.config.schema import Scenario


def load_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file; any problem reading it is a ConfigError."""
    file = str(path)
    text = _read_text(Path(path), file)
    if not text.strip():
        raise ConfigError(file, "", "file is empty; expected a mapping of keys")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", _yaml_problem(exc)) from None
    if data is None:
        raise ConfigError(file, "", "file holds no data (only comments?); expected a mapping")
    if not isinstance(data, dict):
        raise ConfigError(file, "", f"top level must be a mapping of keys, got {_noun(data)}")
    return data


def _read_text(path: Path, file: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(file, "", "is a directory, not a scenario file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(file, "", f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(file, "", f"cannot read: {exc.strerror}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
        return f"YAML tag {tag} at {where} is not allowed; scenario files hold plain data only"
    return f"invalid YAML at {where}: {problem}"


def _noun(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def scenario_from_dict(raw: Any, file: str | None = None) -> Scenario:
    """Validate a raw mapping as a Scenario (a world preset expanded first); ``file`` is named
    in any error."""
    if not isinstance(raw, Mapping):
        raise ConfigError(file, "", f"top level must be a mapping of keys, got {_noun(raw)}")
    try:
        return Scenario.model_validate(expand_world(raw, file))
    except ValidationError as exc:
        raise from_validation_error(exc, file) from None


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override (``--set`` assignments) and validate the scenario in ``path``.

    An error in a value that came from an override is attributed to ``--set``.
    """
    file = str(path)
    raw = apply_overrides(load_yaml_mapping(path), overrides, file)
    try:
        return scenario_from_dict(raw, file)
    except ConfigError as exc:
        if _from_override(exc.key_path, overrides):
            raise exc.with_origin(SET_ORIGIN) from None
        raise


def _from_override(key_path: str, overrides: Sequence[str]) -> bool:
    paths = [parse_assignment(text)[0] for text in overrides]
    return any(key_path == p or key_path.startswith(p + ".") for p in paths)


def resolved_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario with every default filled in, as plain JSON data (file key names)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_sha256(scenario: Scenario) -> str:
    """A fingerprint of what the scenario means, independent of how its file was written."""
    canonical = json.dumps(resolved_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
