"""Read RESULTS, a ``pdsa sweep`` directory or a ``pdsa run --out`` directory, into one shape.

Everything downstream (charts, report) sees a :class:`Results`: one row per run in ``runs`` with
flat metric columns, and the long tables of the sweep contract (``timeseries``, ``visibility``,
``by_region``, ``by_kind``, ``outages``; ``daily`` read when first asked for) keyed by ``run_id``
and ``variant``. A single run becomes a sweep of
one variant, one point and one replication, so the charts need no second code path; they only
say, in their captions, that there is no interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.schema import architecture_label, default_baseline
from sim.metrics.daily import ALL
from sim.results import RunResult
from sim.sweeps import store

KEYS = ("run_id", "variant", "point_id", "replication")
"""Columns that identify a run in every long table."""

SWEEP_TABLES = ("timeseries", "visibility", "by_region", "by_kind", "outages")


class ResultsError(ValueError):
    """RESULTS is neither a sweep directory nor a run directory, or is unreadable."""


class NoSuccessfulRun(ResultsError):
    """RESULTS holds no successful run: there is nothing to draw or report."""


@dataclass(frozen=True)
class Results:
    """What the charts and the report read.

    Attributes:
        kind: ``"sweep"`` or ``"run"``.
        runs: one row per run (failed runs included, ``status`` says which).
        timeseries, visibility, by_region, by_kind, outages: the long tables, ok runs only.
        manifest: the sweep's manifest, or one built from ``summary.json`` for a run.
        variants: variant labels in the experiment file's order.
        baseline: the variant the others are compared with (None for a single variant).
        factors: dotted scenario paths varied over grid points.
        uncertainties: the sweep's uncertainties (columns of ``runs``), if it sampled worlds;
            its runs are then pooled over the worlds of each grid point (``point_id`` is the
            grid point, ``replication`` numbers world and replication) and keep ``world``.
    """

    kind: str
    path: Path
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    visibility: pd.DataFrame
    by_region: pd.DataFrame
    outages: pd.DataFrame
    manifest: dict[str, Any]
    variants: list[str]
    baseline: str | None
    factors: list[str] = field(default_factory=list)
    uncertainties: list[str] = field(default_factory=list)
    thresholds: tuple[str, ...] = ()
    """The criteria the report weighs every lever against (``pdsa report --threshold``);
    empty: :data:`sim.verdict.criteria.DEFAULT_THRESHOLDS`, those whose metric the runs have."""
    by_kind: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(KEYS)))
    given_daily: pd.DataFrame | None = None
    """The daily parts when held in memory (runs not written); else read from ``path``."""

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Each day's additive parts of every run (``daily.parquet``, ok runs only; empty for
        a run directory or a sweep from before it): read once, when a window is asked for."""
        if self.given_daily is not None:
            return self.given_daily
        if self.kind != "sweep":
            return pd.DataFrame(columns=list(KEYS))
        return ok_only(read_table(self.path, "daily"), set(self.ok_runs["run_id"]))

    def breakdown(self, by: str, first: int | None = None, end: int | None = None) -> pd.DataFrame:
        """One row per ok run and region (``by="region"``) or kind: its metrics over the
        whole measured window, or exactly over days ``first <= day < end`` (from ``daily``;
        a :class:`sim.analysis.WindowError` if outside the measured days), paired as the runs
        are (over sampled worlds, each grid point's worlds pooled)."""
        from sim.analysis import checked_window, window_breakdown

        if first is None and end is None:
            table = self.by_region if by == "region" else self.by_kind
        else:
            first, end = checked_window(self.daily, first, end)
            table = window_breakdown(self.daily, by, first, end)
        if table.empty or not self.uncertainties:
            return table
        keys = self.runs[["run_id", "variant", "point_id", "replication"]]
        return table.drop(columns=["point_id", "replication"]).merge(keys, on=["run_id", "variant"])

    @property
    def worlds(self) -> int:
        """Sampled worlds per grid point (0 without uncertainties)."""
        return int(self.manifest.get("worlds") or 0) if self.uncertainties else 0

    @property
    def robustness(self) -> Any:
        """The robustness of the ranking on completeness (a :class:`sim.robustness.Assessment`),
        with every criterion of ``criteria_thresholds`` at once; None without worlds or when
        the runs cannot answer (:attr:`robustness_problem` then says why); computed once per
        Results."""
        return self.robustness_outcome[0]

    @property
    def robustness_problem(self) -> str:
        """Why a sweep with sampled worlds has no robustness assessment ("" when it has one,
        or has no worlds): the report and the explorer say it where the section would be."""
        return self.robustness_outcome[1]

    @cached_property
    def robustness_outcome(self) -> tuple[Any, str]:
        from sim.robustness import RobustnessError, assess
        from sim.sweeps.rerun import lacking_in

        if not self.uncertainties:
            return None, ""
        if "completeness" not in self.runs:
            return None, "the runs have no completeness to rank the levers on"
        lacking = lacking_in(self.path) if self.kind == "sweep" else {}
        try:
            found = assess(
                self.runs, self.manifest, "completeness", self.criteria_thresholds, lacking=lacking
            )
        except RobustnessError as error:
            return None, str(error)
        return found, ""

    @property
    def criteria_thresholds(self) -> list[Any]:
        """The thresholds the report weighs the levers against, parsed; those whose metric
        no run has are left out."""
        from sim.robustness import parse_threshold
        from sim.verdict.criteria import DEFAULT_THRESHOLDS

        parsed = [parse_threshold(t) for t in self.thresholds or DEFAULT_THRESHOLDS]
        return [t for t in parsed if t.metric in self.runs and self.runs[t.metric].notna().any()]

    @property
    def ok_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def failed_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] != "ok"]

    @property
    def scenario(self) -> dict[str, Any]:
        return self.manifest.get("scenario") or {}

    @property
    def scenario_as_run(self) -> dict[str, Any]:
        """The baseline's scenario as it ran (the experiment's ``set`` applied), as the
        manifest records it; the base scenario for results written before it did."""
        return self.manifest.get("scenario_as_run") or self.scenario

    @property
    def name(self) -> str:
        experiment = self.manifest.get("experiment")
        if isinstance(experiment, dict):
            experiment = experiment.get("name")
        return str(experiment or self.scenario.get("name") or self.path.name)

    @property
    def replications(self) -> int:
        """Ok replications per variant and point (the most; failures are captioned apart)."""
        ok = self.ok_runs
        if ok.empty:
            return 0
        return int(ok.groupby(["variant", "point_id"]).size().max())

    @property
    def kinds(self) -> dict[str, str]:
        """Variant -> architecture kind as the sweep recorded it (the palette keys colours on
        it); empty for sweeps written before kinds were recorded."""
        return {str(k): str(v) for k, v in (self.manifest.get("architectures") or {}).items()}

    @property
    def single_run(self) -> bool:
        return self.replications <= 1

    def require_success(self) -> None:
        """Raise :class:`NoSuccessfulRun` unless some run succeeded."""
        if self.ok_runs.empty:
            failed = len(self.failed_runs)
            what = f"all {failed} runs failed" if failed else "it holds no run"
            raise NoSuccessfulRun(f"{self.path}: no successful run to show ({what})")


