"""Configuration errors, and the schema knowledge needed to word them well.

Everything that can go wrong with a scenario file ends as one :class:`ConfigError` naming the
file, the dotted key path and what is wrong, with the closest valid key or tag for typos. This
module owns the translation of pydantic's ``ValidationError`` into that form, and the walk over
the schema's fields that both the translation and ``--set`` paths rely on.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.config.schema import Scenario

# A leading "a.b.0.c: " in a validator's ValueError message is a path below the error's loc.
_LEADING_PATH = re.compile(r"^([A-Za-z_]\w*(?:\.\w+)*): (.*)$", re.DOTALL)

_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "tuple_type": "a list",
    "list_type": "a list",
    "finite_number": "a finite number",
}
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}


def _short_repr() -> reprlib.Repr:
    short = reprlib.Repr()  # attributes, not keywords: Python 3.11 has no constructor options
    short.maxlevel, short.maxlist, short.maxtuple, short.maxdict = 2, 4, 4, 4
    short.maxstring, short.maxother, short.maxlong = 40, 40, 40
    return short


_SHORT = _short_repr()
EXCERPT = 60
"""Longest value quoted in a message: enough to recognise it, never a whole file or structure."""


def cut(text: str, limit: int = EXCERPT) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A short ``repr`` of ``value``: reprlib stops early in a large structure (an alias bomb
    must not become a 4 MB error line), then the text is cut to ``limit``."""
    if isinstance(value, str):  # cut before repr: a 4 MB text is never copied
        return cut(repr(value[: limit + 1]), limit) if len(value) > limit else repr(value)
    return cut(_SHORT.repr(value), limit)


class ConfigError(Exception):
    """A scenario that cannot be used, described in one line.

    Attributes:
        file: the file the scenario came from, or None for an in-memory mapping.
        key_path: dotted path of the offending key (``records.scope``), or "" for the whole file.
        message: what is wrong, naming the bad value and, for typos, the closest valid key.
        origin: where the bad value came from when not the file itself (``--set``).
    """

    def __init__(self, file: str | None, key_path: str, message: str, *, origin: str = "") -> None:
        self.file = file
        self.key_path = key_path
        self.message = message
        self.origin = origin
        super().__init__(str(self))

    def __str__(self) -> str:
        # Every value in a message is already an excerpt; the cuts here keep the line short
        # even for a key path or a message built from a long name.
        where = " ".join(part for part in (self.origin, cut(self.key_path, 120)) if part)
        parts = (self.file, where, cut(" ".join(self.message.split()), 400))
        return ": ".join(part for part in parts if part)

    def with_origin(self, origin: str) -> ConfigError:
        """The same error, attributed to ``origin`` (a command-line option)."""
        return ConfigError(self.file, self.key_path, self.message, origin=origin)

    def in_file(self, file: str | None) -> ConfigError:
        """The same error, naming ``file``."""
        return ConfigError(file, self.key_path, self.message, origin=self.origin)


