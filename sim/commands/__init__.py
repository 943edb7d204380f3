"""Groups of ``pdsa`` subcommands, each registered in :mod:`sim.cli`; the one way every
command prints (:func:`echo`: names and messages from files are data, so control characters
are shown, never sent to the terminal) and the one way it stops: one line on stderr, exit
status 2 for bad input (nothing written) and 1 for a failure once work started."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from sim.textsafe import terminal

CONFIG_ERROR_EXIT = 2
RUN_FAILED_EXIT = 1


def fail(error: Exception | str, status: int = CONFIG_ERROR_EXIT) -> NoReturn:
    """Print the error's one line and exit with ``status``: 2 for bad input (the default),
    1 for a failure after work started (a full disk, a run with no result)."""
    echo(str(error), err=True)
    sys.exit(status)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` with every control character of ``message`` shown as a symbol but its
    newlines and tabs (:func:`sim.textsafe.terminal`): a name holding ``\\e]0;...`` must not
    retitle the terminal, nor ``\\e[2J`` clear it. Every command prints through this."""
    click.echo(terminal(message), err=err, nl=nl)
