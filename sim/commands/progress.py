"""Progress on stderr while runs go: on a terminal a bar (tqdm) with elapsed time and ETA, redrawn
in place; otherwise (a log file, a pipe, CI) a few plain lines, at most one every few seconds
but always one as a phase or a run ends. ``--quiet`` passes none of these.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

from tqdm import tqdm

from sim.commands import echo
from sim.commands.formatting import duration
from sim.textsafe import one_line

PLAIN_EVERY_SECONDS = 5.0
"""A plain line at most this often while a phase goes on (its end is always reported)."""

BAR_FORMAT = "{desc} {bar} {n_fmt}/{total_fmt} [elapsed {elapsed}, ETA {remaining}]"

TICK_SECONDS = 0.5
"""How often a phase without steps (drawing, metrics) redraws its elapsed time."""


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = sys.stderr if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


class RunProgress:
    """Follows one run's phases (``run_one``'s ``on_progress``): drawing, simulating day by day,
    metrics."""

    def __init__(self, label: str, tty: bool, position: int = 0) -> None:
        self.label = one_line(label)  # the bar's description goes to the terminal as it is
        self.tty = tty
        self.position = position
        self.bar: Any = None
        self.ticking: threading.Event | None = None
        self.phase_started = time.monotonic()
        self.last_line = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if done == 0:
            self.phase_started = time.monotonic()
            self.last_line = self.phase_started
            if self.tty:
                self.bar = tqdm(
                    total=total if phase == "simulating" else None,
                    desc=f"{self.label}: {phase}",
                    unit="day" if phase == "simulating" else "it",
                    bar_format=BAR_FORMAT
                    if phase == "simulating"
                    else "{desc} [elapsed {elapsed}]",
                    position=self.position,
                    leave=False,
                    file=sys.stderr,
                )
                if phase != "simulating":
                    self.ticking = ticking(self.bar)
            return
        if self.tty:
            if self.bar is not None:
                self.bar.update(done - self.bar.n)
                if done == total:
                    if self.ticking is not None:
                        self.ticking.set()
                        self.ticking = None
                    self.bar.close()
                    self.bar = None
            return
        now = time.monotonic()
        if done == total or now - self.last_line >= PLAIN_EVERY_SECONDS:
            self.last_line = now
            echo(plain_line(self.label, phase, done, total, now - self.phase_started), err=True)


def ticking(bar: Any) -> threading.Event:
    """Redraw ``bar`` (its elapsed time) every ``TICK_SECONDS`` until the event returned is set."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_SECONDS):
            bar.refresh()

    threading.Thread(target=tick, daemon=True).start()
    return stop


def plain_line(label: str, phase: str, done: int, total: int, elapsed: float) -> str:
    """One line of progress: a phase ended, or how far the days have gone and what remains."""
    if done == total:
        return f"{label}: {phase} done in {duration(elapsed)}"
    remaining = elapsed * (total - done) / done if done else None
    return (
        f"{label}: {phase} day {done}/{total}"
        f"  elapsed {duration(elapsed)}  ETA {duration(remaining)}"
    )


class RunsProgress:
    """Several runs one after another (``pdsa demo``): a bar over the runs, elapsed and ETA from
    the runs done, above each run's own phases."""

    def __init__(self, labels: list[str], tty: bool) -> None:
        self.labels = labels
        self.tty = tty
        self.started = time.monotonic()
        self.done = 0
        self.bar: Any = (
            tqdm(total=len(labels), desc="runs", bar_format=BAR_FORMAT, position=0, file=sys.stderr)
            if tty
            else None
        )

    def run(self, label: str) -> RunProgress:
        """The progress of the next run, ``label``."""
        if not self.tty:
            echo(f"running {label} ({self.done + 1}/{len(self.labels)}) ...", err=True)
        return RunProgress(label, self.tty, position=1)

    def finished(self) -> None:
        """One more run is done."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if self.done == len(self.labels):
                self.bar.close()
            return
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.done * (len(self.labels) - self.done)
        echo(
            f"{self.done}/{len(self.labels)} runs  elapsed {duration(elapsed)}"
            f"  ETA {duration(remaining)}",
            err=True,
        )


class SweepProgress:
    """A sweep's runs (``run_sweep``'s ``on_progress``): done of total, failed, elapsed and ETA
    from the runs done in this session (a resumed sweep's earlier runs do not count)."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.bar: Any = None
        self.last_line = 0.0

    def __call__(self, progress: Any) -> None:
        finished = progress.done == progress.total
        if self.tty:
            if self.bar is None:
                self.bar = tqdm(
                    total=progress.total,
                    initial=progress.skipped,
                    desc="runs",
                    bar_format=BAR_FORMAT.replace("]", "{postfix}]"),
                    file=sys.stderr,
                )
            self.bar.set_postfix_str(f"{progress.failed} failed", refresh=False)
            self.bar.update(progress.done - self.bar.n)
            if finished:
                self.bar.close()
            return
        now = time.monotonic()
        if finished or now - self.last_line >= PLAIN_EVERY_SECONDS:
            self.last_line = now
            echo(
                f"{progress.done}/{progress.total} runs  {progress.failed} failed"
                f"  elapsed {duration(progress.elapsed)}  ETA {duration(progress.eta)}",
                err=True,
            )


class StepsProgress:
    """A command's steps, each counted (``pdsa report``: reading the results, then the charts
    one by one): on a terminal a bar over the charts with elapsed time and ETA; otherwise a
    plain line as the first step starts, then at most one every few seconds, and as the last
    ends."""

    def __init__(self, label: str, tty: bool) -> None:
        self.label = label
        self.tty = tty
        self.bar: Any = None
        self.started = time.monotonic()
        self.last_line = 0.0

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.tty:
            self.draw(what, done, total)
            return
        now = time.monotonic()
        if done in (0, total) or now - self.last_line >= PLAIN_EVERY_SECONDS:
            self.last_line = now
            state = "done" if done == total else f"{done + 1}/{total}"
            echo(f"{self.label}: {what} {state}  elapsed {duration(now - self.started)}", err=True)

    def draw(self, what: str, done: int, total: int) -> None:
        if self.bar is None or self.bar.total != total:
            if self.bar is not None:
                self.bar.close()
            self.bar = tqdm(
                total=total, desc=self.label, bar_format=BAR_FORMAT, leave=False, file=sys.stderr
            )
        self.bar.set_description_str(f"{self.label}: {what}", refresh=False)
        self.bar.update(done - self.bar.n)
        if done == total:
            self.bar.close()
            self.bar = None