# --- walking the schema -------------------------------------------------------------------


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` so what is left is a model, union, container or leaf."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def union_members(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models of a (discriminated) union of models, or () for anything else."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return ()
    members = tuple(a for a in get_args(annotation) if is_model(a))
    return members if len(members) == len(get_args(annotation)) else ()


def discriminator_of(members: Sequence[type[BaseModel]]) -> str | None:
    """The key (``kind``, ``dist``) whose literal value tells the union's members apart."""
    first = members[0]
    for name, field in first.model_fields.items():
        if all(_tag_values(m, name) for m in members):
            return field.alias or name
    return None


def _tag_values(model: type[BaseModel], key: str) -> tuple[Any, ...]:
    field = model.model_fields.get(key)
    if field is None or get_origin(field.annotation) is not Literal:
        return ()
    return get_args(field.annotation)


def tags_of(members: Sequence[type[BaseModel]]) -> list[str]:
    key = discriminator_of(members)
    return [str(tag) for m in members for tag in _tag_values(m, key or "")]


def member_for_tag(members: Sequence[type[BaseModel]], tag: Any) -> type[BaseModel] | None:
    key = discriminator_of(members)
    for member in members:
        if key is not None and tag in _tag_values(member, key):
            return member
    return None


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a scenario file may use for ``model`` (aliases where they exist)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def model_field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def item_type(annotation: Any) -> Any:
    """The element type of ``tuple[X, ...]`` or ``list[X]``; None for anything else."""
    if get_origin(annotation) in (tuple, list):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return args[0] if args else Any
    return None


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate ``word`` was most likely meant to be: a close spelling or an extension."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    if matches:
        return matches[0]
    extensions = [c for c in candidates if word and c.startswith(word)]
    return extensions[0] if len(extensions) == 1 else None


def unknown_key_message(key: str, valid: Sequence[str]) -> str:
    """``unknown key 'x'; did you mean 'y'?`` or, with no close key, the list of valid keys."""
    guess = closest(key, valid)
    if guess is not None:
        return f"unknown key {excerpt(key)}; did you mean {excerpt(guess)}?"
    return f"unknown key {excerpt(key)}; valid keys here: {', '.join(valid)}"


def unknown_tag_message(what: str, tag: Any, valid: Sequence[str]) -> str:
    guess = closest(str(tag), valid)
    hint = f"; did you mean {excerpt(guess)}?" if guess else ""
    return f"unknown {what} {excerpt(tag)}{hint} (valid: {', '.join(valid)})"


def tag_noun(key: str | None) -> str:
    return {"kind": "architecture kind", "dist": "distribution"}.get(key or "", "type")


# --- translating pydantic errors ---------------------------------------------------------


class _Located:
    """A pydantic loc resolved against the schema: its dotted path and what sits there."""

    def __init__(self, loc: Sequence[int | str]) -> None:
        self.parts: list[str] = []
        self.annotation: Any = Scenario
        self.field: FieldInfo | None = None
        for part in loc:
            self._step(part)

    def _step(self, part: int | str) -> None:
        annotation = unwrap(self.annotation)
        members = union_members(annotation)
        if members and (member := member_for_tag(members, part)) is not None:
            self.annotation = member  # pydantic's union tag in the loc is not a real key
            return
        self.parts.append(str(part))
        if is_model(annotation) and isinstance(part, str):
            self.field = model_field(annotation, part)
            self.annotation = self.field.annotation if self.field else Any
        else:
            self.field = None
            self.annotation = item_type(annotation) or Any

    @property
    def path(self) -> str:
        return ".".join(self.parts)


def _join(*paths: str) -> str:
    return ".".join(p for p in paths if p)


def _constraints(field: FieldInfo | None) -> list[Any]:
    """The field's metadata, also when its annotation is ``Annotated[...] | None``."""
    if field is None:
        return []
    found = list(field.metadata)
    for arg in get_args(field.annotation):
        if get_origin(arg) is Annotated:
            for item in get_args(arg)[1:]:
                found += item.metadata if isinstance(item, FieldInfo) else [item]
    return found


def _bound(field: FieldInfo | None, names: tuple[str, str]) -> tuple[str, float] | None:
    """(``>=`` or ``>``, value) of the field's lower bound, or the upper with (le, lt)."""
    for item in _constraints(field):
        for name in names:
            if getattr(item, name, None) is not None:
                return name, getattr(item, name)
    return None


def number_text(x: float) -> str:
    """``36,500``, ``1,000,000``, ``0.000694444``: a bound as a reader writes it."""
    if isinstance(x, int) or (float(x).is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:g}"


def range_text(field: FieldInfo | None) -> str:
    """``0 to 1,000,000``, ``above 0, at most 36,500``, ``at least 1``: the allowed range."""
    low, high = _bound(field, ("ge", "gt")), _bound(field, ("le", "lt"))
    lower = "" if low is None else number_text(low[1])
    upper = "" if high is None else number_text(high[1])
    if low is not None and high is not None and low[0] == "ge" and high[0] == "le":
        return f"{lower} to {upper}"
    parts = [] if low is None else [("at least " if low[0] == "ge" else "above ") + lower]
    parts += [] if high is None else [("at most " if high[0] == "le" else "below ") + upper]
    return ", ".join(parts)


def low_and_high(allowed: str) -> bool:
    return " to " in allowed or ", " in allowed


def _is_probability(field: FieldInfo | None) -> bool:
    low, high = _bound(field, ("ge", "gt")), _bound(field, ("le", "lt"))
    return low == ("ge", 0) and high == ("le", 1)


def _describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """(dotted key path, message) for one pydantic error dict."""
    located = _Located(error["loc"])
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        parent = _Located(error["loc"][:-1])
        model = unwrap(parent.annotation)
        valid = model_keys(model) if is_model(model) else []
        return located.path, unknown_key_message(str(error["loc"][-1]), valid)
    if kind == "missing":
        return located.path, f"missing required key {excerpt(located.parts[-1])}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        members = union_members(unwrap(located.annotation))
        key = discriminator_of(members) if members else ctx.get("discriminator", "").strip("'")
        valid = tags_of(members) if members else []
        path = _join(located.path, key or "")
        if kind == "union_tag_not_found":
            return path, f"missing {excerpt(key)} (one of: {', '.join(valid)})"
        return path, unknown_tag_message(tag_noun(key), ctx.get("tag"), valid)
    if kind == "literal_error":
        valid = [str(a) for a in get_args(unwrap(located.annotation))]
        return located.path, unknown_tag_message("value", value, valid)
    if kind in _BOUNDS:
        return located.path, _bound_message(kind, ctx, value, located.field)
    if kind in _EXPECTED:
        return located.path, _type_message(_EXPECTED[kind], value)
    if kind == "too_short":
        return located.path, f"needs at least {ctx.get('min_length')} item(s), got {excerpt(value)}"
    if kind == "value_error":
        return _value_error(located.path, str(ctx.get("error", error["msg"])))
    return located.path, f"{error['msg']} (got {excerpt(value)})"


def _type_message(expected: str, value: Any) -> str:
    number = _number_in_text(value) if expected in _NUMBERS else None
    if number is not None and not math.isfinite(number):
        return f"expected a finite number, got the text {excerpt(value)}"
    message = f"expected {expected}, got {excerpt(value)} ({type(value).__name__})"
    if number is not None:
        message += "; write numbers without quotes"
    elif isinstance(value, bool) and expected == "a string":
        message += "; YAML reads unquoted yes/no/on/off as booleans, so quote it"
    return message


_NUMBERS = ("a number", "an integer", "a whole number", "a finite number")


def _number_in_text(value: Any) -> float | None:
    """The number a quoted value spells (``"10"``, ``"nan"``), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _bound_message(kind: str, ctx: Mapping[str, Any], value: Any, field: FieldInfo | None) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "expected a number, got nan"
    if _is_probability(field):
        return f"probability must be in [0, 1], got {excerpt(value)}"
    symbol, key = _BOUNDS[kind]
    bound = ctx.get(key)
    allowed = range_text(field)
    if (symbol, bound) == (">=", 0):
        noun = "must not be negative"
    elif low_and_high(allowed):
        noun = f"must be {allowed}"
    else:
        noun = f"must be {symbol} {bound:g}"
    return f"{noun}, got {excerpt(value)}"


def _value_error(path: str, message: str) -> tuple[str, str]:
    match = _LEADING_PATH.match(message)
    if match is None:
        return path, message
    return _join(path, match.group(1)), match.group(2)


def _rank(error: Mapping[str, Any]) -> int:
    # An unknown key usually explains a "missing" one beside it (a typo), so report it first.
    return {"extra_forbidden": 0, "missing": 2}.get(error["type"], 1)


def from_validation_error(exc: ValidationError, file: str | None) -> ConfigError:
    """The most telling of pydantic's errors as one ConfigError, counting the others."""
    errors = sorted(exc.errors(), key=_rank)
    path, message = _describe(errors[0])
    if len(errors) > 1:
        others = len(errors) - 1
        message += f" (and {others} more error{'s' if others > 1 else ''})"
    return ConfigError(file, path, message)
