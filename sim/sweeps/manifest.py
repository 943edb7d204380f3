"""The manifest of a results directory: what a sweep is, checked before any run starts.

A directory takes a sweep only if it is new, or holds the same experiment and scenario (by
hash) and ``--resume`` was given; the manifest records versions, times, counts and failures.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sim.config import resolved_dict, scenario_sha256
from sim.results import package_version
from sim.sweeps import store
from sim.sweeps.experiment import Experiment
from sim.sweeps.plan import leaves
from sim.sweeps.store import ResultsDirError

DEPENDENCIES = (
    "mesa",
    "simpy",
    "numpy",
    "pandas",
    "scipy",
    "pydantic",
    "pyarrow",
    "SALib",
    "dask",
    "distributed",
)


def prepare(
    out: Path,
    experiment: Experiment,
    resume: bool,
    allow_version_change: bool = False,
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Check ``out`` can take this sweep; write the experiment copy and a first manifest.

    With ``resume``, run files that cannot be read are moved aside and reported to
    ``on_warning`` (their runs are done again), and a sweep started by another version of
    pdsa or of its dependencies is refused unless ``allow_version_change``.
    """
    previous = store.read_manifest(out)
    holds_runs = bool(store.finished_runs(out, on_warning if resume else None))
    manifest = new_manifest(experiment)
    if previous is None and holds_runs:
        raise ResultsDirError(str(out), "", "holds runs but no manifest.json; use another --out")
    if previous is not None and not resume:
        message = "already holds a sweep; use --resume to complete it, or another --out"
        raise ResultsDirError(str(out), "", message)
    if previous is not None:
        check_same(out, previous, manifest)
        manifest |= versions_on_resume(out, previous, manifest, allow_version_change)
        manifest["started"] = previous["started"]
    out.mkdir(parents=True, exist_ok=True)
    store.remove_partial_files(out)
    store.write_atomic(out / "experiment.yaml", experiment_text(experiment).encode())
    store.write_manifest(out, manifest)
    return manifest


def check_same(out: Path, previous: Mapping[str, Any], manifest: Mapping[str, Any]) -> None:
    for key, what in (("experiment_sha256", "experiment"), ("scenario_sha256", "scenario")):
        if previous.get(key) != manifest[key]:
            message = (
                f"the {what} changed since this sweep started ({key} {str(previous.get(key))[:12]}"
                f" -> {manifest[key][:12]}); refusing to mix results: use another --out"
            )
            raise ResultsDirError(str(out), "", message)


def versions_on_resume(
    out: Path, previous: Mapping[str, Any], manifest: Mapping[str, Any], allowed: bool
) -> dict[str, Any]:
    """The manifest's version history after a resume; refuses a change unless ``allowed``.

    Runs made by another version of pdsa, numpy or the others may differ in their last bits,
    so a changed version would mix results silently; when allowed, it is recorded."""
    changes = version_changes(previous, manifest)
    history = list(previous.get("version_history") or [])
    if not changes:
        return {"version_history": history}
    if not allowed:
        message = (
            f"this sweep was started with {', '.join(changes)}; its runs may not match runs made"
            " now: use --allow-version-change to resume anyway, or another --out"
        )
        raise ResultsDirError(str(out), "", message)
    before = {k: previous.get(k) for k in ("version", "dependencies", "started")}
    return {"version_history": [*history, before]}


