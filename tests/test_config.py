"""Loading, overriding and fingerprinting scenarios."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

import sim.config
from sim.config import (
    ConfigError,
    Scenario,
    apply_overrides,
    load_scenario,
    resolved_dict,
    scenario_from_dict,
    scenario_sha256,
)
from sim.config.loading import load_yaml_mapping
from sim.config.overrides import set_dotted, validate_path
from sim.config.schema import Exponential, Fragmented, Hybrid

ROOT = Path(__file__).resolve().parents[1]
CENTRALIZED = ROOT / "scenarios" / "two-countries-centralized.yaml"
HYBRID = ROOT / "scenarios" / "two-countries-hybrid-batch.yaml"
MINIMAL = {"world": {"countries": [{"code": "AAA", "region": "europe"}]}}


def test_public_namespace() -> None:
    expected = {
        "load_scenario",
        "scenario_from_dict",
        "apply_overrides",
        "ConfigError",
        "scenario_sha256",
        "resolved_dict",
        "Scenario",
    }
    assert expected <= set(sim.config.__all__)
    assert all(hasattr(sim.config, name) for name in sim.config.__all__)


def test_config_error_is_one_line() -> None:
    error = ConfigError("scenarios/x.yaml", "records.scope", "scope proportions must sum to 1")
    assert str(error) == "scenarios/x.yaml: records.scope: scope proportions must sum to 1"
    assert str(ConfigError(None, "", "file is empty")) == "file is empty"
    assert str(error.with_origin("--set")) == (
        "scenarios/x.yaml: --set records.scope: scope proportions must sum to 1"
    )


def test_shipped_two_country_scenarios() -> None:
    centralized = load_scenario(CENTRALIZED)
    assert centralized.name == "two-countries-centralized"
    assert centralized.seed == 7
    assert centralized.records.lifetime_days == Exponential(dist="exponential", mean=30)
    assert centralized.records.scope.shares() == (1.0, 0.0, 0.0)
    hybrid = load_scenario(HYBRID)
    assert hybrid.architecture == Hybrid(kind="hybrid", sync="batch", sync_interval_days=7)
    assert [c.platforms for c in hybrid.world.countries] == [("EUR",), ("AFR",)]
    assert [c.region for c in hybrid.world.countries] == ["europe", "africa"]


def test_default_demo_scenario() -> None:
    from sim.architectures import demo_settings
    from sim.commands.demo import demo_scenarios

    variants = demo_scenarios()
    assert list(variants) == list(demo_settings())
    assert [s.architecture.label() for s in variants.values()] == [
        "centralized",
        "federated",
        "federated by issuer",
        "hybrid push",
        "fragmented",
    ]
    default = variants["fragmented"]
    assert isinstance(default.architecture, Fragmented)
    assert default.architecture.entry_probability.hub == 0.85
    assert default.architecture.update_probability.platform == 0.8
    assert len(default.world.countries) == 12
    assert {c.region for c in default.world.countries} == {
        "europe",
        "africa",
        "asia_south_pacific",
    }
    memberships = [len(c.platforms) for c in default.world.countries]
    assert 0 in memberships and 2 in memberships
    assert default.records.scope.shares() == (0.8, 0.15, 0.05)
    assert (default.horizon_days, default.warmup_days) == (365, 60)
    assert demo_scenarios(120)["centralized"].horizon_days == 120


def test_set_changes_the_resolved_scenario() -> None:
    scenario = load_scenario(
        CENTRALIZED, ["records.scope.global=0.9", "records.scope.regional=0.1"]
    )
    assert resolved_dict(scenario)["records"]["scope"] == {
        "global": 0.9,
        "regional": 0.1,
        "national": 0.0,
    }


def test_set_parses_values_as_yaml() -> None:
    scenario = load_scenario(
        HYBRID,
        [
            "world.countries.0.weight=2",
            "architecture={kind: federated, index: true}",
            "world.countries.1.platforms=[]",
        ],
    )
    assert scenario.world.countries[0].weight == 2
    assert scenario.architecture.kind == "federated"
    assert scenario.architecture.index is True
    assert scenario.world.countries[1].platforms == ()


def test_set_inside_an_omitted_distribution_keeps_its_default_dist() -> None:
    raw = apply_overrides(MINIMAL, ["records.lifetime_days.mean=3"])
    assert raw["records"]["lifetime_days"] == {"dist": "exponential", "mean": 3}
    assert scenario_from_dict(raw).records.lifetime_days.mean == 3


def test_set_follows_the_kind_set_before_it() -> None:
    raw = apply_overrides(MINIMAL, {"architecture.kind": "hybrid", "architecture.sync": "batch"})
    assert scenario_from_dict(raw).architecture == Hybrid(kind="hybrid", sync="batch")


def test_overrides_leave_the_input_unchanged() -> None:
    raw = load_yaml_mapping(CENTRALIZED)
    before = copy.deepcopy(raw)
    apply_overrides(raw, ["records.lifetime_days.mean=5", "world.countries.0.weight=3"])
    assert raw == before


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("records.foo", "unknown key 'foo'"),
        ("records.scope.globl", "did you mean 'global'?"),
        ("architecture.sync_interval_days", "for architecture kind 'centralized'"),
        ("world.countries.first", "not a list index"),
        ("horizon_days.x", "single value"),
    ],
)
def test_validate_path_refuses_paths_outside_the_schema(path: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_path(path)
    assert caught.value.key_path == path
    assert message in caught.value.message


def test_validate_path_accepts_keys_the_file_omits() -> None:
    for path in ("stores.hub.servers", "outages.platform.mtbf_days", "records.scope.global"):
        validate_path(path, MINIMAL)
    validate_path("architecture.sync", {"architecture": {"kind": "hybrid"}})


def test_set_dotted_refuses_missing_list_items() -> None:
    with pytest.raises(ConfigError, match="out of range"):
        set_dotted(MINIMAL, "world.countries.1.weight", 2)


def test_set_error_names_the_file_and_origin() -> None:
    with pytest.raises(ConfigError) as caught:
        load_scenario(CENTRALIZED, ["queries.per_country_per_dya=5"])
    assert str(caught.value).startswith(f"{CENTRALIZED}: --set queries.per_country_per_dya: ")
    assert "did you mean 'per_country_per_day'?" in str(caught.value)


def test_bad_value_from_set_is_attributed_to_set() -> None:
    with pytest.raises(ConfigError) as caught:
        load_scenario(CENTRALIZED, ["queries.hit_fraction=3"])
    assert caught.value.origin == "--set"
    assert caught.value.key_path == "queries.hit_fraction"


def test_sha256_is_stable_and_tracks_meaning() -> None:
    first = scenario_sha256(load_scenario(CENTRALIZED))
    assert first == scenario_sha256(load_scenario(CENTRALIZED))
    assert len(first) == 64
    changed = load_scenario(CENTRALIZED, ["records.lifetime_days.mean=31"])
    assert scenario_sha256(changed) != first


def test_sha256_ignores_how_the_file_is_written() -> None:
    explicit = dict(MINIMAL, horizon_days=365.0, records={"scope": {"global": 1.0}})
    assert scenario_sha256(scenario_from_dict(MINIMAL)) == scenario_sha256(
        scenario_from_dict(explicit)
    )


def test_resolved_dict_uses_file_key_names() -> None:
    resolved = resolved_dict(scenario_from_dict(MINIMAL))
    assert "global" in resolved["records"]["scope"]
    assert Scenario.model_validate(resolved) == scenario_from_dict(MINIMAL)


def test_more_errors_are_counted() -> None:
    raw = dict(MINIMAL, queries={"hit_fraction": 2, "per_country_per_day": -1})
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict(raw, "f.yaml")
    assert caught.value.message.endswith("(and 1 more error)")


def test_typo_is_reported_before_the_missing_key_it_causes() -> None:
    raw = dict(MINIMAL, outages={"hub": {"mtbf_days": 10, "mttr_hour": 3}})
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict(raw)
    assert caught.value.key_path == "outages.hub.mttr_hour"
    assert "did you mean 'mttr_hours'?" in caught.value.message


def test_non_mapping_input() -> None:
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        scenario_from_dict([1, 2], "f.yaml")


def test_scenario_reference_is_up_to_date():
    """docs/scenario-reference.md is generated from the schema: regenerate it with
    ``python -m sim.config.reference > docs/scenario-reference.md`` after a schema change."""
    from pathlib import Path

    from sim.config.reference import reference

    path = Path(__file__).parent.parent / "docs" / "scenario-reference.md"
    assert path.read_text() == reference()
