"""Dotted-path overrides of a raw scenario mapping: ``--set records.scope.global=0.9``.

Paths are checked against the schema, not the raw mapping, because a file may omit any key that
has a default. Integer parts index lists (``world.countries.0.weight``); a part under a mapping
keyed by name is any key, its value typed by the mapping (``records.kinds.notices.share``,
``costs.record_bytes_by_kind.notices``; a key the scenario does not define is then refused by
its own validation). Sweeps reuse
:func:`validate_path` and :func:`set_dotted` for their varied parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel

from sim.config.errors import (
    ConfigError,
    discriminator_of,
    excerpt,
    is_model,
    item_type,
    member_for_tag,
    model_field,
    model_keys,
    tag_noun,
    tags_of,
    union_members,
    unknown_key_message,
    unknown_tag_message,
    unwrap,
)
from sim.config.schema import Scenario
from sim.config.yaml_loader import parse_yaml, yaml_problem

SET_ORIGIN = "--set"


class _PathError(ValueError):
    """A bad dotted path: the prefix that is fine and what is wrong with the next part."""


def validate_path(path: str, raw: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`ConfigError` unless ``path`` names a key of the scenario schema.

    Args:
        path: dotted key path, integer parts indexing lists.
        raw: the raw scenario being overridden; its ``kind``/``dist`` values decide which
            member of a discriminated union the rest of the path is checked against.
    """
    try:
        _walk(path.split("."), raw)
    except _PathError as exc:
        raise ConfigError(None, path, str(exc), origin=SET_ORIGIN) from None


def key_type(path: str, raw: Mapping[str, Any] | None = None) -> Any:
    """The schema type at ``path`` (``int``, ``float``, a model...), ``Annotated`` and
    ``| None`` stripped; raises :class:`ConfigError` like :func:`validate_path`."""
    try:
        return unwrap(_walk(path.split("."), raw)[-1][1])
    except _PathError as exc:
        raise ConfigError(None, path, str(exc), origin=SET_ORIGIN) from None


def value_type(path: str) -> type | None:
    """``float``, ``int``, ``bool`` or ``str`` when ``path`` names one value of the schema
    (a sweep factor's column type); None for a mapping, a list or an unknown path."""
    try:
        leaf = unwrap(_walk(path.split("."), _Unknown())[-1][1])
    except (_PathError, IndexError):
        return None
    if get_origin(leaf) is Literal:
        kinds = {type(arg) for arg in get_args(leaf)}
        return kinds.pop() if len(kinds) == 1 else None
    return leaf if leaf in (float, int, bool, str) else None


class _Unknown(dict[str, Any]):
    """A raw scenario that says nothing, at any depth: each union on the path takes the member
    that has the path's next key (as when a file omits the tag), not the default's."""

    def get(self, key: str, default: Any = None) -> Any:
        return self


def _walk(parts: Sequence[str], raw: Any) -> list[tuple[Any, Any]]:
    """(schema default, annotation) at each prefix of ``parts``."""
    annotation: Any = Scenario
    node, default = raw, None
    found: list[tuple[Any, Any]] = []
    for i, part in enumerate(parts):
        annotation = _resolve_union(unwrap(annotation), node, default, part)
        if is_model(annotation):
            field = model_field(annotation, part)
            if field is None:
                raise _PathError(_unknown_key(part, annotation))
            annotation, default = field.annotation, field.default
            node = node.get(part) if isinstance(node, Mapping) else None
        elif get_origin(annotation) is dict:
            # A mapping keyed by name (record kinds, sizes by kind): any key, its values typed.
            annotation, default = get_args(annotation)[1], None
            node = node.get(part) if isinstance(node, Mapping) else None
        elif item_type(annotation) is not None:
            if not part.isdigit():
                where = ".".join(parts[:i])
                raise _PathError(f"{excerpt(part)} is not a list index; {where} is a list")
            annotation, default = item_type(annotation), None
            index = int(part)
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            where = ".".join(parts[:i])
            raise _PathError(f"{where} is a single value; it has no key {excerpt(part)}")
        found.append((default, annotation))
    return found


def _unknown_key(key: str, model: type[BaseModel]) -> str:
    message = unknown_key_message(key, model_keys(model))
    kind = getattr(model.model_fields.get("kind"), "annotation", None)
    if kind is not None and get_args(kind):
        message += f" (for architecture kind {get_args(kind)[0]!r})"
    return message


def _resolve_union(annotation: Any, node: Any, default: Any, part: str) -> Any:
    """The union member the path continues in: the one named by the raw or default tag."""
    members = union_members(annotation)
    if not members:
        return annotation
    key = discriminator_of(members) or ""
    tag = node.get(key) if isinstance(node, Mapping) else getattr(default, key, None)
    if tag is None or isinstance(tag, _Unknown):
        with_part = [m for m in members if model_field(m, part) is not None]
        return with_part[0] if with_part else members[0]
    member = member_for_tag(members, tag)
    if member is None:
        raise _PathError(unknown_tag_message(tag_noun(key), tag, tags_of(members)))
    return member


