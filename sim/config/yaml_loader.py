"""The one YAML reader of the project: scenarios, experiments, ``--set`` values and presets.

PyYAML's ``safe_load`` follows YAML 1.1, where ``1e1`` is the text "1e1" (a sweep once took it
for a number at validation and failed at the parquet write), a repeated key silently replaces
the first, and an alias bomb expands to gigabytes in the first error message that prints it.
This loader differs from ``safe_load`` in exactly these ways:

- numbers follow YAML 1.2's core schema: ``1e1`` and ``1.5E-3`` are floats, ``.inf`` and
  ``.nan`` are floats (the schema then refuses them by name), ``010`` is ten, ``0o10`` eight,
  ``0x10`` sixteen, and ``1_000`` or ``1:30`` are text. Booleans stay as in YAML 1.1
  (``yes``/``no``/``on``/``off``), so an unquoted country code ``NO`` is caught as a boolean;
- only plain data: mappings, lists, text, numbers, booleans and null. Dates stay text, and
  every other tag (``!!python/...``, ``!!binary``, ``!!set``, ``!!timestamp``) is refused;
- a key repeated in one mapping is refused, naming the lines of both;
- nesting is at most :data:`MAX_DEPTH` levels and the document, with every alias expanded, at
  most :data:`MAX_VALUES` values; both are checked while composing, in time linear in the
  file, so an alias bomb fails at once instead of hanging.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.config.errors import cut, excerpt

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a scenario needs 6)."""
MAX_VALUES = 200_000
"""Most values in a document with its aliases expanded (the whole world written out: ~5,000)."""

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_CORE_TAGS = ("null", "bool", "int", "float", "str", "seq", "map")
_DIGITS_LIMIT = 4000  # below Python's int-from-text limit (4300), which raises ValueError


def _resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """SafeLoader's implicit resolvers without its ints, floats and timestamps, plus 1.2's."""
    dropped = {f"tag:yaml.org,2002:{t}" for t in ("int", "float", "timestamp")}
    table = {
        first: [(tag, rx) for tag, rx in entries if tag not in dropped]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for tag, regexp, firsts in (
        ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
        ("tag:yaml.org,2002:float", _FLOAT, "-+.0123456789"),
    ):
        for first in firsts:
            table.setdefault(first, []).append((tag, regexp))
    return table


class _Constructor(yaml.constructor.SafeConstructor):
    """Plain data only, YAML 1.2 numbers, no repeated keys."""

    yaml_constructors = {
        tag: fn
        for tag, fn in yaml.constructor.SafeConstructor.yaml_constructors.items()
        if tag is None or tag.removeprefix("tag:yaml.org,2002:") in _CORE_TAGS
    }

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        if len(text) > _DIGITS_LIMIT:
            raise ConstructorError(None, None, "integer with too many digits", node.start_mark)
        if not _INT.match(text):
            raise ConstructorError(None, None, f"{text[:30]!r} is not an integer", node.start_mark)
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        base = {"0o": 8, "0x": 16}.get(digits[:2], 10)
        return sign * int(digits[2:] if base != 10 else digits, base)

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        """PyYAML's constructors raise ValueError or KeyError for an explicit tag they cannot
        read (``!!float abc``, ``!!bool maybe``); those are YAML problems too."""
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, OverflowError):
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            message = f"{excerpt(node.value)} cannot be read as {tag}"
            raise ConstructorError(None, None, message, node.start_mark) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            self._refuse_repeated_keys(node)
        return super().construct_mapping(node, deep=deep)

    def _refuse_repeated_keys(self, node: MappingNode) -> None:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a merge (<<: *base) may override keys: that is its purpose
            key = self.construct_object(key_node, deep=True)
            try:
                line = first_line.get(key)
            except TypeError:
                continue  # unhashable: construct_mapping names it
            if line is not None:
                message = f"key {excerpt(key)} is repeated (first at line {line})"
                raise ConstructorError(None, None, message, key_node.start_mark)
            first_line[key] = key_node.start_mark.line + 1


_Constructor.yaml_constructors["tag:yaml.org,2002:int"] = _Constructor.construct_yaml_int


class Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _Constructor,
    yaml.resolver.Resolver,
):
    """``yaml.SafeLoader`` with the differences in the module docstring."""

    yaml_implicit_resolvers = _resolvers()

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Constructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._depth = 0
        self._expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._expanded:
                message = "alias refers to the mapping or list that contains it"
                raise ComposerError(None, None, message, mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._expanded[id(node)] = self._size(node, mark)
        return node

    def _size(self, node: Node, mark: Any) -> tuple[int, int]:
        """(values, depth) of ``node`` with its aliases expanded; its children are known."""
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            return 1, 1
        sizes = [self._expanded[id(child)] for child in children]
        values = 1 + sum(size for size, _ in sizes)
        depth = 1 + max((d for _, d in sizes), default=0)
        if values > MAX_VALUES:
            message = f"expands to more than {MAX_VALUES:,} values (through aliases?)"
            raise ComposerError(None, None, message, mark)
        if depth > MAX_DEPTH:
            message = f"nested deeper than {MAX_DEPTH} levels (through aliases)"
            raise ComposerError(None, None, message, mark)
        return values, depth


def parse_yaml(text: str) -> Any:
    """The data of one YAML document; raises ``yaml.YAMLError`` (see :func:`yaml_problem`)."""
    loader = Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """What is wrong with ``text``, in one line, with its line and column."""
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _line_column(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else -1
        what = "a NUL byte" if code == 0 else f"character #x{code:04x}"
        return f"invalid YAML at line {line}, column {column}: {what} is not allowed in YAML text"
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown position"
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    if isinstance(exc, ConstructorError) and "constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
        return f"YAML tag {tag} at {where} is not allowed; scenario files hold plain data only"
    return f"invalid YAML at {where}: {cut(problem, 160)}"


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
