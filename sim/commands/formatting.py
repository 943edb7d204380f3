"""How the commands print: numbers, aligned tables, Markdown, durations. Pure functions of
what they are given; the commands echo what these return."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from sim.catalogue import (
    HEADLINE_METRICS,
    NEVER_QUANTILES,
    difference_text,
    drift_sentence,
    metric_spec,
    number_text,
    value_text,
)
from sim.commands import echo
from sim.reporting.tables import markdown_table
from sim.textsafe import csv_bytes


class Measured(Protocol):
    """A run's metrics by name (a RunResult, or a sweep run's row)."""

    @property
    def metrics(self) -> Mapping[str, Any]: ...


FORMATS = ("table", "csv", "json", "markdown")


def format_value(value: Any) -> str:
    """A raw number for a table without a metric (a count of runs, a seed): ``n/a`` for
    missing, thousands separated; a metric's value is shown by :func:`shown_value`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return number_text(value)


def metric_heading(metric: str) -> str:
    """``Completeness (%)``: the catalogue's label and unit, as the report shows them."""
    return metric_spec(metric).axis_label


def shown_value(metric: str) -> Callable[[Any], str]:
    """Formatter of ``metric``'s values in display units (the catalogue's one rule)."""
    return lambda value: value_text(metric, value)


def shown_diff(metric: str) -> Callable[[Any], str]:
    """Formatter of paired differences of ``metric``: signed, shares in percentage points
    (the caller names the unit once, after the interval)."""
    return lambda value: difference_text(metric, value)


def display_number(value: float, share: bool) -> str:
    """A value in display units, by the catalogue's one rule."""
    return number_text(value, share)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned first column, right-aligned value columns."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def metrics_table(columns: Mapping[str, Measured], timeseries: pd.DataFrame | None = None) -> str:
    """Headline metrics as rows (name, unit), one column per run, shares in percent, with a
    one-line note under the table for each figure that needs one; with the runs' daily
    ``timeseries`` (a ``variant`` column naming the columns), a note for each headline share
    that drifts over the measured window."""
    from sim.reporting.definitions import info

    rows = [
        [
            name,
            "%" if info(name).share else info(name).unit,
            *(headline_cell(r.metrics, name) for r in columns.values()),
        ]
        for name in HEADLINE_METRICS
    ]
    table = format_table(["metric", "unit", *columns], rows)
    notes = table_notes(columns, [c for row in rows for c in row[2:]])
    if timeseries is not None and not timeseries.empty:
        from sim.analysis import drifts

        notes += [drift_sentence(*row) for row in drifts(timeseries).itertuples(index=False)]
    return table + "".join(f"\n{note}" for note in notes)


def headline_cell(metrics: Mapping[str, Any], name: str) -> str:
    """One metric of a run for a table, in display units: ``never`` for a lag percentile
    that falls among the records never visible (stored as null, like a ratio with nothing to
    count)."""
    value, quantile = metrics.get(name), NEVER_QUANTILES.get(name)
    never = metrics.get("never_visible_fraction")
    if value is None and quantile is not None and never is not None and never > 1 - quantile:
        return "never"
    return shown_value(name)(value)


AVAILABILITY_GAP = 0.2
"""Completeness and search availability further apart than this (as shares) get a note: they
measure different things, and a reader seeing both at once may think one is wrong."""


def table_notes(columns: Mapping[str, Measured], cells: Sequence[str]) -> list[str]:
    """The notes the table's figures need: what ``never``, ``n/a`` and ``0`` beside ``0.00``
    mean, and why completeness and availability may differ widely."""
    from sim.reporting.definitions import info

    notes = []
    if "never" in cells:
        notes.append(
            "never: the percentile falls among the records that never become visible"
            " (never_visible_fraction above 5 % for p95, 1 % for p99)."
        )
    if "n/a" in cells:
        notes.append(
            "n/a: nothing to measure (a ratio with nothing to count; servers need"
            " stores.*.service_seconds)."
        )
    if "0" in cells:
        notes.append("0 is exactly zero (a value below 1 shows two significant figures, never 0).")
    for label, result in columns.items():
        c, a = result.metrics.get("completeness"), result.metrics.get("query_availability")
        if isinstance(c, float) and isinstance(a, float) and abs(c - a) > AVAILABILITY_GAP:
            notes.append(
                f"{label}: search availability {100 * a:.1f} % beside completeness"
                f" {100 * c:.1f} %: availability is the {first_clause(info('query_availability'))};"
                f" completeness is, {first_clause(info('completeness')).lower()}."
            )
    return notes


def first_clause(meta: Any) -> str:
    """The catalogue definition's first sentence, without its full stop, lower-cased first."""
    sentence = meta.definition.split(". ")[0].rstrip(".")
    return sentence[0].lower() + sentence[1:]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def emit(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        echo(csv_bytes(frame).decode("utf-8"), nl=False)
    elif fmt == "json":
        from sim.commands.strict_json import frame_json

        echo(frame_json(frame))  # strict: null with a reason, never NaN
    elif fmt == "markdown":
        echo(markdown(frame))
    else:
        echo(frame.to_string(index=False))


def markdown(frame: pd.DataFrame) -> str:
    rows = ([format_value(v) for v in row] for row in frame.itertuples(index=False))
    return markdown_table(list(frame.columns), rows)
