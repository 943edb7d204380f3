"""A side-by-side run in a background thread: the chosen architectures one after the other on
the same seed, with the day reached, so that a page can show progress and each result as it
comes while its server keeps answering.

The page polls :meth:`BackgroundRun.snapshot`; nothing here knows about the page.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from sim.catalogue import HEADLINE_METRICS, metric_spec, shown_unit
from sim.commands.formatting import headline_cell
from sim.explore.controls import Variant
from sim.results import RunResult, json_safe


class Stopped(Exception):
    """Raised inside the simulation's day loop when the user stopped the run."""


@dataclass(frozen=True)
class Snapshot:
    """What the page shows at one moment of a run.

    Attributes:
        running: the thread is still working.
        current: the architecture being simulated (None between and after).
        day, days: the current architecture's simulated days done and to do.
        done: the finished architectures' results, in the order they were chosen.
        error: one line when the run failed or was stopped.
    """

    running: bool
    current: str | None
    day: int
    days: int
    done: dict[str, RunResult]
    total: int
    error: str | None = None

    @property
    def fraction(self) -> float:
        """Share of the whole run done: finished architectures plus the current one's days."""
        current = self.day / self.days if self.days and self.current else 0.0
        return (len(self.done) + current) / self.total if self.total else 1.0

    @property
    def status(self) -> str:
        """One line for the page."""
        if self.error:
            return self.error
        if self.running and self.current and self.day < self.days:
            return (
                f"running {self.current} ({len(self.done) + 1} of {self.total}):"
                f" day {self.day} of {self.days}"
            )
        if self.running and self.current:
            return f"measuring {self.current} ({len(self.done) + 1} of {self.total})"
        if self.running:
            return "starting"
        return f"finished: {len(self.done)} of {self.total} architectures"


@dataclass
class BackgroundRun:
    """The variants run one after another on one thread (the machine's other cores stay free
    for the server and for other users)."""

    variants: Sequence[Variant]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _current: str | None = None
    _day: int = 0
    _days: int = 0
    _done: dict[str, RunResult] = field(default_factory=dict)
    _error: str | None = None

    def start(self) -> BackgroundRun:
        self._thread = threading.Thread(target=self._work, name="pdsa-explore-run", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to stop after the current day; finished architectures are kept."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                running=self._thread is not None and self._thread.is_alive(),
                current=self._current,
                day=self._day,
                days=self._days,
                done=dict(self._done),
                total=len(self.variants),
                error=self._error,
            )

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        """The run's progress (``sim.runner.OnProgress``): days while simulating; a stop asked
        for from the page ends the run at its next report."""
        if phase == "simulating":
            with self._lock:
                self._day, self._days = done, total
        if self._stop.is_set():
            raise Stopped

    def _work(self) -> None:
        from sim.runner import run_one

        try:
            for variant in self.variants:
                with self._lock:
                    self._current, self._day = variant.label, 0
                result = run_one(variant.scenario, on_progress=self._on_progress)
                with self._lock:
                    self._done[variant.label] = result
                    self._current = None
        except Stopped:
            with self._lock:
                self._error = f"stopped by the user after {len(self._done)} architectures"
        except Exception as error:  # a failed run is shown in the page; the server carries on
            traceback.print_exc()
            with self._lock:
                self._error = f"the run failed: {type(error).__name__}: {error}"
        finally:
            with self._lock:
                self._current = None


def headline_frame(done: dict[str, RunResult]) -> pd.DataFrame:
    """The headline metrics, one row per architecture (the numbers, unformatted)."""
    rows = {label: [r.metrics.get(m) for m in HEADLINE_METRICS] for label, r in done.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(HEADLINE_METRICS))
    frame.index.name = "architecture"
    return frame.astype(float)


def summary_json(result: RunResult) -> str:
    """The ``summary.json`` that ``pdsa run --out`` writes for the same run."""
    return json.dumps(json_safe(result.summary()), indent=2, allow_nan=False) + "\n"


def headline_table(done: dict[str, RunResult]) -> pd.DataFrame:
    """The headline metrics as ``pdsa demo`` prints them: one row per metric under the
    catalogue's label, its unit, one column per architecture, values by the one formatter
    (shares in percent, ``never``, ``n/a``)."""
    rows = [
        [metric_spec(m).label, shown_unit(m), *(headline_cell(r.metrics, m) for r in done.values())]
        for m in HEADLINE_METRICS
    ]
    return pd.DataFrame(rows, columns=["metric", "unit", *done])


def headline_notes(done: dict[str, RunResult]) -> str:
    """The notes ``pdsa demo`` prints under its table (what never, n/a and 0 mean; a share
    that drifts over the window), one line each."""
    from sim.commands.formatting import metrics_table

    frames = [r.timeseries.assign(variant=label) for label, r in done.items()]
    series = pd.concat(frames, ignore_index=True) if frames else None
    table = metrics_table(done, series)
    return "\n".join(table.splitlines()[2 + len(HEADLINE_METRICS) :])


def ncb_day(done: Mapping[str, RunResult], regions: Mapping[str, str], day: int) -> pd.DataFrame:
    """The NCBs on one simulated day, by region, under each architecture: whether their
    national node was down at any time that day (``down``, from the run's outage periods), and
    their region's trust in its channels and staff backlog that day (with behaviour on; NaN
    otherwise). One row per (region, NCB, architecture)."""
    rows = []
    for label, result in done.items():
        ts = result.timeseries
        today = ts[ts["day"] == day].set_index("region") if "day" in ts.columns else ts
        windows = result.outages
        for code, region in sorted(regions.items(), key=lambda item: (item[1], item[0])):
            mine = windows[windows["store"] == f"ncb.{code}"]
            down = bool(((mine["start_day"] < day + 1) & (mine["end_day"] > day)).any())
            rows.append(
                {
                    "region": region,
                    "ncb": code,
                    "architecture": label,
                    "down": down,
                    "trust": regional(today, region, "trust"),
                    "backlog_delay_days": regional(today, region, "backlog_delay_days"),
                }
            )
    return pd.DataFrame(rows)


def regional(today: pd.DataFrame, region: str, column: str) -> float:
    if column not in today.columns or region not in today.index:
        return float("nan")
    return float(today.at[region, column])
