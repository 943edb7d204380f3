"""Benchmark of the sweep machinery: 40 runs of about 2 s on 1 and on 2 local workers.

    python experiments/sweep_benchmark.py [--runs 40] [--horizon-days 365]

Runs the demo scenario (fragmented, about 2 s a run) as one variant with 40 replications,
once with ``--workers 1`` and once with ``--workers 2``, and prints the wall time of each, the
speed-up, and the machinery's own share of the time: 1 - (sum of the runs' own wall times) /
(workers x sweep wall time), which counts process start-up, pickling, file writing, the final
tables and any idle worker at the end. Targets on a 2-core machine: speed-up >= 1.7, overhead
under 5 %.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.sweeps import run_sweep

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "demo-default.yaml"


def experiment(runs: int, horizon_days: float) -> dict:
    return {
        "name": "sweep-benchmark",
        "scenario": str(SCENARIO),
        "replications": runs,
        "seed": 1,
        "variants": {"fragmented": {"horizon_days": horizon_days}},
    }


def measure(runs: int, horizon_days: float, workers: int) -> tuple[float, float]:
    """(sweep wall seconds, sum of the runs' own wall seconds)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = run_sweep(experiment(runs, horizon_days), out, workers=workers)
        elapsed = time.perf_counter() - started
    assert outcome.manifest["counts"]["failed"] == 0
    return elapsed, float(outcome.runs["wall_seconds"].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--horizon-days", type=float, default=365)
    args = parser.parse_args()
    results = {}
    for workers in (1, 2):
        elapsed, busy = measure(args.runs, args.horizon_days, workers)
        overhead = 1 - busy / (workers * elapsed)
        results[workers] = elapsed
        print(
            f"workers {workers}: {elapsed:6.1f} s wall, {busy / args.runs:.2f} s per run,"
            f" machinery and idle share {overhead:.1%}"
        )
    print(f"speed-up 2 vs 1 workers: {results[1] / results[2]:.2f}x")


if __name__ == "__main__":
    main()
