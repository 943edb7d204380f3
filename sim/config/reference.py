"""The scenario file reference, generated from the schema so that it cannot drift from it.

python -m sim.config.reference > docs/scenario-reference.md
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.config.errors import number_text, range_text
from sim.config.schema import (
    MAX_DURATION,
    MAX_SIGMA,
    Exponential,
    Fixed,
    Lognormal,
    Scenario,
    Uniform,
)

DISTRIBUTIONS = {Exponential, Lognormal, Fixed, Uniform}

HEADER = f"""# Scenario file reference

Every key a scenario file (YAML) may hold, with its default, its allowed range and meaning.
Generated from `sim/config/schema.py` by `python -m sim.config.reference`; a test keeps it up to
date. Keys left out take their default; durations carry their unit in their name. A distribution
is one of `{{dist: exponential, mean: X}}`, `{{dist: lognormal, mean: X, sigma: S}}` (mean of
the variable, sigma of its logarithm), `{{dist: fixed, value: X}}`,
`{{dist: uniform, low: A, high: B}}`; its parameters are 0 to {number_text(MAX_DURATION)} in
the key's unit (a lognormal mean above 0), sigma at most {number_text(MAX_SIGMA)}.
`world` may instead name a preset (`world: {{preset: interpol-2023, ...}}`: see
`scenarios/README.md`).

Numbers are finite and strict: `.inf`, `.nan`, `true` and quoted numbers (`"10"`) are refused,
and YAML 1.2 reads `1e1` as 10.0. A run's size (records, changes, searches, peak memory) is
also estimated before it starts; one too large for the limit (`--max-memory`) is refused.

| key | type | default | range | meaning |
|---|---|---|---|---|
"""


def members(annotation: Any) -> list[type[BaseModel]]:
    """The schema models inside an annotation (unions, optionals, tuples, dicts)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return members(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin in (typing.Union, types.UnionType, tuple, dict):
        return [m for arg in typing.get_args(annotation) for m in members(arg)]
    return []


def type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return type_name(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        names = [type_name(a) for a in typing.get_args(annotation) if a is not type(None)]
        if len(names) > 2:
            return "one of the forms below"
        return " \\| ".join(names) + (
            " or null" if type(None) in typing.get_args(annotation) else ""
        )
    if origin is tuple:
        return f"list of {type_name(typing.get_args(annotation)[0])}"
    if origin is dict:
        return f"mapping name → {type_name(typing.get_args(annotation)[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return getattr(annotation, "__name__", str(annotation))


def is_distribution(annotation: Any) -> bool:
    found = members(annotation)
    return bool(found) and set(found) <= DISTRIBUTIONS


def default_text(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    value = field.default_factory() if field.default_factory else field.default
    if isinstance(value, BaseModel):
        if type(value) in DISTRIBUTIONS:
            return "`" + json.dumps(value.model_dump()).replace('"', "") + "`"
        return "see below"
    return json.dumps(value) if value not in ((), {}) else "none"


def rows(model: type[BaseModel], prefix: str, seen: set[tuple[str, str]]) -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        if name in ("kind", "dist") and typing.get_origin(field.annotation) is typing.Literal:
            continue  # shown on the "with kind: ..." line
        distribution = is_distribution(field.annotation)
        kind = "distribution" if distribution else type_name(field.annotation)
        if (key, kind) not in seen:
            seen.add((key, kind))
            meaning = " ".join((field.description or "").split())  # one table row
            allowed = range_text(field)
            out.append(f"| `{key}` | {kind} | {default_text(field)} | {allowed} | {meaning} |")
        if distribution:
            continue
        for sub in members(field.annotation):
            tag = discriminator(sub)
            if tag:
                out.append(f"| `{key}` with `{tag[0]}: {tag[1]}` | | | | {first_line(sub)} |")
            out += rows(sub, child_prefix(key, field.annotation), seen)
    return out


def child_prefix(key: str, annotation: Any) -> str:
    """``key.`` for a mapping, ``key[].`` for a list of them, ``key.NAME.`` for named ones."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return child_prefix(key, typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return child_prefix(key, inner[0]) if len(inner) == 1 else f"{key}."
    if origin is tuple:
        return f"{key}[]."
    if origin is dict:
        return f"{key}.NAME."
    return f"{key}."


def discriminator(model: type[BaseModel]) -> tuple[str, str] | None:
    for tag in ("kind", "dist"):
        field = model.model_fields.get(tag)
        if field is not None and typing.get_origin(field.annotation) is typing.Literal:
            return tag, typing.get_args(field.annotation)[0]
    return None


def first_line(model: type[BaseModel]) -> str:
    return (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""


def reference() -> str:
    return HEADER + "\n".join(rows(Scenario, "", set())) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
