"""Running one run of a finished sweep again, from the directory's own experiment copy, to
check that it reproduces bit for bit."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sim.config import load_yaml_mapping, scenario_from_dict, scenario_sha256
from sim.sweeps import store
from sim.sweeps.experiment import Experiment, load_experiment
from sim.sweeps.plan import RunSpec, build_plan
from sim.sweeps.store import ResultsDirError
from sim.sweeps.worker import run_record


def plan_for_rerun(out_dir: str | Path) -> tuple[Experiment, list[RunSpec]]:
    """The experiment and plan of a results directory, from its own copy and manifest."""
    out = Path(out_dir)
    manifest = store.read_manifest(out)
    if manifest is None:
        raise ResultsDirError(str(out), "", "no manifest.json here; is it a sweep's --out?")
    base = base_scenario(manifest)
    if not isinstance(base, dict):
        raise ResultsDirError(str(out / store.MANIFEST), "", "holds no scenario")
    experiment = load_experiment(out / "experiment.yaml", base_raw=base)
    return experiment, build_plan(experiment)


def lacking_uncertainties(experiment: Experiment) -> dict[str, list[str]]:
    """Variant -> the uncertainties none of whose keys its scenario has (a world's value it
    never used: a central hub has no manual-entry probability)."""
    from sim.sweeps.plan import skipped_keys

    skipped = skipped_keys(experiment)
    out: dict[str, list[str]] = {}
    for u in experiment.uncertainties.parameters if experiment.uncertainties else ():
        for variant in experiment.variants:
            if all(variant in skipped.get(spec.path, []) for spec in u.keys):
                out.setdefault(variant, []).append(u.name)
    return out


def lacking_in(out_dir: str | Path) -> dict[str, list[str]]:
    """:func:`lacking_uncertainties` of a results directory's sweep (empty when its
    experiment can no longer be read: nothing is then known to be lacking)."""
    try:
        experiment, _ = plan_for_rerun(out_dir)
    except (ValueError, OSError):
        return {}
    return lacking_uncertainties(experiment)


def base_scenario(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The base scenario as its file says it, if the file is still there unchanged (by hash):
    overrides of a preset's modifiers (``world.regions``) need the preset, which the resolved
    copy in the manifest has already expanded; else that resolved copy. Sweeps record the
    base as written (``scenario_raw``: a preset and its modifiers) and use it first."""
    raw = manifest.get("scenario_raw")
    if isinstance(raw, dict):
        return raw
    file = manifest.get("scenario_file")
    if file and Path(file).is_file():
        raw = load_yaml_mapping(file)
        if scenario_sha256(scenario_from_dict(raw, file)) == manifest.get("scenario_sha256"):
            return raw
    scenario = manifest.get("scenario")
    return scenario if isinstance(scenario, dict) else None


def rerun(out_dir: str | Path, run_id: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Run ``run_id`` again: (stored record, new record, names of metrics that differ)."""
    out = Path(out_dir)
    _, plan = plan_for_rerun(out)
    spec = next((s for s in plan if s.run_id == run_id), None)
    if spec is None or not store.run_path(out, run_id).exists():
        from sim.config.errors import closest

        guess = closest(run_id, [s.run_id for s in plan])
        hint = f"; did you mean {guess!r}?" if guess else ""
        raise ResultsDirError(str(out), run_id, f"no such run in this sweep{hint}")
    try:
        stored = store.read_run(out, run_id)
    except ResultsDirError as error:
        hint = "; `pdsa sweep --resume` moves it aside and does the run again"
        raise ResultsDirError(error.file, "", error.message + hint) from None
    fresh = run_record(spec)
    fresh_metrics = fresh["metrics"]
    names = sorted(set(stored["metrics"]) | set(fresh_metrics))
    differ = [m for m in names if not same(stored["metrics"].get(m), fresh_metrics.get(m))]
    return stored, fresh, differ


def same(a: Any, b: Any) -> bool:
    """Equal bit for bit, None (stored NaN) matching NaN."""

    def norm(x: Any) -> Any:
        return None if isinstance(x, float) and math.isnan(x) else x

    return norm(a) == norm(b)