def load_results(path: str | Path, world_series: bool = False) -> Results:
    """Read either kind of RESULTS directory; ``world_series``: of a sweep's daily series, only
    the world's rows (region ``all``), all that the report and the charts draw (the
    robustness experiment's series: 0.4 GB in memory instead of 2.4, and a peak of 2.2 GB
    instead of 5.4 while reading); the explorer's view of a region needs them all."""
    path = Path(path)
    if (path / "manifest.json").is_file():
        return load_sweep(path, world_series)
    if (path / "summary.json").is_file():
        return load_run(path)
    raise ResultsError(f"{path}: neither a sweep (manifest.json) nor a run (summary.json)")


# --- sweep directories -----------------------------------------------------------------------


def read_table(path: Path, name: str, world_only: bool = False) -> pd.DataFrame:
    """A long table of the sweep, or an empty one keyed like the others; ``world_only``: its
    rows of region ``all`` (the others not read), if it has regions."""
    try:
        table = store.read_table(path, name, ("region", ALL) if world_only else None)
    except store.ResultsDirError as error:
        raise ResultsError(str(error)) from None
    return pd.DataFrame(columns=list(KEYS)) if table is None else table


def load_sweep(path: Path, world_series: bool = False) -> Results:
    try:
        runs, manifest = store.read_sweep(path)
    except store.NoResults as error:
        raise NoSuccessfulRun(str(error)) from None
    except store.ResultsDirError as error:
        raise ResultsError(str(error)) from None
    runs["variant"] = runs["variant"].astype(str)
    runs["status"] = runs.get("status", pd.Series("ok", index=runs.index)).fillna("failed")
    variants = [str(v) for v in manifest.get("variants") or []]
    variants += [v for v in runs["variant"].unique() if v not in variants]
    ok_ids = set(runs.loc[runs["status"] == "ok", "run_id"])
    tables = {
        name: ok_only(read_table(path, name, world_series and name == "timeseries"), ok_ids)
        for name in SWEEP_TABLES
    }
    baseline = manifest.get("baseline") or (variants[0] if variants else None)
    uncertainties = [u for u in manifest.get("uncertainties") or {} if u in runs.columns]
    if uncertainties:
        from sim.robustness import pooled_over_worlds

        runs = pooled_over_worlds(runs, manifest)
    return Results(
        kind="sweep",
        path=path,
        runs=runs,
        manifest=manifest,
        variants=variants,
        baseline=str(baseline) if baseline is not None else None,
        factors=[f for f in manifest.get("factors") or [] if f in runs.columns],
        uncertainties=uncertainties,
        **tables,
    )


