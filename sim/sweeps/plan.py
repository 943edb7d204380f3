"""The plan of a sweep: every run (variant x point x world x replication) with its scenario,
checked.

Building the plan validates every override against the scenario schema, so a bad experiment
fails here, before any run starts. A variant mapping is merged into the scenario key by key,
except that a mapping naming its ``kind`` or ``dist`` replaces the one in the scenario whole (a
hybrid architecture keeps nothing of a fragmented one). Keys may also be dotted paths.

Order of application: the base scenario, the variant, the experiment's ``set`` block, the grid
point, the world. A key of ``set``, of an unscoped grid, of the sample or of an uncertainty
that a variant's scenario cannot have (a manual-entry probability under a central hub) is
skipped for that variant, not refused; a key that no variant has is an error (a typo), and a
grid scoped to named variants must fit each of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.config import ConfigError, scenario_from_dict, scenario_sha256, set_dotted, validate_path
from sim.config.overrides import key_type, set_many
from sim.sweeps.checks import check_written_values
from sim.sweeps.design import design_points, world_draws
from sim.sweeps.experiment import Experiment
from sim.sweeps.seeds import design_seed, replication_seeds, world_seeds

TAG_KEYS = ("kind", "dist")


@dataclass(frozen=True)
class RunSpec:
    """One run to do: what a worker needs, as plain data (pickled to other processes).

    ``point`` holds the keys the point and the world actually set in this variant's scenario;
    ``world_values`` the world's value of every uncertainty, whether this variant has the key
    or not (what analysis pairs and explains worlds by).
    """

    run_id: str
    variant: str
    point_index: int
    point: dict[str, Any]
    replication: int
    seed: int
    scenario: dict[str, Any]
    scenario_sha256: str
    world: int | None = None
    world_values: dict[str, Any] = field(default_factory=dict)
    twins: tuple[dict[str, Any], ...] = ()
    """The identities (``sim.sweeps.worker.header``) of this run's twins still to write: the
    worker writes the record under each as soon as it has it (``sim.sweeps.api.twins``)."""

    @property
    def point_id(self) -> str:
        return f"p{self.point_index:03d}"


@dataclass(frozen=True)
class World:
    """One sampled world: its index, each uncertainty's value, and every key it sets."""

    index: int
    values: dict[str, Any]
    keys: dict[str, Any]


def run_id(variant: str, point_index: int, replication: int) -> str:
    return f"{variant}--p{point_index:03d}--r{replication:03d}"


def build_plan(experiment: Experiment) -> list[RunSpec]:
    """Every run of the experiment, variant by variant, point by point, world by world,
    replication by replication; raises :class:`ConfigError` for the first override that does
    not fit. Point ``g * n_worlds + w`` is grid (or sample) point g in world w."""
    points = design_points(experiment, design_seed(experiment.seed))
    raws = variant_scenarios(experiment)
    check_keys_exist(experiment, raws)
    worlds = sampled_worlds(experiment, raws)
    check_written_values(experiment, raws)
    plan = []
    # Canonical raw scenario -> its SHA-256, each validated once: a variant outside a grid's
    # scope has the same scenario at every grid value (3,072 of the robustness experiment's
    # 5,376 runs).
    shas: dict[str, str] = {}
    for variant, variant_raw in raws.items():
        for g, point in enumerate(points):
            point_raw, applied = apply_point(experiment, variant, variant_raw, point)
            present = [path for path in worlds[0].keys if has_key(point_raw, path)]
            for world in worlds:
                raw, keys = apply_world(experiment, variant, point_raw, world, present)
                text = json.dumps(raw, sort_keys=True, default=str)
                if text not in shas:
                    shas[text] = scenario_sha256(
                        checked_scenario(experiment, variant, applied | keys, raw)
                    )
                sha, index = shas[text], g * len(worlds) + world.index
                for replication, seed in enumerate(seeds_of(experiment, world)):
                    rid = run_id(variant, index, replication)
                    plan.append(
                        RunSpec(
                            rid,
                            variant,
                            index,
                            applied | keys,
                            replication,
                            seed,
                            raw,
                            sha,
                            world.index if experiment.uncertainties else None,
                            world.values,
                        )  # fmt: skip
                    )
    return plan