def set_dotted(raw: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``raw`` with ``value`` at ``path``; missing mappings on the way are created.

    A mapping the file omitted starts as the schema default at that place, so setting
    ``records.lifetime_days.mean`` keeps the default distribution's ``dist``.
    """
    return set_many(raw, [(path, value)])


def set_many(raw: Mapping[str, Any], assignments: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of ``raw`` with each (path, value) set in turn, as :func:`set_dotted` would, but
    copying ``raw`` once (a sweep sets a dozen keys in each of thousands of scenarios)."""
    result = copy.deepcopy(dict(raw))
    for path, value in assignments:
        parts = path.split(".")
        try:
            defaults = _walk(parts, result)
        except _PathError as exc:
            raise ConfigError(None, path, str(exc), origin=SET_ORIGIN) from None
        node: Any = result
        for i, part in enumerate(parts[:-1]):
            node = _child(node, part, *defaults[i], ".".join(parts[: i + 1]))
        _assign(node, parts[-1], value, path)
        if len(parts) > 1:
            _drop_foreign_keys(node, defaults[-2][1], parts[-1], value)
    return result


def _drop_foreign_keys(node: Any, annotation: Any, key: str, tag: Any) -> None:
    """After ``key`` (a union's ``kind`` or ``dist``) is set to ``tag``, drop the keys of
    ``node`` its new member does not have: ``--set architecture.kind=hybrid`` on a fragmented
    scenario leaves no ``entry_probability`` behind to fail on (the old kind's settings mean
    nothing to the new one), and ``dist=exponential`` no ``sigma``."""
    members = union_members(unwrap(annotation))
    if not members or not isinstance(node, dict) or discriminator_of(members) != key:
        return
    member = member_for_tag(members, tag)
    if member is None:
        return  # an unknown tag: validation names it
    keep = set(model_keys(member))
    for stale in [k for k in node if k not in keep]:
        del node[stale]


def _child(node: Any, part: str, default: Any, annotation: Any, prefix: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, prefix)]
    if not isinstance(node.get(part), dict | list):
        if part in node and node[part] is not None:
            message = f"is {excerpt(node[part])}, not a mapping"
            raise ConfigError(None, prefix, message, origin=SET_ORIGIN)
        node[part] = _seed(default, annotation)
    return node[part]


def _seed(default: Any, annotation: Any) -> Any:
    if isinstance(default, BaseModel):
        return default.model_dump(mode="json", by_alias=True)
    return [] if item_type(unwrap(annotation)) is not None else {}


def _assign(node: Any, part: str, value: Any, path: str) -> None:
    if isinstance(node, list):
        node[_index(node, part, path)] = value
    else:
        node[part] = value


def _index(items: list[Any], part: str, path: str) -> int:
    index = int(part)
    if index >= len(items):
        message = f"index {index} is out of range (the list has {len(items)} items)"
        raise ConfigError(None, path, message, origin=SET_ORIGIN)
    return index


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"a.b=value"`` as (path, value), the value read as YAML (numbers, lists, mappings)."""
    if not isinstance(text, str):
        message = f"expected dotted.path=value, got {excerpt(text)}"
        raise ConfigError(None, "", message, origin=SET_ORIGIN)
    path, sep, value_text = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ConfigError(None, text, "expected dotted.path=value", origin=SET_ORIGIN)
    try:
        return path, parse_yaml(value_text)
    except yaml.YAMLError as exc:
        problem = yaml_problem(exc, value_text)
        message = f"value {excerpt(value_text)}: {problem}"
        raise ConfigError(None, path, message, origin=SET_ORIGIN) from None


def apply_overrides(
    raw: Mapping[str, Any],
    assignments: Sequence[str] | Mapping[str, Any],
    file: str | None = None,
) -> dict[str, Any]:
    """``raw`` with each assignment applied in order; ``raw`` itself is left unchanged.

    Args:
        raw: the scenario mapping as read from its file.
        assignments: ``"dotted.path=value"`` strings (values parsed as YAML) or a mapping of
            dotted paths to already-typed values.
        file: the scenario's file, named in errors.
    """
    pairs: list[tuple[str, Any]] | Sequence[str]
    pairs = list(assignments.items()) if isinstance(assignments, Mapping) else assignments
    result = dict(raw)
    for item in pairs:
        try:
            path, value = item if isinstance(item, tuple) else parse_assignment(item)
            result = set_dotted(result, path, value)
        except ConfigError as exc:
            raise exc.in_file(file) from None
    return result
