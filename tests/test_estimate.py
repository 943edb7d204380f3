"""The dry run's estimate, with a timer standing in for the clock: each variant's linear cost
recovered exactly from two short runs of it, and runs shared out over workers. (How close the
estimate lands on a real machine is measured, not tested.)"""

from __future__ import annotations

import pytest

from sim.sweeps.estimate import CALIBRATION_SHARES, Estimate, estimate
from sim.sweeps.plan import RunSpec

COST = {"cheap": (2.0, 3.0), "dear": (6.0, 16.0)}
"""Per variant, a run's (fixed, per whole horizon) seconds."""


def flat(run: RunSpec) -> float:
    """Every run of a variant the same size."""
    return 1.0


def spec(variant: str, i: int) -> RunSpec:
    return RunSpec(f"{variant}-{i}", variant, 0, {}, i, i, {}, f"sha-{variant}-{i}")


class LinearTimer:
    """Seconds linear in the share of the horizon, by variant; remembers what was timed."""

    def __init__(self) -> None:
        self.timed: list[tuple[str, float]] = []

    def __call__(self, run: RunSpec, share: float) -> float:
        self.timed.append((run.run_id, share))
        fixed, per_horizon = COST[run.variant]
        return fixed + share * per_horizon


def test_each_variant_gets_its_own_full_run_time():
    """Linear costs are extrapolated exactly: fixed + whole horizon (5 s and 22 s), though the
    variants' fixed parts differ."""
    plan = [spec("cheap", i) for i in range(3)] + [spec("dear", i) for i in range(2)]
    timer = LinearTimer()
    found = estimate(plan, timer, flat)
    assert found.per_run == pytest.approx({"cheap": 5.0, "dear": 22.0})
    assert found.runs == {"cheap": 3, "dear": 2}
    assert found.cpu_seconds == pytest.approx(3 * 5 + 2 * 22)
    # per variant, its first run: a warm-up, then both shares; no other run
    a, b = CALIBRATION_SHARES
    assert timer.timed == [(v, share) for v in ("cheap-0", "dear-0") for share in (a, a, b)]


def test_a_run_never_estimated_below_its_calibration():
    """A noisy timer whose longer share ran faster: the slope is taken as zero, not negative."""
    noisy = {CALIBRATION_SHARES[0]: 5.0, CALIBRATION_SHARES[1]: 4.0}
    found = estimate([spec("cheap", 0)], lambda run, share: noisy[share], flat)
    assert found.per_run["cheap"] == pytest.approx(4.0)


def test_start_up_is_paid_once_per_worker():
    found = Estimate(per_run={"cheap": 4.0}, runs={"cheap": 4}, startup=3.0)
    assert found.wall_seconds(2) == pytest.approx(3.0 + 2 * 4.0)


@pytest.mark.parametrize(
    ("workers", "expected"),
    [
        (1, 56.0),  # one after another
        (2, 5 * 5.6),  # five rounds of two runs of the mean length, 5.6 s
        (3, 4 * 5.6),  # ten runs in four rounds, the last one not full
        (20, 12.0),  # more workers than runs: the longest run
    ],
)
def test_wall_time_shares_runs_over_workers(workers, expected):
    found = Estimate(per_run={"cheap": 4.0, "dear": 12.0}, runs={"cheap": 8, "dear": 2})
    assert found.cpu_seconds == pytest.approx(56.0)
    assert found.wall_seconds(workers) == pytest.approx(expected)


def test_nothing_to_run_takes_no_time():
    assert estimate([], LinearTimer(), flat).wall_seconds(2) == 0.0
