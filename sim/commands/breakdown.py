"""``pdsa compare --by region|kind`` and ``--days FROM:TO``: the comparison of ``pdsa compare``
for each region's queriers (or each record kind), over the whole measured window
(``by_region.parquet``, ``by_kind.parquet``) or exactly over a window of days
(``daily.parquet``)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.commands import echo, fail
from sim.commands.formatting import emit
from sim.config import ConfigError

WORLD_PART = "all"
"""The region a window of the whole world is filed under (``--days`` without ``--by``)."""

NOT_WINDOWED = (
    "lag and search-time percentiles are left out of a window: they are not sums of days"
    " (pdsa compare without --days gives the whole run's)"
)


@dataclass(frozen=True)
class Window:
    """Days ``first <= day < end``, as ``--days FROM:TO`` gave them (either end open)."""

    first: int | None
    end: int | None

    def __str__(self) -> str:
        return f"{'' if self.first is None else self.first}:{'' if self.end is None else self.end}"


def parse_days(out_dir: Path, text: str) -> Window:
    """``400:730``, ``400:``, ``:730`` as a :class:`Window`; anything else ends the command
    with one line naming ``--days`` and the value."""
    first, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        window = Window(int(first) if first.strip() else None, int(end) if end.strip() else None)
    except ValueError:
        message = f"{text!r} is not FROM:TO in whole days (400:730, 400: or :730)"
        fail(ConfigError(str(out_dir), "--days", message))
    return window


def part_table(out_dir: Path, by: str | None, window: Window | None) -> pd.DataFrame:
    """One row per run and region (or kind, or the world for a window without ``--by``):
    its metrics over the whole window, or exactly over ``window``."""
    from sim.analysis import WindowError, checked_window, window_breakdown

    if window is None:
        return stored_table(out_dir, f"by_{by}")
    daily = stored_table(out_dir, "daily")
    try:
        first, end = checked_window(daily, window.first, window.end)
    except WindowError as error:
        fail(ConfigError(str(out_dir), f"--days {window}", str(error)))
    return window_breakdown(daily, by, first, end)


def stored_table(out_dir: Path, name: str) -> pd.DataFrame:
    """``name.parquet`` of the sweep; missing or unreadable ends the command with one line."""
    from sim.sweeps.store import ResultsDirError, read_table

    try:
        table = read_table(out_dir, name)
    except ResultsDirError as error:
        fail(error)
    if table is None or table.empty:
        message = f"no {name}.parquet: a sweep from before it existed; `pdsa rerun` it"
        fail(ConfigError(str(out_dir), "", message))
    return table


def chosen_metrics(
    out_dir: Path, table: pd.DataFrame, asked: Sequence[str], every: bool, windowed: bool
) -> list[str]:
    """The metrics asked for, each one the table has (a percentile asked for in a window
    ends the command saying why it has none); by default the shortlist it has values for."""
    from sim.analysis import default_metrics
    from sim.catalogue import CATALOGUE, SHORTLIST_METRICS
    from sim.config.errors import unknown_key_message

    known = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
    for metric in asked:
        if metric in known:
            continue
        if windowed and metric in CATALOGUE:
            message = f"{metric} has no value over a window of days: {NOT_WINDOWED}"
        else:
            message = unknown_key_message(metric, known).replace("key", "metric")
        fail(ConfigError(str(out_dir), "--metric", message))
    if asked:
        return list(asked)
    present = default_metrics(table)
    return present if every else [m for m in SHORTLIST_METRICS if m in present] or present


def pooled(table: pd.DataFrame, runs: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """Over sampled worlds, the grid point's worlds pooled as ``pdsa compare`` pools them."""
    if not manifest.get("uncertainties"):
        return table
    from sim.robustness import WORLD, pooled_over_worlds

    worlds = runs[["run_id", WORLD]].drop_duplicates("run_id")
    return pooled_over_worlds(table.merge(worlds, on="run_id"), manifest)


def compare_parts(
    out_dir: Path,
    runs: pd.DataFrame,
    manifest: dict[str, Any],
    baseline: str,
    metrics: Sequence[str],
    every: bool,
    fmt: str,
    by: str | None,
    window: Window | None,
    ties: dict[str, Any] | None = None,
) -> None:
    """Print the comparison by region (or kind, or the world over a window) in ``fmt``."""
    from sim.analysis import breakdown_comparison

    part = by or "region"
    table = pooled(part_table(out_dir, by, window), runs, manifest)
    names = chosen_metrics(out_dir, table, metrics, every, window is not None)
    result = breakdown_comparison(table, part, baseline, names, ties)
    head = ""
    if window is not None:
        first, end = window_days(out_dir, window)
        result = result.assign(days_from=first, days_to=end)
        head = window_line(first, end)
    if fmt in ("table", "markdown"):
        from sim.commands.compare import point_names, with_caveat

        text = parts_text(result, part, baseline, point_names(runs, manifest), fmt == "markdown")
        echo(with_caveat(head + text, manifest, fmt == "markdown"))
    else:
        emit(result, fmt)


def window_days(out_dir: Path, window: Window) -> tuple[int, int]:
    """The window's first day and the day after its last, open ends filled in."""
    from sim.analysis import checked_window

    return checked_window(stored_table(out_dir, "daily"), window.first, window.end)


def window_line(first: int, end: int) -> str:
    """The window's days in words, and what a window leaves out."""
    from sim.commands.compare import WIDTH

    line = (
        f"Days {first} to {end - 1} (--days {first}:{end}), exact from the daily parts;"
        f" {NOT_WINDOWED}."
    )
    return textwrap.fill(line, WIDTH) + "\n\n"


def part_title(part: str, by: str, point: str) -> str:
    """``Region africa, the scenario as given``; the world for a window without ``--by``."""
    if part == WORLD_PART:
        return f"The world, {point}"
    return f"{by.capitalize()} {part}, {point}"


def parts_text(
    result: pd.DataFrame, by: str, baseline: str, points: dict[str, str], markdown: bool
) -> str:
    """One block per region (or kind) and point, as ``pdsa compare`` prints a point."""
    from sim.commands.compare import WIDTH, point_block

    blocks = []
    for (part, point), rows in result.groupby([by, "point_id"], sort=False):
        title = part_title(str(part), by, points.get(str(point), f"point {point}"))
        blocks.append(point_block(title, rows, baseline, False, markdown))
    note = (
        "* paired difference significant at 95 % (paired on point and replication: common"
        " random numbers); pp: percentage points; equivalent: means within the metric's"
        " materiality threshold (--tie)"
    )
    if not markdown:
        note = textwrap.fill(note, WIDTH, subsequent_indent="  ")
    return "\n\n".join(blocks) + "\n\n" + note
