"""What one run produces: an immutable record that every later layer reads.

The model and metrics fill it; the CLI, sweeps, analysis and reporting only read it. Writing is
atomic (temporary file, then ``os.replace``) so a killed process never leaves half a file.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd


def package_version(name: str = "pdsa") -> str | None:
    """The installed version of a distribution (this one by default); None if not installed."""
    try:
        return version(name)
    except PackageNotFoundError:
        return None


@dataclass(frozen=True)
class RunResult:
    """Everything one run of one scenario with one seed produced.

    Attributes:
        metrics: headline metrics by name (``None`` where a denominator was zero, and for a
            lag percentile that falls among the records never visible: never), plus
            ``messages_per_day`` {link class: messages per day} and ``utilisation``
            {store name: share of server time busy, None for unlimited servers}.
        by_region: the scalar metrics again, restricted to queriers of each INTERPOL region.
        counts: records_created, record_changes, deliveries, queries, events_processed and
            the conservation ledger (changes sent, delivered, dropped, in flight).
        timeseries: one row per (day, region) with region ``"all"`` for the whole world.
        visibility_curve: share of new records visible to queriers in other regions
            ``hours`` after creation (columns ``hours``, ``share``).
        outages: one row per down period (columns ``store``, ``start_day``, ``end_day``).
    """

    metrics: dict[str, Any]
    by_region: dict[str, dict[str, float | None]]
    counts: dict[str, int]
    timeseries: pd.DataFrame
    visibility_curve: pd.DataFrame
    outages: pd.DataFrame
    seed: int
    scenario: dict[str, Any]
    scenario_sha256: str
    version: str
    wall_seconds: float
    by_kind: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def scalar_metrics(self) -> dict[str, float | None]:
        """Metrics flattened to one level: ``messages_per_day.ncb_to_hub`` and so on."""
        flat: dict[str, float | None] = {}
        for name, value in self.metrics.items():
            if isinstance(value, dict):
                for key, inner in value.items():
                    flat[f"{name}.{key}"] = inner
            else:
                flat[name] = value
        return flat

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        return {
            "metrics": self.metrics,
            "by_region": self.by_region,
            "by_kind": self.by_kind,
            "counts": self.counts,
            "seed": self.seed,
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "version": self.version,
            "wall_seconds": self.wall_seconds,
        }


def json_safe(value: Any) -> Any:
    """Replace NaN and infinities (not JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


@functools.cache
def file_mode() -> int:
    """The mode ``open`` would give a new file (0o666 less the umask: 0o644 usually), read
    once: the umask can only be read by setting it, so this is done before any worker."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half;
    the file gets the user's usual mode (mkstemp's 0o600 would hide results from colleagues)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, payload: Any) -> None:
    text = json.dumps(json_safe(payload), indent=2, sort_keys=False, allow_nan=False)
    write_atomic(path, (text + "\n").encode())


def write_run_outputs(result: RunResult, out_dir: Path) -> None:
    """``summary.json``, ``timeseries.csv``, ``visibility.csv`` and ``outages.csv``."""
    write_json_atomic(out_dir / "summary.json", result.summary())
    write_atomic(out_dir / "timeseries.csv", result.timeseries.to_csv(index=False).encode())
    write_atomic(out_dir / "visibility.csv", result.visibility_curve.to_csv(index=False).encode())
    write_atomic(out_dir / "outages.csv", result.outages.to_csv(index=False).encode())
