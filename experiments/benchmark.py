"""Benchmark of the core simulator: the whole world, one year, about a million record changes
and a million sampled queries, under each architecture, one run per process.

    python experiments/benchmark.py [--repeat 3] [--arch centralized ...] [--scale 0.25 1 4]
    python experiments/benchmark.py --warm [--repeat 3] [--arch ...]

Prints, per architecture (and volume scale), the median wall and CPU time of ``run_one`` and
the peak resident memory of the process that ran it, and both per million record changes
(flat across scales means linear). ``--scale`` multiplies the records created and the
searches sampled per country and day. Targets (issue 11) on a 2-core machine: a world-year
under 2 s of CPU and 0.8 GB; at 4x, at most 4.2 times the 1x time and 3 GB. On a shared
machine compare the CPU times: wall times include waiting for other processes.

The code benchmarked is the checkout this file is in, whatever ``sim`` is installed; an
untimed tiny run first compiles the numba kernels into their cache.

``--warm`` times the world-year as a sweep's worker runs it: in this one process, after
``sim.runner.warm_up`` and an untimed first run of the architecture (the kernels loaded, the
world drawn), the median CPU time of ``--repeat`` runs more.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARCHITECTURES = {
    "centralized": {"kind": "centralized"},
    "federated": {"kind": "federated"},
    "federated-index": {"kind": "federated", "index": True},
    "hybrid-push": {"kind": "hybrid", "sync": "push"},
    "hybrid-batch": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7},
    "fragmented": {
        "kind": "fragmented",
        "entry_probability": {"hub": 0.9, "platform": 0.9},
        "update_probability": {"hub": 0.8, "platform": 0.8},
    },
}

WARM_UP = "warm-up:"
"""Prefix of an untimed first child per architecture: a short run that compiles the numba
kernels into their on-disk cache."""

LINK_CLASSES = ("ncb_to_hub", "ncb_to_platform", "platform_to_hub", "hub_to_platform", "ncb_to_ncb")


def scenario_dict(architecture: dict, scale: float = 1.0) -> dict:
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
            "creation_per_country_per_day": 4.2 * scale,
            "lifetime_days": {"dist": "exponential", "mean": 120},
            "updates_per_record_per_day": 0.01,
            "scope": {"global": 0.8, "regional": 0.15, "national": 0.05},
        },
        "links": {name: link for name in LINK_CLASSES},
        "stores": {
            "hub": {"servers": 8, "service_seconds": {"dist": "exponential", "mean": 0.05}},
            "platform": {"servers": 1, "service_seconds": {"dist": "exponential", "mean": 0.2}},
        },
        "outages": {
            "hub": {"mtbf_days": 90, "mttr_hours": 6},
            "platform": {"mtbf_days": 60, "mttr_hours": 8},
            "ncb": {"mtbf_days": 120, "mttr_hours": 12},
        },
        "queries": {"per_country_per_day": 10.5 * scale},
    }


def run_child(name: str, scale: float) -> None:
    from sim.config import scenario_from_dict
    from sim.runner import run_one

    warm_up = name.startswith(WARM_UP)
    raw = scenario_dict(ARCHITECTURES[name.removeprefix(WARM_UP)], scale)
    if warm_up:  # the architecture's kernels compiled, on a short run
        raw |= {"horizon_days": 40, "warmup_days": 5}
    scenario = scenario_from_dict(raw)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run_one(scenario)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "peak_mb": peak_mb,
                "changes": result.counts["record_changes"],
                "queries": result.counts["queries"],
                "completeness": result.metrics["completeness"],
            }
        )
    )


def child(name: str, scale: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--scale", str(scale)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def warm(names: list[str], repeat: int, scale: float) -> None:
    """Median CPU s of ``repeat`` runs of each architecture in this process, after a first."""
    from sim.config import scenario_from_dict
    from sim.runner import run_one, warm_up

    warm_up()
    print(f"{'architecture':<16} {'warm cpu s':>10} {'first cpu s':>11}")
    for name in names:
        scenario = scenario_from_dict(scenario_dict(ARCHITECTURES[name], scale))
        cpu = []
        for _ in range(repeat + 1):
            started = time.process_time()
            run_one(scenario)
            cpu.append(time.process_time() - started)
        print(f"{name:<16} {statistics.median(cpu[1:]):10.2f} {cpu[0]:11.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--arch", nargs="*", default=list(ARCHITECTURES))
    parser.add_argument("--scale", nargs="*", type=float, default=[1.0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help="as a sweep's worker: one process")
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.scale[0])
        return
    if args.warm:
        warm(args.arch, args.repeat, args.scale[0])
        return
    for name in args.arch:
        child(WARM_UP + name, 1.0)
    print(
        f"{'architecture':<16} {'scale':>5} {'median s':>9} {'min s':>7} {'max s':>7} "
        f"{'cpu s':>7} {'peak MB':>8} {'changes':>9} {'queries':>9} {'cpu s/M':>8} "
        f"{'MB/M':>6}"
    )
    for name in args.arch:
        for scale in args.scale:
            runs = [child(name, scale) for _ in range(args.repeat)]
            walls = [r["wall"] for r in runs]
            cpu = statistics.median(r["cpu"] for r in runs)
            peak = max(r["peak_mb"] for r in runs)
            millions = runs[0]["changes"] / 1e6
            print(
                f"{name:<16} {scale:5g} {statistics.median(walls):9.2f} {min(walls):7.2f} "
                f"{max(walls):7.2f} {cpu:7.2f} {peak:8.0f} {runs[0]['changes']:9d} "
                f"{runs[0]['queries']:9d} {cpu / millions:8.2f} {peak / millions:6.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
