"""The plan of a sweep: every run (variant x point x replication) with its scenario, checked.

Building the plan validates every override against the scenario schema, so a bad experiment
fails here, before any run starts. A variant mapping is merged into the scenario key by key,
except that a mapping naming its ``kind`` or ``dist`` replaces the one in the scenario whole (a
hybrid architecture keeps nothing of a fragmented one). Keys may also be dotted paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.config import ConfigError, scenario_from_dict, scenario_sha256, set_dotted
from sim.sweeps.design import design_points
from sim.sweeps.experiment import Experiment
from sim.sweeps.seeds import design_seed, replication_seeds

TAG_KEYS = ("kind", "dist")


@dataclass(frozen=True)
class RunSpec:
    """One run to do: what a worker needs, as plain data (pickled to other processes)."""

    run_id: str
    variant: str
    point_index: int
    point: dict[str, Any]
    replication: int
    seed: int
    scenario: dict[str, Any]
    scenario_sha256: str

    @property
    def point_id(self) -> str:
        return f"p{self.point_index:03d}"


def run_id(variant: str, point_index: int, replication: int) -> str:
    return f"{variant}--p{point_index:03d}--r{replication:03d}"


def build_plan(experiment: Experiment) -> list[RunSpec]:
    """Every run of the experiment, variant by variant, point by point, replication by
    replication; raises :class:`ConfigError` for the first override that does not fit."""
    points = design_points(experiment, design_seed(experiment.seed))
    seeds = replication_seeds(experiment.seed, experiment.replications)
    plan = []
    for variant, overrides in experiment.variants.items():
        variant_raw = apply_variant(experiment, variant, overrides)
        for index, point in enumerate(points):
            raw = apply_point(experiment, variant, variant_raw, point)
            scenario = checked_scenario(experiment, variant, point, raw)
            sha = scenario_sha256(scenario)
            for replication, seed in enumerate(seeds):
                rid = run_id(variant, index, replication)
                plan.append(RunSpec(rid, variant, index, point, replication, seed, raw, sha))
    return plan


def apply_variant(experiment: Experiment, variant: str, overrides: Mapping[str, Any]) -> dict:
    try:
        return merge_overrides(experiment.base_raw, overrides)
    except ConfigError as exc:
        raise ConfigError(
            experiment.file, f"variants.{variant}.{exc.key_path}", exc.message
        ) from None


def merge_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any], at: str = "") -> dict:
    """``raw`` with ``overrides`` merged in (see the module docstring for the rule)."""
    result = dict(raw)
    for key, value in overrides.items():
        path = f"{at}.{key}" if at else str(key)
        if isinstance(value, Mapping) and value and not any(tag in value for tag in TAG_KEYS):
            result = merge_overrides(result, value, path)
        else:
            result = set_dotted(result, path, value)
    return result


def apply_point(
    experiment: Experiment, variant: str, raw: dict[str, Any], point: Mapping[str, Any]
) -> dict[str, Any]:
    for path, value in point.items():
        try:
            raw = set_dotted(raw, path, value)
        except ConfigError as exc:
            key = f"grid.{path}" if path in experiment.grid else f"sample.ranges.{path}"
            message = f"{exc.message} (in variant {variant!r})"
            raise ConfigError(experiment.file, key, message) from None
    return raw


def checked_scenario(
    experiment: Experiment, variant: str, point: Mapping[str, Any], raw: dict[str, Any]
):
    """The validated scenario, or an error naming the override that broke it."""
    try:
        return scenario_from_dict(raw)
    except ConfigError as exc:
        culprit = next((p for p in point if covers(p, exc.key_path)), None)
        if culprit is not None:
            key = f"grid.{culprit}" if culprit in experiment.grid else f"sample.ranges.{culprit}"
            message = f"value {point[culprit]!r} makes the scenario invalid under variant"
            message += f" {variant!r}: {exc.key_path}: {exc.message}"
        else:
            key = f"variants.{variant}"
            message = f"makes the scenario invalid: {exc.key_path}: {exc.message}"
        raise ConfigError(experiment.file, key, message) from None


def covers(path: str, key_path: str) -> bool:
    return key_path == path or key_path.startswith(path + ".") or path.startswith(key_path + ".")
