"""How long a sweep will take: a short calibration run of the experiment's own scenario."""

from __future__ import annotations

import math
import time

from sim.config import scenario_from_dict
from sim.sweeps.plan import RunSpec
from sim.sweeps.worker import run_record

CALIBRATION_SHARES = (0.05, 0.1)


def calibrate(spec: RunSpec) -> float:
    """Estimated seconds of one full run, extrapolated linearly in the horizon from runs of
    5 % and 10 % of it (after one untimed run that pays for imports and caches)."""
    times = [timed_share(spec, share) for share in (CALIBRATION_SHARES[0], *CALIBRATION_SHARES)]
    (a, b), (t_a, t_b) = CALIBRATION_SHARES, times[1:]
    slope = max(0.0, (t_b - t_a) / (b - a))
    return t_b + slope * (1 - b)


def timed_share(spec: RunSpec, share: float) -> float:
    full = scenario_from_dict(spec.scenario)
    raw = dict(spec.scenario)
    raw |= {"horizon_days": full.horizon_days * share, "warmup_days": full.warmup_days * share}
    started = time.perf_counter()
    run_record(RunSpec(**{**spec.__dict__, "scenario": raw}))
    return time.perf_counter() - started


def estimate_seconds(per_run: float, n_runs: int, workers: int) -> float:
    return per_run * math.ceil(n_runs / max(1, workers))