def ok_only(table: pd.DataFrame, ok_ids: set[Any]) -> pd.DataFrame:
    if "run_id" not in table.columns or table.empty:
        return table
    table = table[table["run_id"].isin(ok_ids)].copy()
    if "variant" in table.columns:
        table["variant"] = table["variant"].astype(str)
    return table


# --- single run directories ------------------------------------------------------------------


def variant_label(scenario: dict[str, Any]) -> str:
    """``hybrid batch 7d``, ``federated with index``: the architecture in a few words."""
    return architecture_label(scenario.get("architecture"))


def load_run(path: Path) -> Results:
    try:
        summary = store.read_json(path / "summary.json")
    except store.ResultsDirError as error:
        raise ResultsError(str(error)) from None
    if not isinstance(summary, dict) or not isinstance(summary.get("metrics"), dict):
        raise ResultsError(f"{path / 'summary.json'}: not a run summary (no metrics)")
    scenario = summary.get("scenario") or {}
    variant = variant_label(scenario)
    keys = run_keys("run", variant)
    return Results(
        kind="run",
        path=path,
        runs=pd.DataFrame([run_row(keys, summary)]),
        by_region=region_rows(keys, summary),
        by_kind=region_rows(keys, summary, "by_kind"),
        manifest=run_manifest(summary, [variant], {variant: architecture_kind(summary)}),
        variants=[variant],
        baseline=variant,
        timeseries=read_csv_keyed(path / "timeseries.csv", keys),
        visibility=read_csv_keyed(path / "visibility.csv", keys),
        outages=read_csv_keyed(path / "outages.csv", keys),
    )


