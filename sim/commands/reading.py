"""Reading a finished sweep for the commands that analyse one: every problem with it ends as
one line on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.commands import RUN_FAILED_EXIT, fail
from sim.config import ConfigError
from sim.sweeps.store import NoResults, ResultsDirError, read_sweep, successful


def read_results(out_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The runs table and manifest of the sweep in ``out_dir``: a directory that holds none,
    or a corrupt one, ends with exit status 2; one where no run succeeded with status 1."""
    try:
        runs, manifest = read_sweep(out_dir)
        successful(runs, out_dir)
    except NoResults as error:
        fail(error, RUN_FAILED_EXIT)
    except ResultsDirError as error:
        fail(error)
    return runs, manifest


def checked_metrics(
    runs: pd.DataFrame, metrics: tuple[str, ...], out_dir: Path, option: str = "--metric"
) -> list[str]:
    """The metrics asked for (the default ones when none), each a metric of the runs; an
    unknown one ends the command with one line naming the ``option`` it came from."""
    from sim.analysis import default_metrics
    from sim.config.errors import unknown_key_message

    known = [c for c in runs.columns if pd.api.types.is_float_dtype(runs[c])]
    for metric in metrics:
        if metric not in known:
            message = unknown_key_message(metric, known).replace("key", "metric")
            fail(ConfigError(str(out_dir), option, message))
    return list(metrics) or default_metrics(runs)
