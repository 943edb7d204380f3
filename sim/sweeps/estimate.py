"""How long a sweep will take: short calibration runs of the experiment's own scenario, one per
variant (architectures differ several-fold in cost, so one variant's time says little of
another's).

A run's time is taken as linear in its horizon, ``t(share) = fixed + share * per_horizon``: the
fixed part (the world, the records already active on day 0) does not shrink with a shorter run,
the rest does. Two short runs of each variant give both terms (the fixed part differs too: one
variant's, taken for all, put a world-2023 dry run's estimates 4-5 times too low). Each worker
also pays once for its start (imports, loading the compiled kernels): the first run measures
it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.config import scenario_from_dict
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
    runs: dict[str, int]
    startup: float = 0.0

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
        runs = max(rounds * self.cpu_seconds / n_runs, max(self.per_run.values()))
        return self.startup + runs


def estimate(plan: list[RunSpec], timer: Timer | None = None) -> Estimate:
    """The estimate for ``plan`` (runs already done or copies of another left out by the
    caller), from each variant's first run timed at the calibration shares."""
    timer = timer or timed_share
    firsts: dict[str, RunSpec] = {}
    runs: dict[str, int] = {}
    for spec in plan:
        firsts.setdefault(spec.variant, spec)
        runs[spec.variant] = runs.get(spec.variant, 0) + 1
    if not plan:
        return Estimate({}, {})
    (a, b), specs = CALIBRATION_SHARES, list(firsts.values())
    per_run, startup = {}, 0.0
    for spec in specs:
        started = time.perf_counter()
        timer(spec, a)  # untimed: pays for imports and loading the variant's compiled kernels
        first_call = time.perf_counter() - started
        t_a, t_b = timer(spec, a), timer(spec, b)
        if spec is specs[0]:
            startup = max(0.0, first_call - t_a)  # the same run again, without the start
        per_run[spec.variant] = full_run_seconds(t_a, t_b)
    return Estimate(per_run, runs, startup)


def full_run_seconds(t_a: float, t_b: float) -> float:
    """A full run's seconds, extrapolated linearly from runs of the two calibration shares
    (a noisy pair whose longer run was faster: no growth, never a negative one)."""
    (a, b) = CALIBRATION_SHARES
    slope = max(0.0, (t_b - t_a) / (b - a))
    return t_b + slope * (1 - b)


def timed_share(spec: RunSpec, share: float) -> float:
    """Seconds of one run of ``spec`` at ``share`` of its horizon and warm-up."""
    full = scenario_from_dict(spec.scenario)
    raw = dict(spec.scenario)
    raw |= {"horizon_days": full.horizon_days * share, "warmup_days": full.warmup_days * share}
    started = time.perf_counter()
    run_record(RunSpec(**{**spec.__dict__, "scenario": raw}))
    return time.perf_counter() - started