def results_from_runs(runs: Mapping[str, RunResult], path: Path) -> Results:
    """Runs held in memory, one variant each (the explorer's side-by-side run on one seed),
    read as a sweep of one point and one replication: the same tables and charts as a results
    directory, with nothing written. ``path`` names where the scenario came from."""
    variants = list(runs)
    keyed = {label: run_keys(label, label) for label in variants}
    summaries = {label: result.summary() for label, result in runs.items()}

    def long(table: str) -> pd.DataFrame:
        frames = [keyed_table(getattr(runs[v], table), keyed[v]) for v in variants]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(KEYS))

    first = summaries[variants[0]] if variants else {}
    kinds = {v: architecture_kind(summaries[v]) for v in variants}
    return Results(
        kind="sweep",
        path=path,
        runs=pd.DataFrame([run_row(keyed[v], summaries[v]) for v in variants]),
        by_region=pd.concat(
            [region_rows(keyed[v], summaries[v]) for v in variants], ignore_index=True
        ),
        by_kind=pd.concat(
            [region_rows(keyed[v], summaries[v], "by_kind") for v in variants], ignore_index=True
        ),
        given_daily=long("daily"),
        manifest=run_manifest(first, variants, kinds),
        variants=variants,
        baseline=default_baseline(kinds),
        timeseries=long("timeseries"),
        visibility=long("visibility_curve"),
        outages=long("outages"),
    )


def run_keys(run_id: str, variant: str) -> dict[str, Any]:
    return {"run_id": run_id, "variant": variant, "point_id": 0, "replication": 0}


def run_row(keys: dict[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    """A run's row of ``runs``: its keys, seed and status, then its metrics flattened."""
    row = keys | {"seed": summary.get("seed"), "status": "ok", "error": None}
    return (
        row | {"wall_seconds": summary.get("wall_seconds")} | flatten(summary.get("metrics") or {})
    )


def region_rows(
    keys: dict[str, Any], summary: Mapping[str, Any], field: str = "by_region"
) -> pd.DataFrame:
    """A run's ``by_region`` (or ``by_kind``) as rows keyed like a sweep's table."""
    part = "region" if field == "by_region" else "kind"
    return pd.DataFrame([keys | {part: r} | m for r, m in (summary.get(field) or {}).items()])


def architecture_kind(summary: Mapping[str, Any]) -> str | None:
    """The architecture kind a run's summary names (what its variant's colour follows)."""
    return ((summary.get("scenario") or {}).get("architecture") or {}).get("kind")


def run_manifest(
    summary: Mapping[str, Any], variants: list[str], kinds: Mapping[str, str | None]
) -> dict[str, Any]:
    """A manifest for runs that were not a sweep: one point, one replication per variant;
    ``kinds`` gives each variant's architecture kind."""
    return {
        "experiment": None,
        "scenario": summary.get("scenario") or {},
        "scenario_sha256": summary.get("scenario_sha256"),
        "variants": variants,
        "baseline": default_baseline(kinds),
        "factors": [],
        "replications": 1,
        "seed": summary.get("seed"),
        "version": summary.get("version"),
        "counts": {"total": len(variants), "ok": len(variants), "failed": 0},
        "failures": [],
        "run_counts": summary.get("counts") or {},
        "architectures": dict(kinds),
    }


def flatten(metrics: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            flat |= {f"{name}.{k}": v for k, v in value.items()}
        else:
            flat[name] = value
    return flat


def read_csv_keyed(file: Path, keys: dict[str, Any]) -> pd.DataFrame:
    try:
        table = store.read_table(file.parent, file.stem)
    except store.ResultsDirError as error:
        raise ResultsError(str(error)) from None
    return keyed_table(pd.DataFrame() if table is None else table, keys)


def keyed_table(table: pd.DataFrame, keys: dict[str, Any]) -> pd.DataFrame:
    """``table`` (a copy) with the run's keys as its first columns."""
    table = table.copy()
    for column, value in reversed(keys.items()):
        table.insert(0, column, value)
    return table
