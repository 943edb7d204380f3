"""Reading scenario files: YAML to a validated :class:`Scenario`, or one :class:`ConfigError`.

This is the edge where scenarios are checked; past it the code trusts them. YAML is read only
through :mod:`sim.config.yaml_loader` (plain data, YAML 1.2 numbers, no repeated keys, bounded
nesting and aliases).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.config.errors import ConfigError, excerpt, from_validation_error
from sim.config.overrides import SET_ORIGIN, apply_overrides, parse_assignment
from sim.config.presets import expand_world
from sim.config.schema import Scenario
from sim.config.yaml_loader import parse_yaml, yaml_problem


def load_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file; any problem reading it is a ConfigError."""
    file = str(path)
    return yaml_mapping(read_text(path, file), file)


def yaml_mapping(text: str, file: str | None) -> dict[str, Any]:
    """The top-level mapping of YAML ``text`` (an embedded file's); ``file`` names it."""
    if not text.strip():
        raise ConfigError(file, "", "file is empty; expected a mapping of keys")
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", yaml_problem(exc, text)) from None
    if data is None:
        raise ConfigError(file, "", "file holds no data (only comments?); expected a mapping")
    if not isinstance(data, dict):
        raise ConfigError(file, "", f"top level must be a mapping of keys, got {_noun(data)}")
    return data


MAX_FILE_BYTES = 10 * 1024**2
"""Largest YAML file read (the whole world written out is about 50 kB): a mistaken data file
is refused instead of read until memory runs out."""
READ_SECONDS = 10.0
"""Longest a file may take to read (a stalled network share): past it the file is refused,
and the explorer's server, which reads the files typed into its page, is not held up."""

NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_text(path: str | Path, file: str) -> str:
    """The UTF-8 text of ``path``; anything that stops reading it is a ConfigError. Only a
    regular file is opened (a FIFO would block the reader for ever, a device never ends),
    and its read must end within :data:`READ_SECONDS`."""
    try:
        check_regular(os.stat(path).st_mode, file)
        data = bounded_read(path, file)
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "file not found") from None
    except IsADirectoryError:
        raise ConfigError(file, "", "is a directory, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(file, "", f"not UTF-8 text (byte {exc.start})") from None
    except ValueError:  # the path itself: stat() and open() refuse an embedded NUL
        at = str(path).find("\0")
        raise ConfigError(excerpt(str(path)), "", f"file name holds a NUL byte at {at}") from None
    except OSError as exc:
        raise ConfigError(file, "", f"cannot read: {exc.strerror}") from None


def check_regular(mode: int, file: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError
    if not stat.S_ISREG(mode):
        kind = NOT_REGULAR.get(stat.S_IFMT(mode), "not a regular file")
        raise ConfigError(file, "", f"is {kind}, not a file; give a YAML file")


def bounded_read(path: str | Path, file: str) -> bytes:
    """At most :data:`MAX_FILE_BYTES` + 1 bytes of ``path``, read in a thread of its own so
    that a read that stalls is given up after :data:`READ_SECONDS`."""
    outcome: list[bytes | BaseException] = []

    def read() -> None:
        try:
            outcome.append(read_regular(path, file))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True, name="pdsa-read")
    reader.start()
    reader.join(READ_SECONDS)
    if not outcome:
        raise ConfigError(file, "", f"could not be read in {READ_SECONDS:g} s; a stalled disk?")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def read_regular(path: str | Path, file: str) -> bytes:
    """The file's bytes, opened without blocking (a FIFO put in its place after the check
    would otherwise wait for a writer) and checked again once open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        check_regular(os.fstat(fd).st_mode, file)
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(file, "", f"larger than {MAX_FILE_BYTES // 1024**2} MB; not a YAML file?")
    return data


def _noun(value: Any) -> str:
    """What the top level is, without its content: a text file that is not YAML (say
    ``/etc/passwd``) reads as one long string, and an error must not print it."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a single text (not key: value lines)"
    return f"{type(value).__name__} {excerpt(value)}"


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
