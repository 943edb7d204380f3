"""The one-way layers of ARCHITECTURE.md, checked on the source by import-linter: the contracts
(layers, metrics that never reach into the model, matplotlib in reporting alone) live in
pyproject.toml, the one list of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

CHECK = "from importlinter.cli import lint_imports; raise SystemExit(lint_imports(no_cache=True))"


def test_import_contracts_hold():
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "3 kept, 0 broken" in proc.stdout


def test_a_back_edge_breaks_the_layers(tmp_path):
    """The contract is not vacuous: a copy of the package in which the run log imports the
    model (a back-edge across three layers) fails it."""
    import shutil

    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    log = tmp_path / "sim" / "log.py"
    log.write_text(log.read_text() + "\nimport sim.model  # noqa\n")
    proc = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert "sim.log is not allowed to import sim.model" in proc.stdout
