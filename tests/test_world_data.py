"""The embedded INTERPOL 2023 world: counts, memberships and the preset's schema validity."""

from __future__ import annotations

import re

import pytest

from sim.config.schema import World
from sim.data import (
    REGIONS,
    activity_weight,
    interpol_2023_world,
    load_countries,
    load_memberships,
    load_platforms,
)
from sim.world import WorldIndex

ASEANAPOL = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"}
GCCPOL = {"BHR", "KWT", "OMN", "QAT", "SAU", "ARE"}
EU = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
}  # fmt: skip
# Plausible region sizes: DOMAIN.md's rough figures, widened for the documented judgement calls.
REGION_SIZES = {
    "africa": (45, 56),
    "americas": (35, 40),
    "asia_south_pacific": (36, 46),
    "europe": (45, 55),
    "mena": (15, 21),
}


@pytest.fixture(scope="module")
def countries():
    return load_countries()


@pytest.fixture(scope="module")
def memberships():
    return load_memberships()


def members(memberships, platform: str) -> set[str]:
    return set(memberships.loc[memberships["platform"] == platform, "code"])


def test_exactly_196_member_countries_with_unique_iso3_codes(countries):
    assert len(countries) == 196
    assert countries["code"].is_unique
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in countries["code"])


def test_judgement_calls_on_membership(countries):
    codes = set(countries["code"])
    assert {"PLW", "FSM", "KIR", "VUT", "NRU", "SLB", "PSE", "VAT"} <= codes
    assert {"ABW", "CUW", "SXM"} <= codes  # Dutch Caribbean countries with their own NCB
    assert not {"PRK", "TUV", "XKX", "TWN"} & codes


def test_every_country_in_exactly_one_known_region_of_plausible_size(countries):
    assert set(countries["region"]) == set(REGIONS)
    for region, (low, high) in REGION_SIZES.items():
        assert low <= (countries["region"] == region).sum() <= high, region


def test_weights_positive_and_follow_the_documented_rule(countries):
    assert (countries["weight"] > 0).all()
    median = countries["population_millions"].median()
    for row in countries.itertuples():
        assert row.weight == activity_weight(row.population_millions, median), row.code


def test_weight_basis_marks_clipped_rows(countries):
    floor = countries["weight_basis"] == "sqrt_population_floor"
    cap = countries["weight_basis"] == "sqrt_population_cap"
    assert (countries.loc[floor, "weight"] == 0.2).all()
    assert (countries.loc[cap, "weight"] == 5.0).all()
    assert set(countries["weight_basis"]) <= {
        "sqrt_population",
        "sqrt_population_floor",
        "sqrt_population_cap",
    }


@pytest.mark.parametrize(
    ("platform", "expected"),
    [("ASEANAPOL", ASEANAPOL), ("GCCPOL", GCCPOL), ("EUROPOL", EU)],
)
def test_platforms_with_exactly_known_membership(memberships, platform, expected):
    assert members(memberships, platform) == expected


def test_platform_sizes(memberships):
    assert len(members(memberships, "WAPIS")) == 17
    assert len(members(memberships, "EUROPOL")) == 27
    assert members(memberships, "SIS") == EU | {"ISL", "LIE", "NOR", "CHE"}


def test_afripol_is_african_and_memberships_are_unique(countries, memberships):
    region = countries.set_index("code")["region"]
    assert {region[c] for c in members(memberships, "AFRIPOL")} == {"africa", "mena"}
    assert not memberships.duplicated().any()


def test_every_member_is_a_member_country_and_every_platform_is_defined(countries, memberships):
    assert set(memberships["code"]) <= set(countries["code"])
    platforms = load_platforms()
    assert platforms["name"].is_unique
    assert set(memberships["platform"]) == set(platforms["name"])
    assert set(platforms["confidence"]) <= {"high", "medium", "low"}


def test_interpol_2023_world_validates_against_the_schema():
    world = World.model_validate(interpol_2023_world())
    assert len(world.countries) == 196
    by_code = {c.code: c for c in world.countries}
    assert by_code["FRA"].platforms == ("SIS", "EUROPOL")
    assert by_code["FRA"].region == "europe"
    assert by_code["CHN"].weight == 5.0
    assert by_code["VAT"].platforms == ()


def test_every_platform_says_how_it_is_and_why():
    """Each platform's status is one of the three, an entry share where given is a share, and
    every status and share is marked with its source or assumption."""
    platforms = load_platforms()
    assert set(platforms["status"]) <= {"operational", "planned", "none"}
    assert all(b.startswith(("[S", "[E")) for b in platforms["status_basis"])
    shares = [float(x) for x in platforms["entry_probability"] if x]
    assert shares and all(0 <= x <= 1 for x in shares)
    assert set(platforms.loc[platforms["status"] != "operational", "entry_probability"]) <= {""}
    world = World.model_validate(interpol_2023_world())
    operational = WorldIndex.from_schema(world).platforms
    assert list(operational) == list(platforms.loc[platforms["status"] == "operational", "name"])
