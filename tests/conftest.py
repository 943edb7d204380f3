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
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``pdsa run --out`` directory (tests/test_reporting.py)."""
    from tests.test_reporting import write_run_dir

    return write_run_dir(tmp_path_factory.mktemp("run"))
