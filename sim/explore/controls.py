"""The Run page's controls and the scenarios they make: one per chosen architecture, the same
world, records, seed and assumptions for all (common random numbers).

Only the controls a user changed become overrides of the scenario (dotted paths, as ``pdsa
run --set`` takes them), so an untouched page runs the scenario as its file says. A bad value
is refused by the scenario's own validation, in the CLI's one line (:class:`ConfigError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sim.architectures import demo_settings, named_settings
from sim.config import ConfigError, Scenario, apply_overrides, scenario_from_dict
from sim.config.loading import load_yaml_mapping, yaml_mapping
from sim.sizing import check_size, default_max_memory

ARCHITECTURES: dict[str, dict[str, Any]] = named_settings()
"""The architectures a user may compare, by the label the page shows: every named setting of
every registered architecture."""

DEFAULT_ARCHITECTURES = tuple(demo_settings())
"""Ticked when the page opens: the settings ``pdsa demo`` compares."""

EMBEDDED_SCENARIO = "scenarios/default.yaml"
"""Opened when ``pdsa explore`` is given no scenario: twelve NCBs, a few seconds a run."""

OUTAGE_STORES = ("hub", "platform", "ncb")


@dataclass(frozen=True)
class Controls:
    """What the Run page lets a user move; every value is in the scenario file's units.

    Outage rates: ``<store>_mtbf_days`` 0 means that kind of store is never down at random.
    """

    architectures: tuple[str, ...]
    seed: int
    horizon_days: float
    sample_fraction: float
    behaviour: bool
    deadline_seconds: float
    sync_interval_days: float
    entry_hub: float
    entry_platform: float
    update_hub: float
    update_platform: float
    hub_mtbf_days: float
    hub_mttr_hours: float
    platform_mtbf_days: float
    platform_mttr_hours: float
    ncb_mtbf_days: float
    ncb_mttr_hours: float


@dataclass(frozen=True)
class Source:
    """A scenario as read from its file: the raw mapping the overrides apply to."""

    file: str
    raw: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class Variant:
    """One architecture of a side-by-side run: its label, raw mapping and validated scenario."""

    label: str
    raw: dict[str, Any]
    scenario: Scenario

    def yaml_text(self) -> str:
        """A scenario file that reproduces this run with ``pdsa run``."""
        return yaml.safe_dump(self.raw, sort_keys=False, allow_unicode=True)


def load_source(path: str | Path | None) -> Source:
    """The scenario in ``path`` (the embedded twelve-NCB one when None); a bad file raises
    :class:`ConfigError` with the CLI's message."""
    if path is None:
        text = resources.files("sim").joinpath(EMBEDDED_SCENARIO).read_text(encoding="utf-8")
        file = f"sim/{EMBEDDED_SCENARIO}"
        raw = yaml_mapping(text, file)
    else:
        file, raw = str(path), load_yaml_mapping(path)
    return Source(file, raw, scenario_from_dict(raw, file))


def controls_from(scenario: Scenario) -> Controls:
    """The controls as the scenario sets them; settings of an architecture the scenario does
    not use start at the schema's defaults."""
    arch = scenario.architecture
    sync = arch.sync_interval_days if arch.kind == "hybrid" else 1.0
    entry = arch.entry_probability if arch.kind == "fragmented" else None
    update = arch.update_probability if arch.kind == "fragmented" else None
    own = [label for label, spec in ARCHITECTURES.items() if matches(spec, arch)]
    chosen = tuple(dict.fromkeys([*own[:1], *DEFAULT_ARCHITECTURES]))
    return Controls(
        architectures=tuple(a for a in ARCHITECTURES if a in chosen),
        seed=scenario.seed,
        horizon_days=scenario.horizon_days,
        sample_fraction=scenario.records.sample_fraction,
        behaviour=scenario.behaviour.enabled,
        deadline_seconds=arch.query_deadline_seconds,
        sync_interval_days=sync,
        entry_hub=entry.hub if entry else 1.0,
        entry_platform=entry.platform if entry else 1.0,
        update_hub=update.hub if update else 1.0,
        update_platform=update.platform if update else 1.0,
        **outage_controls(scenario),
    )


