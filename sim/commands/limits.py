"""``--max-memory`` and ``--yes``: the size limit that ``run``, ``demo`` and ``sweep`` share.

A run's size is estimated from its scenario (:mod:`sim.sizing`) before anything is drawn; one
above the limit is refused with the estimate, exit status 2, nothing written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sim.sizing import default_max_memory, memory_text, parse_memory

F = TypeVar("F", bound=Callable[..., Any])


class MemorySize(click.ParamType):
    """``4GB``, ``512MB``, ``1.5G``: bytes, in binary units."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_memory(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a size such as 4GB or 512MB", param, ctx)


class Seconds(click.ParamType):
    """A time limit in seconds: a finite number above 0 and at most ``high`` (``nan`` compares
    false with every bound, so a range check alone lets it through to fail every run)."""

    name = "seconds"

    def __init__(self, high: float = 1e9) -> None:
        self.high = high

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not (math.isfinite(seconds) and 0 < seconds <= self.high):
            message = f"{value!r} is not a number of seconds above 0, at most {self.high:,.0f}"
            self.fail(message, param, ctx)
        return seconds


def size_limit_options(command: F) -> F:
    """Add ``--max-memory`` and ``--yes`` to a command that runs scenarios."""
    command = click.option(
        "--yes",
        "accept_any_size",
        is_flag=True,
        help="Run even if the estimated size is above the limits.",
    )(command)
    return click.option(
        "--max-memory",
        type=MemorySize(),
        help="Refuse a run whose estimated peak memory is above this, e.g. 16GB (default: 80 %"
        f" of this machine's memory, {memory_text(default_max_memory())}, shared by the runs"
        " going on at once).",
    )(command)


def size_limit(
    max_memory: int | None, accept_any_size: bool, concurrent_runs: int = 1
) -> float | None:
    """The memory limit of one run in bytes, or None when ``--yes`` accepts any size."""
    if accept_any_size:
        return None
    return float(max_memory if max_memory is not None else default_max_memory(concurrent_runs))
