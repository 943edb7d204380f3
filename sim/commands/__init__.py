"""Groups of ``pdsa`` subcommands, each registered in :mod:`sim.cli`, and the one way every
command stops: one line on stderr, exit status 2 for bad input (nothing written) and 1 for a
failure once work started."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

CONFIG_ERROR_EXIT = 2
RUN_FAILED_EXIT = 1


def fail(error: Exception | str, status: int = CONFIG_ERROR_EXIT) -> NoReturn:
    """Print the error's one line and exit with ``status``: 2 for bad input (the default),
    1 for a failure after work started (a full disk, a run with no result)."""
    click.echo(str(error), err=True)
    sys.exit(status)
