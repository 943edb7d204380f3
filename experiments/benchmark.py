"""Benchmark of the core simulator: the whole world, one year, about a million record changes
and a million sampled queries, under each architecture, one run per process.

    python experiments/benchmark.py [--repeat 3] [--arch centralized ...]

Prints, per architecture, the median wall and CPU time of ``run_one`` and the peak resident
memory of the process that ran it. Target on a 2-core machine: under 20 s and 1.5 GB each. On a
shared machine compare the CPU times: wall times include waiting for other processes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

ARCHITECTURES = {
    "centralized": {"kind": "centralized"},
    "federated": {"kind": "federated"},
    "federated-index": {"kind": "federated", "index": True},
    "hybrid-push": {"kind": "hybrid", "sync": "push"},
    "hybrid-batch": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7},
    "fragmented": {"kind": "fragmented", "entry_probability": {"hub": 0.9, "platform": 0.9},
                   "update_probability": {"hub": 0.8, "platform": 0.8}},
}

LINK_CLASSES = ("ncb_to_hub", "ncb_to_platform", "platform_to_hub", "hub_to_platform", "ncb_to_ncb")


def scenario_dict(architecture: dict) -> dict:
    from sim.data.world import interpol_2023_world

    hours = {"dist": "lognormal", "mean": 6, "sigma": 1.0}
    seconds = {"dist": "lognormal", "mean": 0.3, "sigma": 0.5}
    link = {"delay_hours": hours, "query_delay_seconds": seconds}
    return {
        "name": "benchmark-world",
        "seed": 11,
        "horizon_days": 365,
        "warmup_days": 30,
        "architecture": architecture,
        "world": interpol_2023_world(),
        "records": {
            "creation_per_country_per_day": 4.2,
            "lifetime_days": {"dist": "exponential", "mean": 120},
            "updates_per_record_per_day": 0.01,
            "scope": {"global": 0.8, "regional": 0.15, "national": 0.05},
        },
        "links": {name: link for name in LINK_CLASSES},
        "stores": {
            "hub": {"servers": 8, "service_seconds": {"dist": "exponential", "mean": 0.05}},
            "platform": {"servers": 1, "service_seconds": {"dist": "exponential", "mean": 0.2}},
        },
        "outages": {"hub": {"mtbf_days": 90, "mttr_hours": 6},
                    "platform": {"mtbf_days": 60, "mttr_hours": 8},
                    "ncb": {"mtbf_days": 120, "mttr_hours": 12}},
        "queries": {"per_country_per_day": 10.5},
    }


def run_child(name: str) -> None:
    from sim.config import scenario_from_dict
    from sim.runner import run_one

    scenario = scenario_from_dict(scenario_dict(ARCHITECTURES[name]))
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run_one(scenario)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb,
                      "changes": result.counts["record_changes"],
                      "queries": result.counts["queries"],
                      "completeness": result.metrics["completeness"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--arch", nargs="*", default=list(ARCHITECTURES))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    print(f"{'architecture':<16} {'median s':>9} {'min s':>7} {'max s':>7} {'cpu s':>7} "
          f"{'peak MB':>8} {'changes':>9} {'queries':>9}")
    for name in args.arch:
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, __file__, "--child", name],
                                 check=True, capture_output=True, text=True).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        walls = [r["wall"] for r in runs]
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{name:<16} {statistics.median(walls):9.2f} {min(walls):7.2f} {max(walls):7.2f} "
              f"{cpu:7.2f} {peak:8.0f} {runs[0]['changes']:9d} {runs[0]['queries']:9d}",
              flush=True)


if __name__ == "__main__":
    main()
