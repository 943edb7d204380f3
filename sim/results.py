"""What one run produces: an immutable record that every later layer reads.

The model and metrics fill it; the CLI, sweeps, analysis and reporting only read it. Writing is
atomic (temporary file, then ``os.replace``, then the directory synced) so a killed process
never leaves half a file, and files get the user's umask (0644 by default). A run's files are
put in place as one directory, so they always belong to the same run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from sim.textsafe import csv_bytes


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
        by_kind: the ratio, search and outcome metrics again, restricted to each record kind.
        daily: each measured day's additive parts of the ratio and count metrics, for the
            world, each region and each kind (:mod:`sim.metrics.daily`): any window of days
            from them exactly.
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
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)

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
        if numbers_all_finite(value):  # a table's column: one pass in C
            return list(value)
        return [json_safe(v) for v in value]
    return value


def numbers_all_finite(values: list[Any] | tuple[Any, ...]) -> bool:
    """True if every value is a finite number (False may also mean "not only numbers")."""
    try:
        return math.isfinite(math.fsum(values))
    except (TypeError, ValueError, OverflowError):  # not a number, inf - inf, overflow
        return False


class OutputError(Exception):
    """A file or directory that cannot be written, in one line: the path and the cause."""


def _current_umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


UMASK = _current_umask()
"""The process's umask at start: files get ``0o666 & ~UMASK`` (0644 by default), directories
``0o777 & ~UMASK``, as ``open`` and ``mkdir`` would give them; ``mkstemp`` alone gives 0600."""


def problem(path: Path | str, exc: OSError) -> OutputError:
    """``out/run: cannot write: No space left on device``."""
    where = exc.filename or path
    return OutputError(f"{where}: cannot write: {exc.strerror or exc}")


def fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a crash after it keeps the new name)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a platform without directory descriptors: nothing to sync
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a directory; the rename itself stands
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through, so that readers see the old file or the new one,
    never half: a temporary file beside it, synced and renamed when the block ends, removed if
    it raises.

    Raises:
        OutputError: the directory cannot be created or written (full, read-only...).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise problem(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~UMASK)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise problem(path, exc) from None
        raise
    fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_file`."""
    with atomic_file(path) as handle:
        handle.write(data)


def json_bytes(payload: Any) -> bytes:
    """Indented JSON, NaN and infinities as null."""
    return (json.dumps(json_safe(payload), indent=2, allow_nan=False) + "\n").encode()


def write_json_atomic(path: Path, payload: Any) -> None:
    write_atomic(path, json_bytes(payload))


RUN_FILES = ("summary.json", "timeseries.csv", "visibility.csv", "outages.csv")
"""What ``pdsa run --out`` writes."""
RUN_DIR_PRODUCTS = (*RUN_FILES, "plots", "report.html", "report.md", "report_figures")
"""What a run directory may hold: its files, and the charts and report drawn from them. A
directory holding anything else is not replaced, so no user file is ever lost with it."""


def check_run_dir(out_dir: Path) -> None:
    """Raise :class:`OutputError` unless a run can be written to ``out_dir``, before running.

    ``out_dir`` must be new, empty or a previous run's directory, not the current directory
    (it is replaced as a whole), and a directory must be creatable beside it.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a directory")
    if out_dir.is_dir():
        foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in RUN_DIR_PRODUCTS)
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise OutputError(
                f"{out_dir}: holds files that are not a run's ({shown}); a run replaces its"
                " directory as a whole: use a new or empty one"
            )
        if Path.cwd().resolve().is_relative_to(out_dir.resolve()):
            raise OutputError(f"{out_dir}: is the current directory; a run replaces it whole")
    probe_writable(existing_ancestor(out_dir.absolute().parent))


def existing_ancestor(folder: Path) -> Path:
    """``folder`` or its nearest existing parent; an error if that is a file."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"{folder}: is a file, so no directory can be created under it")
    return folder


def probe_writable(folder: Path) -> None:
    """Create and remove a directory in ``folder``: the one way to know a file system will
    take files (permissions, read-only mounts, quotas, root or not)."""
    try:
        os.rmdir(tempfile.mkdtemp(dir=folder, prefix=".pdsa-probe-"))
    except OSError as exc:
        raise problem(folder, exc) from None


def write_run_outputs(
    result: RunResult, out_dir: Path, extra: Callable[[Path], Any] | None = None
) -> None:
    """``summary.json``, ``timeseries.csv``, ``visibility.csv`` and ``outages.csv`` (and what
    ``extra`` writes into the new directory, the charts), put in place as a whole.

    They are written to a new directory beside ``out_dir``, which then takes its place: a
    reader sees the previous run's files or this run's, never a mix, and a failure half-way
    leaves the previous run untouched.

    Raises:
        OutputError: a file could not be written (nothing of this run is then left behind).
    """
    check_run_dir(out_dir)
    files = {
        "summary.json": json_bytes(result.summary()),
        "timeseries.csv": csv_bytes(result.timeseries),
        "visibility.csv": csv_bytes(result.visibility_curve),
        "outages.csv": csv_bytes(result.outages),
    }
    write_dir_whole(out_dir, files, extra)


def write_dir_whole(
    out_dir: Path, files: dict[str, bytes], extra: Callable[[Path], Any] | None = None
) -> None:
    """Write ``files`` (and ``extra``'s) into a fresh directory, then rename it to ``out_dir``."""
    parent = out_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{out_dir.name}.", suffix=".tmp"))
    except OSError as exc:
        raise problem(out_dir, exc) from None
    try:
        os.chmod(staging, 0o777 & ~UMASK)
        for name, data in files.items():
            write_synced(staging / name, data)
        if extra is not None:
            extra(staging)
        replace_dir(staging, out_dir)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise problem(out_dir, exc) from None
        raise


def write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def replace_dir(staging: Path, out_dir: Path) -> None:
    """Rename ``staging`` to ``out_dir``; a previous ``out_dir`` is moved aside first and
    removed after, so the name always holds one whole run or (for an instant) nothing."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(dir=staging.parent, prefix=f".{out_dir.name}.", suffix=".old"))
        os.rename(out_dir, old / "run")
    try:
        os.rename(staging, out_dir)
    except OSError:
        if old is not None:
            os.rename(old / "run", out_dir)  # put the previous run back
            old.rmdir()
        raise
    fsync_dir(staging.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
