"""World presets: ``world: {preset: interpol-2023, ...}`` and its modifiers."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.config import ConfigError, resolved_dict, scenario_from_dict
from sim.config.schema import Scenario, World
from sim.data import interpol_2023_world

PRESET = {"preset": "interpol-2023"}


def resolve(world: dict[str, Any]) -> World:
    return scenario_from_dict({"world": world}).world


def countries(world: World) -> dict[str, Any]:
    return {c.code: c for c in world.countries}


def platforms_of(world: World) -> list[str]:
    return [p.name for p in world.platforms]


@pytest.fixture(scope="module")
def plain() -> World:
    return resolve(PRESET)


def test_the_preset_expands_to_the_embedded_lists(plain: World) -> None:
    assert plain == World.model_validate(interpol_2023_world())
    assert len(plain.countries) == 196 and len(plain.platforms) == 11


def test_the_resolved_scenario_holds_explicit_lists_and_no_modifiers() -> None:
    world = resolved_dict(scenario_from_dict({"world": {**PRESET, "regions": ["mena"]}}))["world"]
    assert set(world) == {"platforms", "countries"}
    assert len(world["countries"]) == 17


@pytest.mark.parametrize(
    "modifier",
    [
        {"weights": {"FRA": 2.5}},
        {"countries": [{"code": "FRA", "region": "africa"}]},
        {"countries": [{"code": "ZZZ", "region": "europe", "platforms": ["SIS"]}]},
        {"memberships": {"SIS": {"add": ["GBR"], "remove": ["CHE"]}}},
        {"platforms": [{"name": "SEPCA"}]},
        {"remove_platforms": ["PICP"]},
        {"remove_countries": ["NRU"]},
    ],
)
def test_overriding_the_preset_changes_only_what_it_names(plain: World, modifier: dict) -> None:
    changed = resolve({**PRESET, **modifier})
    before, after = countries(plain), countries(changed)
    named = _named_countries(modifier)
    untouched = [c for c in before if c not in named]
    assert [after[c] for c in untouched if c in after] == [before[c] for c in untouched]
    assert set(after) - set(before) <= named and set(before) - set(after) <= named
    kept = [p for p in platforms_of(plain) if p not in modifier.get("remove_platforms", [])]
    assert [p for p in platforms_of(changed) if p in platforms_of(plain)] == kept


def _named_countries(modifier: dict) -> set[str]:
    named = set(modifier.get("weights", {})) | set(modifier.get("remove_countries", []))
    named |= {c["code"] for c in modifier.get("countries", [])}
    for change in modifier.get("memberships", {}).values():
        named |= set(change.get("add", [])) | set(change.get("remove", []))
    if "remove_platforms" in modifier:  # its members lose the membership, nothing else
        named |= {c["code"] for c in interpol_2023_world()["countries"]
                  if set(c["platforms"]) & set(modifier["remove_platforms"])}  # fmt: skip
    return named


def test_each_modifier_does_what_it_says(plain: World) -> None:
    world = resolve(
        {
            **PRESET,
            "weights": {"FRA": 2.5},
            "countries": [
                {"code": "DEU", "region": "africa"},
                {"code": "ZZZ", "region": "europe", "platforms": ["SIS"], "weight": 0.5},
            ],
            "memberships": {"SIS": {"add": ["GBR"], "remove": ["CHE"]}},
            "platforms": [{"name": "SEPCA"}],
            "remove_platforms": ["PICP"],
            "remove_countries": ["NRU"],
        }
    )
    by_code, old = countries(world), countries(plain)
    assert by_code["FRA"].weight == 2.5
    assert by_code["DEU"].region == "africa"
    assert by_code["DEU"].platforms == old["DEU"].platforms
    assert by_code["DEU"].weight == old["DEU"].weight
    assert by_code["ZZZ"].platforms == ("SIS",) and by_code["ZZZ"].weight == 0.5
    assert "SIS" in by_code["GBR"].platforms and "SIS" not in by_code["CHE"].platforms
    assert "SEPCA" in platforms_of(world) and "PICP" not in platforms_of(world)
    assert all("PICP" not in c.platforms for c in world.countries)
    assert "NRU" not in by_code and len(world.countries) == 196


def test_a_region_subset_drops_the_platforms_left_empty() -> None:
    world = resolve({**PRESET, "regions": ["europe", "africa"]})
    assert {c.region for c in world.countries} == {"europe", "africa"}
    assert len(world.countries) == 99
    assert platforms_of(world) == ["SIS", "EUROPOL", "AFRIPOL", "WAPIS", "SARPCCO", "EAPCCO"]


def test_a_platform_added_without_members_is_kept() -> None:
    world = resolve({**PRESET, "regions": ["mena"], "platforms": [{"name": "AIMC"}]})
    assert "AIMC" in platforms_of(world) and "GCCPOL" in platforms_of(world)
    assert "SIS" not in platforms_of(world)


@pytest.mark.parametrize(
    ("world", "path", "message"),
    [
        ({"preset": "interpol-2024"}, "world.preset", "did you mean 'interpol-2023'?"),
        ({"remove_countries": ["XYZ"]}, "world.remove_countries.0", "unknown country 'XYZ'"),
        ({"remove_countries": ["FRX"]}, "world.remove_countries.0", "did you mean 'FRA'?"),
        ({"regions": ["eurpoe"]}, "world.regions.0", "did you mean 'europe'?"),
        ({"regions": "europe"}, "world.regions", "expected a list"),
        ({"weights": {"FRA": 0}}, "world.weights.FRA", "must be a number > 0, got 0"),
        ({"weights": {"FRX": 1}}, "world.weights.FRX", "did you mean 'FRA'?"),
        ({"memberships": {"SISS": {"add": ["GBR"]}}}, "world.memberships.SISS", "'SIS'?"),
        ({"memberships": {"SIS": {"ad": ["GBR"]}}}, "world.memberships.SIS.ad", "'add'?"),
        ({"memberships": {"SIS": {"add": ["GBX"]}}}, "world.memberships.SIS.add.0", "GBX"),
        ({"remove_platforms": ["PCIP"]}, "world.remove_platforms.0", "did you mean 'PICP'?"),
        ({"countries": [{"code": "FRA", "wieght": 2}]}, "world.countries.0.wieght", "'weight'?"),
        ({"countries": [{"code": "ZZZ"}]}, "world.countries.0.region", "missing required key"),
        ({"countries": [{"code": "FRA", "platforms": ["X"]}]}, "world.countries.0.platforms.0",
         "not defined"),
        ({"platforms": [{"nam": "X"}]}, "world.platforms.0.nam", "did you mean 'name'?"),
        ({"remove_country": ["FRA"]}, "world.remove_country", "did you mean 'remove_countries'?"),
        ({"regions": []}, "world", "no country is left"),
    ],
)  # fmt: skip
def test_a_bad_modifier_is_one_error_naming_its_key_path(world, path, message) -> None:
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict({"world": {**PRESET, **world}}, "s.yaml")
    assert caught.value.key_path == path
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


def test_the_schema_alone_refuses_an_unexpanded_preset() -> None:
    with pytest.raises(ValueError, match="expanded when a scenario is loaded"):
        Scenario.model_validate({"world": {**PRESET, "countries": [{"code": "A", "region": "r"}]}})


def test_pdsa_validate_exits_2_on_a_bad_modifier(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"world": {**PRESET, "remove_countries": ["XYZ"]}}))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"world": {**PRESET, "regions": ["europe"]}}))
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "world.remove_countries.0: unknown country 'XYZ'" in result.output
    assert CliRunner().invoke(main, ["validate", str(good)]).exit_code == 0


def test_set_reaches_the_modifiers(tmp_path) -> None:
    from sim.config import load_scenario

    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump({"world": PRESET}))
    scenario = load_scenario(file, ["world.regions=[mena]", "world.weights={QAT: 3}"])
    assert len(scenario.world.countries) == 17
    assert countries(scenario.world)["QAT"].weight == 3.0
    with pytest.raises(ConfigError) as caught:
        load_scenario(file, ["world.regions=[mne]"])
    assert caught.value.origin == "--set" and caught.value.key_path == "world.regions.0"
