"""The one-way layers of ARCHITECTURE.md, checked on the source: nothing imports upwards, and
matplotlib lives in reporting alone."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).parent.parent / "sim"

LAYERS = [
    ("sim.rng", "sim.results", "sim.data", "sim.catalogue"),
    ("sim.config",),
    ("sim.world",),
    ("sim.engine",),
    ("sim.records", "sim.architectures", "sim.agents", "sim.behaviour", "sim.log", "sim.model"),
    ("sim.metrics",),
    ("sim.runner", "sim.sizing"),
    ("sim.sweeps",),
    ("sim.analysis",),
    ("sim.reporting",),
    ("sim.commands",),
    ("sim.cli", "sim"),
]


def rank(module: str) -> int:
    best = None
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (i, len(prefix))
    assert best is not None, module
    return best[0]


def modules():
    for path in SIM.rglob("*.py"):
        parts = path.relative_to(SIM.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, ast.parse(path.read_text())


def imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_module_imports_from_a_higher_layer():
    upward = [
        (name, target)
        for name, tree in modules()
        for target in imported(tree)
        if (target == "sim" or target.startswith("sim."))
        and name != "sim"
        and rank(target) > rank(name)
    ]
    assert upward == []


def test_matplotlib_only_in_reporting():
    users = {
        name for name, tree in modules() if any(t.startswith("matplotlib") for t in imported(tree))
    }
    assert users and all(name.startswith("sim.reporting") for name in users)
