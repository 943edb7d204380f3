"""Groups of ``pdsa`` subcommands, each registered in :mod:`sim.cli`, and the one way every
command refuses bad input: one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

CONFIG_ERROR_EXIT = 2
RUN_FAILED_EXIT = 1


def fail(error: Exception | str) -> NoReturn:
    """Print the error's one line and exit with status 2 (bad input)."""
    click.echo(str(error), err=True)
    sys.exit(CONFIG_ERROR_EXIT)
