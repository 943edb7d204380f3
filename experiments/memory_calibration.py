"""Calibration of the memory estimate (sim.sizing.BYTES) against peak memory of real runs.

    python experiments/memory_calibration.py [--case NAME ...] [--fit]

Runs each case in a fresh process (the run, its sweep record serialised, its CSV outputs
written, as a sweep worker and ``pdsa run`` do), prints the counts ``sim.sizing`` sees, the
measured peak resident memory and the estimate. ``--fit`` also prints the non-negative least
squares coefficients per counted item, which ``BYTES`` rounds up.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sim, not another

TWO = [{"code": "AAA", "region": "europe"}, {"code": "BBB", "region": "europe"}]


def countries(n: int, platforms: int = 0) -> list[dict]:
    return [
        {"code": f"C{i:03d}", "region": f"r{i % 5}",
         "platforms": [f"P{i % platforms}"] if platforms else []}
        for i in range(n)
    ]  # fmt: skip


def base(**changes) -> dict:
    scenario = {
        "name": "calibration",
        "horizon_days": 365,
        "warmup_days": 30,
        "architecture": {"kind": "centralized"},
        "world": {"countries": TWO},
        "records": {"creation_per_country_per_day": 10,
                    "lifetime_days": {"dist": "exponential", "mean": 30}},
        "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 6}}},
        "queries": {"per_country_per_day": 10},
    }  # fmt: skip
    scenario.update(changes)
    return scenario


def world_file(name: str) -> dict:
    from sim.config.loading import load_yaml_mapping

    root = Path(__file__).resolve().parents[1]
    return load_yaml_mapping(root / "scenarios" / f"{name}.yaml")


CASES = {
    "tiny": lambda: base(horizon_days=30, warmup_days=0),
    "records-2m": lambda: base(
        records={
            "creation_per_country_per_day": 3000,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        }
    ),
    "updates": lambda: base(
        records={
            "creation_per_country_per_day": 1500,
            "updates_per_record_per_day": 0.1,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        }
    ),
    "hybrid-5-platforms": lambda: base(
        architecture={"kind": "hybrid", "sync": "push"},
        world={"platforms": [{"name": f"P{i}"} for i in range(5)], "countries": countries(20, 5)},
        records={
            "creation_per_country_per_day": 150,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        },
    ),
    "fragmented-5-platforms": lambda: base(
        architecture={"kind": "fragmented"},
        world={"platforms": [{"name": f"P{i}"} for i in range(5)], "countries": countries(20, 5)},
        records={
            "creation_per_country_per_day": 300,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        },
    ),
    "queries-4m": lambda: base(queries={"per_country_per_day": 6000}),
    "federated-queries": lambda: base(
        architecture={"kind": "federated"},
        world={"countries": countries(100)},
        queries={"per_country_per_day": 60},
    ),
    "ncb-outages": lambda: base(
        world={"countries": countries(60)}, outages={"ncb": {"mtbf_days": 2, "mttr_hours": 0.1}}
    ),
    "ncb-outages-30": lambda: base(
        world={"countries": countries(30)}, outages={"ncb": {"mtbf_days": 1, "mttr_hours": 0.1}}
    ),
    "hub-outages": lambda: base(
        world={"countries": countries(20)}, outages={"hub": {"mtbf_days": 0.1, "mttr_hours": 0.1}}
    ),
    "kinds-denials": lambda: base(
        world={"countries": countries(40)},
        records={
            "creation_per_country_per_day": 40,
            "lifetime_days": {"dist": "exponential", "mean": 30},
            "kinds": {k: {"share": 0.25} for k in "abcd"},
            "denials": [
                {"countries": ["C001"], "share": 0.1},
                {"countries": ["C002"], "share": 0.1},
            ],
        },
        outages={"ncb": {"mtbf_days": 5, "mttr_hours": 2}},
    ),
    "behaviour": lambda: base(
        world={"countries": countries(20)},
        records={
            "creation_per_country_per_day": 300,
            "review_days": 20,
            "extension_probability": 0.5,
            "lifetime_days": {"dist": "exponential", "mean": 60},
        },
        behaviour={"enabled": True},
    ),
    "hybrid-batch-hourly": lambda: base(
        architecture={"kind": "hybrid", "sync": "batch", "sync_interval_days": 0.04},
        world={"platforms": [{"name": f"P{i}"} for i in range(5)], "countries": countries(20, 5)},
        records={
            "creation_per_country_per_day": 100,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        },
    ),
    "century": lambda: base(
        horizon_days=36500,
        warmup_days=0,
        records={
            "creation_per_country_per_day": 0.2,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        },
        queries={"per_country_per_day": 0.1},
    ),
    "world-fragmented": lambda: world_file("world-2023-fragmented"),
    "world-hybrid-push": lambda: world_file("world-2023-hybrid-push"),
    "world-federated": lambda: world_file("world-2023-federated"),
    "world-surge": lambda: world_file("world-2023-surge"),
    "world-hub-outage": lambda: world_file("world-2023-hub-outage"),
}


def run_child(name: str) -> None:
    from sim.config import scenario_from_dict
    from sim.results import write_run_outputs
    from sim.runner import run_one
    from sim.sizing import size_of
    from sim.sweeps.worker import columns_of

    scenario = scenario_from_dict(CASES[name]())
    result = run_one(scenario)
    record = {
        "metrics": result.scalar_metrics(),
        "timeseries": columns_of(result.timeseries),
        "visibility_curve": columns_of(result.visibility_curve),
        "outages": columns_of(result.outages),
    }
    json.dumps(record)
    with tempfile.TemporaryDirectory() as folder:
        write_run_outputs(result, Path(folder) / "run")
    size = size_of(scenario)
    print(json.dumps({
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "estimate_mb": size.memory_bytes / 2**20,
        "counts": {k: v for k, v in size.__dict__.items()},
    }))  # fmt: skip


def fit(rows: list[dict]) -> dict[str, float]:
    import numpy as np
    from scipy.optimize import nnls

    from sim.sizing import BYTES

    names = [n for n in BYTES if n != "base"]
    a = np.array([[1.0] + [r["counts"][n] for n in names] for r in rows])
    b = np.array([r["peak_mb"] * 2**20 for r in rows])
    scale = a.max(axis=0)
    coef, _ = nnls(a / scale, b)
    return dict(zip(["base", *names], coef / scale, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs="*", default=list(CASES))
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    rows = []
    print(f"{'case':<24} {'peak MB':>8} {'estimate MB':>12} {'ratio':>6}")
    for name in args.case:
        out = subprocess.run([sys.executable, __file__, "--child", name],
                             check=True, capture_output=True, text=True).stdout  # fmt: skip
        row = json.loads(out.strip().splitlines()[-1]) | {"case": name}
        rows.append(row)
        ratio = row["estimate_mb"] / row["peak_mb"]
        print(f"{name:<24} {row['peak_mb']:8.0f} {row['estimate_mb']:12.0f} {ratio:6.2f}",
              json.dumps({k: round(v) for k, v in row["counts"].items()}), flush=True)  # fmt: skip
    if args.fit:
        print({k: round(v, 1) for k, v in fit(rows).items()})


if __name__ == "__main__":
    main()