def matches(spec: Mapping[str, Any], architecture: Any) -> bool:
    return all(getattr(architecture, key, None) == value for key, value in spec.items())


def outage_controls(scenario: Scenario) -> dict[str, float]:
    values: dict[str, float] = {}
    for store in OUTAGE_STORES:
        spec = getattr(scenario.outages, store)
        values[f"{store}_mtbf_days"] = spec.mtbf_days if spec else 0.0
        values[f"{store}_mttr_hours"] = spec.mttr_hours if spec else 0.0
    return values


def common_overrides(base: Controls, chosen: Controls) -> dict[str, Any]:
    """Dotted-path overrides, shared by every architecture, for the controls that changed."""
    paths = {
        "seed": "seed",
        "horizon_days": "horizon_days",
        "sample_fraction": "records.sample_fraction",
        "behaviour": "behaviour.enabled",
    }
    out = {
        path: getattr(chosen, name) for name, path in paths.items() if changed(base, chosen, name)
    }
    for store in OUTAGE_STORES:
        out |= outage_overrides(base, chosen, store)
    return out


def changed(base: Controls, chosen: Controls, name: str) -> bool:
    return bool(getattr(base, name) != getattr(chosen, name))


def outage_overrides(base: Controls, chosen: Controls, store: str) -> dict[str, Any]:
    """``outages.<store>`` when its rates changed: removed at MTBF 0, else both rates set."""
    mtbf, mttr = f"{store}_mtbf_days", f"{store}_mttr_hours"
    if not (changed(base, chosen, mtbf) or changed(base, chosen, mttr)):
        return {}
    if getattr(chosen, mtbf) == 0:
        return {f"outages.{store}": None}
    return {
        f"outages.{store}.mtbf_days": getattr(chosen, mtbf),
        f"outages.{store}.mttr_hours": getattr(chosen, mttr),
    }


def architecture_raw(label: str, source: Source, chosen: Controls) -> dict[str, Any]:
    """The ``architecture`` mapping of one variant: the scenario's own settings when it runs
    that kind (keying delays, redistribution...), then the label's and the controls'."""
    spec = ARCHITECTURES[label]
    own = source.raw.get("architecture") or {}
    arch = dict(own) if own.get("kind") == spec["kind"] else {}
    arch.pop("index", None)  # the former spelling of routing: index; routing says it now
    arch |= spec | {"query_deadline_seconds": chosen.deadline_seconds}
    if spec["kind"] == "hybrid" and spec.get("sync") == "batch":
        arch["sync_interval_days"] = chosen.sync_interval_days
    if spec["kind"] == "fragmented":
        arch["entry_probability"] = {"hub": chosen.entry_hub, "platform": chosen.entry_platform}
        arch["update_probability"] = {"hub": chosen.update_hub, "platform": chosen.update_platform}
    return arch


SIZE_HINT = "lower the share of records simulated or the simulated days"
"""What the page suggests when a run would not fit in memory (the CLI suggests ``--yes``)."""


def variants(source: Source, chosen: Controls, memory_limit: float | None = None) -> list[Variant]:
    """One scenario per chosen architecture, validated and sized; raises :class:`ConfigError`
    (the first problem, in the CLI's one line) when a control's value is refused or a run is
    estimated above ``memory_limit`` bytes (default: the CLI's, 80 % of this machine's
    memory)."""
    if not chosen.architectures:
        raise ConfigError(source.file, "architecture", "choose at least one architecture")
    unknown = [a for a in chosen.architectures if a not in ARCHITECTURES]
    if unknown:
        raise ConfigError(source.file, "architecture", f"unknown architecture {unknown[0]!r}")
    overrides = common_overrides(controls_from(source.scenario), chosen)
    raw = apply_overrides(source.raw, overrides, source.file)
    out = []
    for label in chosen.architectures:
        variant_raw = {**raw, "architecture": architecture_raw(label, source, chosen)}
        scenario = scenario_from_dict(variant_raw, source.file)
        limit = default_max_memory() if memory_limit is None else memory_limit
        check_size(scenario, limit, source.file, SIZE_HINT)
        out.append(Variant(label, variant_raw, scenario))
    return out
