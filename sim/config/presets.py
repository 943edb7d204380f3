"""World presets: ``world: {preset: interpol-2023, ...}`` expanded into explicit lists.

This module owns turning a preset and its modifiers into the plain ``platforms`` and
``countries`` lists of the schema, on the raw mapping and before validation, so that the
resolved scenario (``summary.json``) holds the lists a run actually used. Modifiers name only
what they change; everything they do not name stays as the preset has it. They apply in this
order:

1. ``platforms: [{name: X, status: planned}, ...]`` adds platforms, or overrides the keys given
   of an existing one (its status, its entry share, its outages);
2. ``countries: [{code: FRA, region: ..., platforms: [...], weight: ...}, ...]`` overrides the
   keys given for an existing code, or adds a new country (then ``region`` is required);
3. ``memberships: {SIS: {add: [GBR], remove: [CHE]}}`` edits platform memberships;
4. ``weights: {FRA: 2.0}`` sets activity weights;
5. ``remove_platforms: [X]`` removes platforms, and their members' memberships;
6. ``regions: [europe, africa]`` keeps only those regions' countries;
7. ``remove_countries: [XYZ]`` removes countries.

Platforms left with no member by steps 5-7 are dropped. Every problem is one
:class:`ConfigError` naming the modifier's key path, with the closest valid name for typos.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from sim.config.errors import (
    ConfigError,
    closest,
    excerpt,
    from_validation_error,
    unknown_key_message,
    unknown_tag_message,
)
from sim.config.schema import MAX_WEIGHT, Scenario

MODIFIERS = (
    "platforms",
    "countries",
    "memberships",
    "weights",
    "remove_platforms",
    "regions",
    "remove_countries",
)


def _interpol_2023() -> dict[str, Any]:
    from sim.data.world import interpol_2023_world  # pandas only when a preset is used

    return interpol_2023_world()


PRESETS: dict[str, Callable[[], dict[str, Any]]] = {"interpol-2023": _interpol_2023}
"""Preset name -> function returning the world mapping (``platforms``, ``countries``)."""


def expand_world(raw: Mapping[str, Any], file: str | None = None) -> dict[str, Any]:
    """``raw`` with ``world`` expanded when it names a preset; ``raw`` itself is unchanged."""
    world = raw.get("world")
    if not isinstance(world, Mapping) or "preset" not in world:
        return dict(raw)
    return {**raw, "world": _Expansion(world, file).result()}


class _Expansion:
    """One preset with its modifiers applied, checked as it goes."""

    def __init__(self, world: Mapping[str, Any], file: str | None) -> None:
        self.spec = world
        self.file = file
        for key in world:
            if key not in ("preset", *MODIFIERS):
                self.fail(str(key), unknown_key_message(str(key), ["preset", *MODIFIERS]))
        base = _preset(world["preset"], file)
        self.platforms: list[dict[str, Any]] = base["platforms"]
        self.countries: dict[str, dict[str, Any]] = {c["code"]: c for c in base["countries"]}

    def fail(self, path: str, message: str) -> None:
        raise ConfigError(self.file, ".".join(p for p in ("world", path) if p), message)

    def result(self) -> dict[str, Any]:
        self.add_platforms()
        self.override_countries()
        self.edit_memberships()
        self.set_weights()
        members_before = self.platform_sizes()
        self.remove_platforms()
        self.keep_regions()
        self.remove_countries()
        self.drop_emptied(members_before)
        if not self.countries:
            self.fail("", "no country is left after regions and remove_countries")
        return {"platforms": self.platforms, "countries": list(self.countries.values())}

    # --- reading the modifiers --------------------------------------------------------------

    def items(self, key: str) -> list[Any]:
        value = self.spec.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, got {excerpt(value)} ({type(value).__name__})")
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.spec.get(key, {})
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(key, f"expected a mapping, got {excerpt(value)} ({type(value).__name__})")
        return value

    def names(self, key: str, known: list[str], noun: str) -> list[str]:
        """The strings listed under ``key``, each one of ``known``."""
        values = self.items(key)
        for i, value in enumerate(values):
            self.check_name(f"{key}.{i}", value, known, noun)
        return values

    def check_name(self, path: str, value: Any, known: list[str], noun: str) -> None:
        if not isinstance(value, str):
            got = f"{excerpt(value)} ({type(value).__name__})"
            self.fail(path, f"expected a {noun} name, got {got}")
        if value not in known:
            self.fail(path, _unknown(noun, value, known))

    def platform_names(self) -> list[str]:
        return [p["name"] for p in self.platforms]

    # --- the steps --------------------------------------------------------------------------

    def add_platforms(self) -> None:
        for i, entry in enumerate(self.items("platforms")):
            checked = _checked_platform(entry, i, self.file)
            names = self.platform_names()
            if checked["name"] in names:  # the keys given override the preset's
                at = names.index(checked["name"])
                self.platforms[at] = {**self.platforms[at], **checked}
            else:
                self.platforms.append(checked)

    def override_countries(self) -> None:
        for i, entry in enumerate(self.items("countries")):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("code"), str):
                message = f"expected a mapping with a 'code', got {excerpt(entry)}"
                self.fail(f"countries.{i}", message)
            merged = {**self.countries.get(entry["code"], {}), **entry}
            self.countries[entry["code"]] = _checked_country(
                merged, i, self.platform_names(), self.file
            )

    def edit_memberships(self) -> None:
        for name, change in self.mapping("memberships").items():
            path = f"memberships.{name}"
            self.check_name(path, name, self.platform_names(), "platform")
            if not isinstance(change, Mapping):
                self.fail(path, f"expected {{add: [...], remove: [...]}}, got {excerpt(change)}")
            for key in change:
                if key not in ("add", "remove"):
                    self.fail(f"{path}.{key}", unknown_key_message(str(key), ["add", "remove"]))
            for verb in ("add", "remove"):
                for code in self.codes_under(f"{path}.{verb}", change.get(verb)):
                    self.set_member(code, name, verb == "add")

    def codes_under(self, path: str, listed: Any) -> list[str]:
        if listed is None:
            return []
        if not isinstance(listed, list):
            self.fail(path, f"expected a list of country codes, got {excerpt(listed)}")
        for j, code in enumerate(listed):
            self.check_name(f"{path}.{j}", code, list(self.countries), "country")
        return listed

    def set_member(self, code: str, platform: str, member: bool) -> None:
        country = self.countries[code]
        current = [p for p in country.get("platforms", []) if p != platform]
        country["platforms"] = current + [platform] if member else current

    def set_weights(self) -> None:
        for code, weight in self.mapping("weights").items():
            self.check_name(f"weights.{code}", code, list(self.countries), "country")
            number = isinstance(weight, int | float) and not isinstance(weight, bool)
            if not number or not 0 < weight <= MAX_WEIGHT:  # also refuses nan and inf
                message = f"must be a number > 0, got {excerpt(weight)}"
                self.fail(f"weights.{code}", f"{message} (at most {MAX_WEIGHT:,.0f})")
            self.countries[code]["weight"] = float(weight)

    def remove_platforms(self) -> None:
        gone = set(self.names("remove_platforms", self.platform_names(), "platform"))
        self.platforms = [p for p in self.platforms if p["name"] not in gone]
        for country in self.countries.values():
            country["platforms"] = [p for p in country.get("platforms", []) if p not in gone]

    def keep_regions(self) -> None:
        if self.spec.get("regions") is None:
            return
        known = sorted({c["region"] for c in self.countries.values()})
        kept = set(self.names("regions", known, "region"))
        self.countries = {k: c for k, c in self.countries.items() if c["region"] in kept}

    def remove_countries(self) -> None:
        gone = set(self.names("remove_countries", list(self.countries), "country"))
        self.countries = {k: c for k, c in self.countries.items() if k not in gone}

    def platform_sizes(self) -> dict[str, int]:
        sizes = dict.fromkeys(self.platform_names(), 0)
        for country in self.countries.values():
            for name in country.get("platforms", []):
                sizes[name] = sizes.get(name, 0) + 1
        return sizes

    def drop_emptied(self, before: dict[str, int]) -> None:
        """Drop the platforms that had members before the removals and have none after."""
        after = self.platform_sizes()
        self.platforms = [
            p for p in self.platforms if not (before.get(p["name"]) and not after.get(p["name"]))
        ]


def _preset(name: Any, file: str | None) -> dict[str, Any]:
    if not isinstance(name, str) or name not in PRESETS:
        message = unknown_tag_message("preset", name, list(PRESETS))
        raise ConfigError(file, "world.preset", message)
    return copy.deepcopy(PRESETS[name]())


def _unknown(noun: str, value: str, known: list[str]) -> str:
    guess = closest(value, known)
    if guess is not None:
        return f"unknown {noun} {excerpt(value)}; did you mean {excerpt(guess)}?"
    if len(known) <= 12:
        return f"unknown {noun} {excerpt(value)} (valid: {', '.join(known)})"
    return f"unknown {noun} {excerpt(value)}"


# --- checking one entry against the schema, with its path in the file ----------------------

_COUNTRY_PATH = re.compile(r"^world\.countries\.0\b")
_PLATFORM_PATH = re.compile(r"^world\.platforms\.0\b")
_PLACEHOLDER = {"code": "__placeholder__", "region": "__placeholder__"}


def _checked_country(
    entry: dict[str, Any], index: int, platforms: list[str], file: str | None
) -> dict[str, Any]:
    """``entry`` validated as a country of a world with ``platforms``; errors at its file index."""
    # The placeholder keeps pydantic from adding "needs at least 1 item" when ``entry`` fails.
    world = {"platforms": [{"name": n} for n in platforms], "countries": [entry, _PLACEHOLDER]}
    _validate_world(world, _COUNTRY_PATH, f"world.countries.{index}", file)
    return dict(entry)


def _checked_platform(entry: Any, index: int, file: str | None) -> dict[str, Any]:
    world = {"platforms": [entry], "countries": [_PLACEHOLDER]}
    _validate_world(world, _PLATFORM_PATH, f"world.platforms.{index}", file)
    return dict(entry)


def _validate_world(
    world: dict[str, Any], local: re.Pattern[str], path: str, file: str | None
) -> None:
    try:
        Scenario.model_validate({"world": world})
    except ValidationError as exc:
        error = from_validation_error(exc, file)
        raise ConfigError(file, local.sub(path, error.key_path), error.message) from None
