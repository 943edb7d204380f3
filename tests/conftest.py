"""Shared test settings. In CI (``CI`` set), Hypothesis draws a fixed sequence of examples so
that a run passes or fails the same way every time; locally it explores new ones each run.

The results directories the reporting and explorer tests read are built once per session here
(a fixture imported into several modules would be built once per module)."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory in the sweep contract's format, from real runs (tests/test_reporting.py)."""
    from tests.test_reporting import write_sweep_dir

    return write_sweep_dir(tmp_path_factory.mktemp("sweep"))


@pytest.fixture(scope="session")
def road_map_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small road-map sweep with regions and kinds (tests/test_by_region.py)."""
    from tests.test_by_region import write_road_map

    return write_road_map(tmp_path_factory.mktemp("road-map"))


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``pdsa run --out`` directory (tests/test_reporting.py)."""
    from tests.test_reporting import write_run_dir

    return write_run_dir(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(scenario, experiment) files full of hostile names (tests/hostile.py)."""
    from tests import hostile

    return hostile.write(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="session")
def hostile_run_dir(hostile_files: tuple[Path, Path], tmp_path_factory) -> Path:
    """``pdsa run --out --plot`` of the hostile scenario."""
    from tests import hostile

    return hostile.run_dir(hostile_files[0], tmp_path_factory.mktemp("hostile-run"))


@pytest.fixture(scope="session")
def hostile_sweep_dir(hostile_files: tuple[Path, Path], tmp_path_factory) -> Path:
    """``pdsa sweep --plot`` of the hostile experiment (a text-valued uncertainty)."""
    from tests import hostile

    return hostile.sweep_dir(hostile_files[1], tmp_path_factory.mktemp("hostile-sweep"))
