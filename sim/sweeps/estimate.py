"""How long a sweep will take: short calibration runs of the experiment's own scenario, one per
variant (architectures differ several-fold in cost, so one variant's time says little of
another's).

A run's time is taken as linear in its horizon, ``t(share) = fixed + share * per_horizon``: the
fixed part (the world, the records already active on day 0) does not shrink with a shorter run,
the rest does. Two short runs of each variant give both terms (the fixed part differs too: one
variant's, taken for all, put a world-2023 dry run's estimates 4-5 times too low). Each worker
also pays once for its start (imports, loading the compiled kernels): the first run measures
it.

Every other run of a variant is then sized from its own scenario: its work (the events
:mod:`sim.sizing` counts) as a share of the calibrated run's. A world or grid point that
lengthens the horizon or raises the volumes costs what it does (before, every run was taken
to cost the first one's: 0:27 estimated, 1:07 taken).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.config import scenario_from_dict
from sim.sizing import size_of
from sim.sweeps.plan import RunSpec
from sim.sweeps.worker import run_record

CALIBRATION_SHARES = (0.05, 0.15)
"""The shares of the horizon (and warm-up) each variant's calibration runs simulate: far enough
apart that the slope is not lost in the noise of a busy machine, short enough that calibrating
costs a quarter of one run per variant (with an untimed first run of each)."""

Timer = Callable[[RunSpec, float], float]
"""Seconds a run of ``spec`` takes at a share of its horizon."""


@dataclass(frozen=True)
class Estimate:
    """Calibrated seconds per run of each variant, the runs of each the sweep will do, and a
    worker's start-up."""

    per_run: dict[str, float]
    """Mean seconds of a run of each variant."""
    runs: dict[str, int]
    startup: float = 0.0
    longest: float = 0.0
    """Seconds of the longest single run."""

    @property
    def cpu_seconds(self) -> float:
        return sum(self.per_run[v] * n for v, n in self.runs.items())

    def wall_seconds(self, workers: int) -> float:
        """On ``workers`` processes: their start-up, then rounds of runs of the mean length
        (the last round may not fill every worker), never less than the longest run."""
        n_runs = sum(self.runs.values())
        if n_runs == 0:
            return 0.0
        rounds = math.ceil(n_runs / max(1, workers))
        longest = max(self.longest, max(self.per_run.values()))
        runs = max(rounds * self.cpu_seconds / n_runs, longest)
        return self.startup + runs


def estimate(plan: list[RunSpec], timer: Timer | None = None, work: Work | None = None) -> Estimate:
    """The estimate for ``plan`` (runs already done or copies of another left out by the
    caller), from each variant's first run timed at the calibration shares and every run's
    ``work`` relative to that first run's."""
    timer, work = timer or timed_share, work or cached_work()
    firsts: dict[str, RunSpec] = {}
    for spec in plan:
        firsts.setdefault(spec.variant, spec)
    if not plan:
        return Estimate({}, {})
    (a, b), specs = CALIBRATION_SHARES, list(firsts.values())
    lines, startup = {}, 0.0
    for spec in specs:
        started = time.perf_counter()
        timer(spec, a)  # untimed: pays for imports and loading the variant's compiled kernels
        first_call = time.perf_counter() - started
        t_a, t_b = timer(spec, a), timer(spec, b)
        if spec is specs[0]:
            startup = max(0.0, first_call - t_a)  # the same run again, without the start
        lines[spec.variant] = (t_b, max(0.0, (t_b - t_a) / (b - a)), work(spec))
    seconds = [run_seconds(lines[spec.variant], work(spec)) for spec in plan]
    totals: dict[str, float] = {}
    runs: dict[str, int] = {}
    for spec, t in zip(plan, seconds, strict=True):
        totals[spec.variant] = totals.get(spec.variant, 0.0) + t
        runs[spec.variant] = runs.get(spec.variant, 0) + 1
    per_run = {v: totals[v] / runs[v] for v in runs}
    return Estimate(per_run, runs, startup, max(seconds))


Work = Callable[[RunSpec], float]
"""A run's amount of work, in any unit: only ratios between runs of a variant are used."""


def run_seconds(line: tuple[float, float, float], work: float) -> float:
    """A run's seconds on its variant's calibrated line (the time at share b of the
    calibrated run, the slope per whole run, the calibrated run's work), at ``work``."""
    t_b, slope, calibrated = line
    share = work / calibrated if calibrated > 0 else 1.0
    return max(0.0, t_b + slope * (share - CALIBRATION_SHARES[1]))


def cached_work() -> Work:
    """The events :func:`sim.sizing.size_of` counts in a run's scenario, computed once per
    scenario (the replications of a point share theirs)."""
    known: dict[str, float] = {}

    def work(spec: RunSpec) -> float:
        if spec.scenario_sha256 not in known:
            known[spec.scenario_sha256] = size_of(scenario_from_dict(spec.scenario)).events
        return known[spec.scenario_sha256]

    return work


def timed_share(spec: RunSpec, share: float) -> float:
    """Seconds of one run of ``spec`` at ``share`` of its horizon and warm-up."""
    full = scenario_from_dict(spec.scenario)
    raw = dict(spec.scenario)
    raw |= {"horizon_days": full.horizon_days * share, "warmup_days": full.warmup_days * share}
    started = time.perf_counter()
    run_record(RunSpec(**{**spec.__dict__, "scenario": raw}))
    return time.perf_counter() - started