def seeds_of(experiment: Experiment, world: World) -> list[int]:
    if experiment.uncertainties is None:
        return replication_seeds(experiment.seed, experiment.replications)
    return world_seeds(experiment.seed, world.index, experiment.replications)


def variant_scenarios(experiment: Experiment) -> dict[str, dict[str, Any]]:
    """Variant -> its raw scenario: the base, the variant's overrides, then ``set``."""
    raws = {}
    for variant, overrides in experiment.variants.items():
        raws[variant] = apply_shared(experiment, apply_variant(experiment, variant, overrides))
    return raws


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
    for path, value in leaves(overrides, at):
        result = set_dotted(result, path, value)
    return result


def leaves(overrides: Mapping[str, Any], at: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of each override: a non-empty mapping without ``kind`` or ``dist``
    is descended into, anything else is set whole."""
    out = []
    for key, value in overrides.items():
        path = f"{at}.{key}" if at else str(key)
        if isinstance(value, Mapping) and value and not any(tag in value for tag in TAG_KEYS):
            out += leaves(value, path)
        else:
            out.append((path, value))
    return out


def has_key(raw: Mapping[str, Any], path: str) -> bool:
    """Whether a scenario like ``raw`` (its architecture kind, its distributions) has ``path``."""
    try:
        validate_path(path, raw)
    except ConfigError:
        return False
    return True


def apply_shared(experiment: Experiment, raw: dict[str, Any]) -> dict[str, Any]:
    for path, value in leaves(experiment.shared):
        if has_key(raw, path):
            raw = set_or_raise(experiment, raw, path, value, f"set.{path}")
    return raw


def set_or_raise(
    experiment: Experiment, raw: dict[str, Any], path: str, value: Any, key: str, where: str = ""
) -> dict[str, Any]:
    try:
        return set_dotted(raw, path, value)
    except ConfigError as exc:
        raise ConfigError(experiment.file, key, exc.message + where) from None


def varied_keys(experiment: Experiment) -> dict[str, str]:
    """Every key the experiment varies or sets -> where the file says so."""
    keys = {path: f"set.{path}" for path, _ in leaves(experiment.shared)}
    keys |= {path: f"grid.{path}" for path in experiment.grid}
    keys |= (
        {path: f"sample.ranges.{path}" for path in experiment.sample.ranges}
        if (experiment.sample)
        else {}
    )
    for u in experiment.uncertainties.parameters if experiment.uncertainties else ():
        for spec in u.keys:
            at = f"uncertainties.parameters.{u.name}"
            keys[spec.path] = at if spec.path == u.name else f"{at}.keys.{spec.path}"
    return keys


def check_keys_exist(experiment: Experiment, raws: Mapping[str, dict[str, Any]]) -> None:
    """A key that no variant's scenario has is a typo: the error of the first variant, with
    its closest valid key."""
    for path, key in varied_keys(experiment).items():
        if not any(has_key(raw, path) for raw in raws.values()):
            try:
                validate_path(path, next(iter(raws.values())))
            except ConfigError as exc:
                message = exc.message + " (in no variant's scenario)"
                raise ConfigError(experiment.file, key, message) from None


def skipped_keys(experiment: Experiment) -> dict[str, list[str]]:
    """Varied or set key -> the variants it is skipped for (their scenario lacks it)."""
    raws = variant_scenarios(experiment)
    skipped = {}
    for path in varied_keys(experiment):
        lacking = [v for v, raw in raws.items() if not has_key(raw, path)]
        if lacking:
            skipped[path] = lacking
    return skipped


def applies(experiment: Experiment, variant: str, raw: Mapping[str, Any], path: str) -> bool:
    if path in experiment.grid_scope:
        return variant in experiment.grid_scope[path]
    return has_key(raw, path)


def apply_point(
    experiment: Experiment, variant: str, raw: dict[str, Any], point: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scenario with the point's keys set, the keys set): grid keys scoped to other variants
    and keys this variant lacks are left out."""
    applied = {}
    for path, value in point.items():
        if applies(experiment, variant, raw, path):
            key = varied_keys(experiment)[path]
            raw = set_or_raise(experiment, raw, path, value, key, f" (in variant {variant!r})")
            applied[path] = value
    return raw, applied


def apply_world(
    experiment: Experiment, variant: str, raw: dict[str, Any], world: World, present: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scenario with the world's keys set, the keys set): only the ``present`` keys, those
    the variant's scenario has at this point (checked once for all its worlds). One copy of
    the scenario for all the keys: a plan sets them in every world."""
    applied = {path: world.keys[path] for path in present}
    try:
        return set_many(raw, list(applied.items())), applied
    except ConfigError as exc:
        key = varied_keys(experiment).get(exc.key_path, "uncertainties")
        raise ConfigError(experiment.file, key, f"{exc.message} (in variant {variant!r})") from None


def sampled_worlds(experiment: Experiment, raws: Mapping[str, dict[str, Any]]) -> list[World]:
    """The worlds of the experiment's uncertainties (one empty world without them)."""
    uncertainties = experiment.uncertainties
    if uncertainties is None:
        return [World(0, {}, {})]
    integer = integer_keys(experiment, raws)
    worlds = []
    for index, draws in enumerate(world_draws(uncertainties, design_seed(experiment.seed))):
        keys = {
            spec.path: spec.value_at(float(u), spec.path in integer)
            for parameter, u in zip(uncertainties.parameters, draws, strict=True)
            for spec in parameter.keys
        }
        values = {p.name: keys[p.keys[0].path] for p in uncertainties.parameters}
        worlds.append(World(index, values, keys))
    return worlds


def integer_keys(experiment: Experiment, raws: Mapping[str, dict[str, Any]]) -> set[str]:
    """Uncertain keys the schema types as integers (sampled as integers); their ranges must
    have whole-number ends."""
    parameters = experiment.uncertainties.parameters if experiment.uncertainties else ()
    specs = [spec for u in parameters for spec in u.keys]
    out = set()
    for spec in specs:
        raw = next(r for r in raws.values() if has_key(r, spec.path))
        if key_type(spec.path, raw) is not int:
            continue
        ends = [b for b in (spec.low, spec.high) if b is not None]
        if not all(float(b).is_integer() for b in ends):
            key = varied_keys(experiment)[spec.path] + ".range"
            message = f"an integer key needs whole-number ends, got [{spec.low}, {spec.high}]"
            raise ConfigError(experiment.file, key, message)
        out.add(spec.path)
    return out


def checked_scenario(
    experiment: Experiment, variant: str, point: Mapping[str, Any], raw: dict[str, Any]
):
    """The validated scenario, or an error naming the override that broke it."""
    try:
        return scenario_from_dict(raw)
    except ConfigError as exc:
        shared = [path for path, _ in leaves(experiment.shared)]
        culprit = next((p for p in [*point, *shared] if covers(p, exc.key_path)), None)
        if culprit is not None:
            value = point[culprit] if culprit in point else dict(leaves(experiment.shared))[culprit]
            key = varied_keys(experiment)[culprit]
            message = f"value {value!r} makes the scenario invalid under variant"
            message += f" {variant!r}: {exc.key_path}: {exc.message}"
        else:
            key = f"variants.{variant}"
            message = f"makes the scenario invalid: {exc.key_path}: {exc.message}"
        raise ConfigError(experiment.file, key, message) from None


def covers(path: str, key_path: str) -> bool:
    return key_path == path or key_path.startswith(path + ".") or path.startswith(key_path + ".")