def version_changes(previous: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[str]:
    """``pdsa 0.1.0 (now 0.2.0)``, ``numpy 1.26.4 (now 2.0.1)``: what differs."""
    before = {"pdsa": previous.get("version"), **(previous.get("dependencies") or {})}
    now = {"pdsa": manifest["version"], **manifest["dependencies"]}
    return [
        f"{name} {before.get(name)} (now {version})"
        for name, version in now.items()
        if before.get(name) != version
    ]


def experiment_text(experiment: Experiment) -> str:
    """The experiment as it ran: its file, or (with ``--set`` or ``--worlds`` given, or from
    a mapping) its mapping with those applied, which ``pdsa rerun`` reads back."""
    if experiment.file is not None and not experiment.command_line:
        return Path(experiment.file).read_text(encoding="utf-8")
    head = ""
    if experiment.command_line:
        head = f"# {experiment.file} as run, with the command line's {experiment.command_line}\n"
    return head + yaml.safe_dump(experiment.raw, sort_keys=False)


def new_manifest(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment": experiment.name,
        "experiment_file": str(Path(experiment.file).resolve()) if experiment.file else None,
        "experiment_sha256": experiment.sha256,
        "scenario_file": experiment.scenario_file,
        "scenario_sha256": scenario_sha256(experiment.base),
        "scenario": resolved_dict(experiment.base),
        "scenario_raw": experiment.base_raw,
        "scenario_as_run": as_run(experiment),
        "set": dict(leaves(experiment.shared)),
        "command_line": experiment.command_line,
        "scale": scale_entry(experiment),
        "architectures": architecture_kinds(experiment),
        "migrations": migrations(experiment),
        "variants": list(experiment.variants),
        "baseline": experiment.baseline,
        "factors": experiment.factors,
        "sample_method": experiment.sample.method if experiment.sample else None,
        **uncertainty_entries(experiment),
        "replications": experiment.replications,
        "seed": experiment.seed,
        "version": package_version(),
        "python": platform.python_version(),
        "dependencies": {name: package_version(name) for name in DEPENDENCIES},
        "started": now(),
        "finished": None,
        "counts": None,
        "failures": [],
    }


def architecture_kinds(experiment: Experiment) -> dict[str, str | None]:
    """Variant -> its architecture kind, which the charts key colours on."""
    from sim.sweeps.plan import variant_scenarios

    return {
        variant: (raw.get("architecture") or {}).get("kind")
        for variant, raw in variant_scenarios(experiment).items()
    }


def migrations(experiment: Experiment) -> dict[str, Any]:
    """Variant -> its road map (``migration``: stages, waves and their days) as written, for
    the variants that have one: the report reads its stages from here."""
    from sim.sweeps.plan import variant_scenarios

    return {
        variant: raw["migration"]
        for variant, raw in variant_scenarios(experiment).items()
        if raw.get("migration")
    }


def as_run(experiment: Experiment) -> dict[str, Any]:
    """The baseline's scenario as it runs (its variant's overrides and the experiment's
    ``set`` applied), resolved: what the report's key assumptions show."""
    from sim.config import scenario_from_dict
    from sim.sweeps.plan import variant_scenarios

    raw = variant_scenarios(experiment)[experiment.baseline]
    return resolved_dict(scenario_from_dict(raw, experiment.file))


def scale_entry(experiment: Experiment) -> dict[str, Any]:
    """The baseline's size and window as it runs (the experiment's ``set`` applied), which
    every chart's footer names: the base scenario alone may be sampled or timed otherwise."""
    from sim.config import scenario_from_dict
    from sim.sweeps.plan import variant_scenarios

    raw = variant_scenarios(experiment)[experiment.baseline]
    scenario = scenario_from_dict(raw, experiment.file)
    return {
        "scenario": scenario.name,
        "ncbs": len(scenario.world.countries),
        "sample_fraction": scenario.records.sample_fraction,
        "horizon_days": scenario.horizon_days,
        "warmup_days": scenario.warmup_days,
    }


def uncertainty_entries(experiment: Experiment) -> dict[str, Any]:
    """What analysis needs to read a sweep's worlds: the design, how many, and each
    uncertainty's keys (the first key's value is the one in runs.parquet)."""
    u = experiment.uncertainties
    if u is None:
        return {}
    return {
        "uncertainties": {p.name: [k.path for k in p.keys] for p in u.parameters},
        "uncertainty_ranges": {
            p.name: {k.path: list(k.values) if k.values else [k.low, k.high] for k in p.keys}
            for p in u.parameters
        },
        "uncertainty_design": u.design,
        "worlds": u.worlds,
        "grid_factors": list(experiment.grid),
    }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
