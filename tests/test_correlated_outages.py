"""Correlated outages: failure domains whose members go down at once (``outages.correlated``).

Checked against closed forms (the down share of an alternating renewal process; federated
completeness A rather than A² when owner and querier fail together), for exact sameness of the
members' windows, determinism and common random numbers, the validation messages, the rows of
``outages.csv``, the over-time chart and the size estimate.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.config import scenario_from_dict
from sim.config.errors import ConfigError
from sim.config.schema import CorrelatedOutage
from sim.engine.domains import events, members
from sim.reporting.charts import CHARTS
from sim.reporting.loading import load_results
from sim.results import write_run_outputs
from sim.rng import Streams
from sim.runner import run_one, simulate
from sim.sizing import outage_windows
from tests.helpers import scenario

WORLD: dict[str, Any] = {
    "platforms": [{"name": "EUR"}, {"name": "AFR"}, {"name": "PLAN", "status": "planned"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["EUR"]},
        {"code": "BBB", "region": "europe", "platforms": ["EUR"]},
        {"code": "CCC", "region": "africa", "platforms": ["AFR", "PLAN"]},
        {"code": "DDD", "region": "africa", "platforms": ["AFR"]},
    ],
}
EUROPE_GRID: dict[str, Any] = {
    "name": "europe-grid",
    "domain": {"regions": ["europe"], "platforms": ["EUR"]},
    "mtbf_days": 20,
    "duration_hours": {"dist": "fixed", "value": 12},
}


def small(domains: list[dict[str, Any]], **override: Any) -> dict[str, Any]:
    """Four countries in two regions, hybrid push, every store with its own outages too."""
    return {
        "horizon_days": 200,
        "warmup_days": 20,
        "architecture": {"kind": "hybrid"},
        "world": WORLD,
        "records": {"creation_per_country_per_day": 5},
        "outages": {
            "hub": {"mtbf_days": 30, "mttr_hours": 6},
            "platform": {"mtbf_days": 25, "mttr_hours": 8},
            "ncb": {"mtbf_days": 15, "mttr_hours": 10},
            "correlated": domains,
        },
        "queries": {"per_country_per_day": 5},
    } | override


def availabilities(raw: dict[str, Any], seed: int = 3) -> dict[str, Any]:
    """Every store's availability in one run of ``raw``, by store name."""
    log, _ = simulate(scenario(raw), seed)
    named = {s.store: s.availability for s in log.stores.values()}
    named |= {f"ncb.{c}": a for c, a in zip(log.world.codes, log.node_availability, strict=True)}
    return named


# --- closed forms ------------------------------------------------------------------------------


def test_a_domain_is_down_d_over_mtbf_plus_d_of_the_time():
    """Alternating renewal process: up times Exp(mean 10 d), down times fixed d = 12 h. By the
    renewal-reward theorem the long-run share of time down is E[D] / (E[U] + E[D]) =
    0.5 / 10.5 = 0.047619. Over 10^6 days (about 95,000 cycles) the share's standard error is
    d sd(U) / (E[U] + d)^(3/2) / sqrt(T) = 0.5 x 10 / 10.5^1.5 / 1000 = 0.00015: the tolerance
    is under 3 of them, and reading the duration in days (d = 12 d) or as an exponential mean
    of the MTBF would miss by far more."""
    domain = CorrelatedOutage.model_validate(
        {
            "name": "x",
            "domain": {"hub": True},
            "mtbf_days": 10,
            "duration_hours": {"dist": "fixed", "value": 12},
        }
    )
    horizon = 1e6
    down = events(domain, horizon, Streams(1).get("outage.domain.x"))
    assert np.allclose(down.ends - down.starts, 0.5)
    assert np.all(down.starts[1:] > down.ends[:-1])  # disjoint, sorted
    assert down.down_time(0, horizon) / horizon == pytest.approx(0.5 / 10.5, abs=4e-4)
    ups = down.starts[1:] - down.ends[:-1]
    assert ups.mean() == pytest.approx(10, rel=0.01)  # up times of mean MTBF


def test_every_member_is_down_at_exactly_the_same_times():
    """A region domain alone (no outages of the stores' own): the national nodes of the
    region and the platform it names hold the domain's windows bit for bit; the other
    region's nodes, its platform and the hub are never down. Their down share over the run
    is the domain's, near d / (mtbf + d) = 0.5 / 20.5."""
    raw = small([EUROPE_GRID], horizon_days=2000)
    raw["outages"] = {"correlated": [EUROPE_GRID]}
    named = availabilities(raw)
    eur = named["platform.EUR"]
    assert eur.starts.size > 50
    for store in ("ncb.AAA", "ncb.BBB"):
        np.testing.assert_array_equal(named[store].starts, eur.starts)
        np.testing.assert_array_equal(named[store].ends, eur.ends)
    for store in ("hub", "platform.AFR", "ncb.CCC", "ncb.DDD"):
        assert not named[store].has_outages, store
    share = eur.down_time(0, 2000) / 2000
    assert share == pytest.approx(0.5 / 20.5, rel=0.2)


FEDERATED_TWO: dict[str, Any] = {
    "horizon_days": 6000,
    "warmup_days": 50,
    "architecture": {"kind": "federated"},
    "records": {"creation_per_country_per_day": 1},
    "queries": {"per_country_per_day": 1},
}


def completeness(outages: dict[str, Any], seeds=(1, 2, 3)) -> float:
    raw = FEDERATED_TWO | {"outages": outages}
    return float(np.mean([run_one(scenario(raw), seed=s).metrics["completeness"] for s in seeds]))


def test_federated_completeness_under_a_region_outage_is_a_not_a_squared():
    """Federated, two countries of one region, instantaneous links: AAA sees a record of BBB
    iff both national nodes are up. With independent outages that is A² (tests/
    test_theory.py). When the only outages are the region's, both nodes are down exactly
    when the domain is, so P(both up) = P(domain up) = A = MTBF / (MTBF + E[D]) for an
    alternating renewal process: MTBF 10 d, exponential durations of mean 24 h, A = 10/11 =
    0.9091, against A² = 0.8264 had the same failures struck each node on its own."""
    A = 10 / 11
    shared = {
        "name": "europe",
        "domain": {"regions": ["europe"]},
        "mtbf_days": 10,
        "duration_hours": {"dist": "exponential", "mean": 24},
    }
    assert completeness({"correlated": [shared]}) == pytest.approx(A, abs=0.012)


def test_federated_completeness_with_region_and_own_outages():
    """Both kinds at once: each node also fails on its own (MTBF 10 d, MTTR 24 h, A_i = 10/11)
    and the region fails (MTBF 20 d, mean 24 h, A_d = 20/21). The three processes are
    independent and a node is up iff its own process and the domain's are up, so both nodes
    are up with probability A_d A_i² = 0.9524 x 0.8264 = 0.7871 (the domain counted once per
    node would give A_d² A_i² = 0.750; the domain ignored, 0.826)."""
    outages = {
        "ncb": {"mtbf_days": 10, "mttr_hours": 24},
        "correlated": [
            {
                "name": "europe",
                "domain": {"regions": ["europe"]},
                "mtbf_days": 20,
                "duration_hours": {"dist": "exponential", "mean": 24},
            }
        ],
    }
    expected = (20 / 21) * (10 / 11) ** 2
    assert completeness(outages) == pytest.approx(expected, abs=0.012)


# --- the engine: unions, streams, determinism ------------------------------------------------


def test_members_are_the_stores_the_domain_names():
    raw = small(
        [
            {
                "name": "mix",
                "domain": {
                    "regions": ["africa"],
                    "countries": ["AAA"],
                    "platforms": ["EUR", "PLAN"],
                    "hub": True,
                },
                "scheduled": [{"start_day": 5, "duration_hours": 1}],
            }
        ]
    )
    s = scenario(raw)
    # a region's nodes only (not AFR, its platform), the planned platform has no store
    assert members(s.outages.correlated[0], s.world) == (
        "hub",
        "platform.EUR",
        "ncb.AAA",
        "ncb.CCC",
        "ncb.DDD",
    )


def test_a_member_holds_its_own_windows_and_the_domains():
    """A member's availability is the union of the windows it had without the domain (its
    own stream is untouched) and the domain's events; a store outside the domain keeps its
    windows bit for bit (common random numbers)."""
    before = availabilities(small([]))
    after = availabilities(small([EUROPE_GRID]))
    grid = events(
        scenario(small([EUROPE_GRID])).outages.correlated[0],
        200,
        Streams(3).get("outage.domain.europe-grid"),
    )
    assert grid.has_outages
    for store in ("hub", "platform.AFR", "ncb.CCC", "ncb.DDD"):
        np.testing.assert_array_equal(after[store].starts, before[store].starts)
        np.testing.assert_array_equal(after[store].ends, before[store].ends)
    grid_down = grid.starts + 0.25  # inside each 12-hour event
    for store in ("platform.EUR", "ncb.AAA", "ncb.BBB"):
        union = before[store].union(before[store], grid)
        np.testing.assert_array_equal(after[store].starts, union.starts)
        np.testing.assert_array_equal(after[store].ends, union.ends)
        assert not after[store].is_up(grid_down).any()


def test_same_seed_same_outages_other_seed_other_events():
    raw = small([EUROPE_GRID])
    first, again = run_one(scenario(raw), seed=5), run_one(scenario(raw), seed=5)
    pd.testing.assert_frame_equal(first.outages, again.outages)
    assert first.metrics == again.metrics
    other = run_one(scenario(raw), seed=6).outages
    mine = first.outages[first.outages["store"] == "domain.europe-grid"]
    theirs = other[other["store"] == "domain.europe-grid"]
    assert not np.array_equal(mine["start_day"].to_numpy()[:3], theirs["start_day"].to_numpy()[:3])


def test_scheduled_event_takes_every_member_down_for_its_window():
    """A domain with one scheduled event and no random ones: every member is down from day
    50 for 72 hours exactly, on top of its own outages."""
    blackout = {
        "name": "africa-blackout",
        "domain": {"regions": ["africa"], "platforms": ["AFR"]},
        "scheduled": [{"start_day": 50, "duration_hours": 72}],
    }
    named = availabilities(small([blackout]))
    inside = np.linspace(50, 53, 301)[:-1]
    for store in ("platform.AFR", "ncb.CCC", "ncb.DDD"):
        assert not named[store].is_up(inside).any(), store
        assert named[store].down_time(50, 53) == pytest.approx(3.0)
    assert named["ncb.AAA"].is_up(inside).any()


# --- outages.csv and the chart ------------------------------------------------------------------


def test_outages_csv_names_the_domain_of_each_period(tmp_path: Path):
    result = run_one(scenario(small([EUROPE_GRID])), seed=2)
    out = tmp_path / "run"
    write_run_outputs(result, out)
    table = pd.read_csv(out / "outages.csv", keep_default_na=False)
    assert list(table.columns) == ["store", "start_day", "end_day", "domain"]
    rows = table[table["store"] == "domain.europe-grid"]
    assert len(rows) > 3 and set(rows["domain"]) == {"europe-grid"}
    assert np.allclose(rows["end_day"] - rows["start_day"], 0.5)
    for event in rows.itertuples():
        holding = table[
            (table["start_day"] <= event.start_day)
            & (table["end_day"] >= event.end_day)
            & (table["domain"].str.split(";").apply(lambda d: "europe-grid" in d))
            & (table["store"] != "domain.europe-grid")
        ]
        assert sorted(holding["store"]) == ["EUR", "ncb.AAA", "ncb.BBB"]
    own = table[~table["store"].str.startswith("domain.") & (table["domain"] == "")]
    assert {"hub", "ncb.CCC", "ncb.AAA"} <= set(own["store"])  # their own outages, no domain
    assert set(table.loc[table["store"].isin(["hub", "ncb.CCC", "ncb.DDD"]), "domain"]) == {""}


def test_outages_csv_without_domains_keeps_its_rows():
    result = run_one(scenario(small([])), seed=2)
    assert list(result.outages.columns) == ["store", "start_day", "end_day", "domain"]
    assert not result.outages["store"].str.startswith("domain.").any()
    assert set(result.outages["domain"]) == {""}


def test_over_time_chart_hatches_the_domain_events(tmp_path: Path):
    result = run_one(scenario(small([EUROPE_GRID])), seed=2)
    write_run_outputs(result, tmp_path / "run")
    results = load_results(tmp_path / "run")
    fig, _ = CHARTS["over_time"](results)
    events_rows = results.outages[results.outages["store"] == "domain.europe-grid"]
    hatched = fig.findobj(lambda a: a.get_gid() == "domain-outage")
    grey = fig.findobj(lambda a: a.get_gid() == "outage")
    assert len(hatched) == 2 * len(events_rows) > 0  # both panels
    assert len(grey) == 2 * (len(results.outages) - len(events_rows))
    assert any("europe-grid" in t.get_text() for t in fig.texts)


# --- validation ---------------------------------------------------------------------------------

BAD = [
    ("regions", "eurpe", "outages.correlated.0.domain.regions.0", "did you mean 'europe'?"),
    ("countries", "AAB", "outages.correlated.0.domain.countries.0", "did you mean 'AAA'?"),
    ("platforms", "EURO", "outages.correlated.0.domain.platforms.0", "did you mean 'EUR'?"),
]


@pytest.mark.parametrize(("section", "name", "path", "hint"), BAD, ids=[b[0] for b in BAD])
def test_an_unknown_member_is_named_with_the_closest(section, name, path, hint):
    raw = small([EUROPE_GRID | {"domain": {section: [name]}}])
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(raw, "s.yaml")
    assert error.value.key_path == path
    assert hint in error.value.message and repr(name) in error.value.message


@pytest.mark.parametrize(
    ("entry", "path", "fragment"),
    [
        ({"domain": {}}, "outages.correlated.0.domain", "names no store"),
        ({"mtbf_days": None, "duration_hours": None}, "outages.correlated.0", "no events"),
        ({"duration_hours": None}, "outages.correlated.0.duration_hours", "required"),
        ({"mtbf_days": 0}, "outages.correlated.0.mtbf_days", "must be"),
        ({"domian": {}}, "outages.correlated.0.domian", "did you mean 'domain'?"),
    ],
)
def test_a_domain_that_cannot_work_is_refused(entry, path, fragment):
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(small([EUROPE_GRID | entry]), "s.yaml")
    assert error.value.key_path == path and fragment in error.value.message


def test_duplicate_domain_names_are_refused():
    with pytest.raises(ConfigError) as error:
        scenario_from_dict(small([EUROPE_GRID, EUROPE_GRID]), "s.yaml")
    assert error.value.key_path == "outages.correlated.1.name"


BAD_FILE = """\
name: t
horizon_days: 100
world:
  platforms: [{name: WAPIS}]
  countries:
    - {code: NGA, region: africa, platforms: [WAPIS]}
    - {code: FRA, region: europe}
outages:
  correlated:
    - name: west-africa
      domain: {regions: [afrika], platforms: [WAPIS]}
      mtbf_days: 100
      duration_hours: {dist: fixed, value: 12}
"""


def test_cli_refuses_an_unknown_region_in_one_line_exit_2_nothing_written(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text(BAD_FILE)
    out = tmp_path / "out"
    for args in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert lines == [
            f"{path}: outages.correlated.0.domain.regions.0: 'afrika' is not a region of the"
            " world; did you mean 'africa'?"
        ]
    assert not out.exists()


# --- sizing and the reading of a scenario ---------------------------------------------------------


def test_size_estimate_counts_the_domain_windows():
    """Each domain: horizon / (mtbf + mean duration) events plus the scheduled ones, held by
    the domain and by every member: (200 / (20 + 0.5) + 1) x (1 + 3)."""
    domain = EUROPE_GRID | {"scheduled": [{"start_day": 5, "duration_hours": 2}]}
    raw = small([domain])
    without = outage_windows(scenario(small([])))
    windows = outage_windows(scenario(raw))
    assert windows["domains"] == pytest.approx((200 / 20.5 + 1) * 4)
    assert {k: v for k, v in windows.items() if k != "domains"} == {
        k: v for k, v in without.items() if k != "domains"
    }
    assert without["domains"] == 0


def test_summary_says_what_goes_down_and_how_often():
    domain = CorrelatedOutage.model_validate(
        EUROPE_GRID | {"scheduled": [{"start_day": 165, "duration_hours": 72}]}
    )
    assert domain.summary() == (
        "regions europe; platforms EUR: one every 20 days, lasting 12 hours on average;"
        " scheduled: day 165 for 72 hours"
    )
    assert math.isclose(domain.duration_hours.mean_value(), 12)  # type: ignore[union-attr]


def test_the_regional_outage_scenario_takes_west_africa_down_together():
    """The shipped scenario, 40 days, its forced event moved to day 20 and its random ones
    made rare: WAPIS and the 17 national nodes are down from day 20 for 120 hours, with the
    domain named; no other store is; and West Africa's officers (in the africa region) lose
    searches while the other regions do not."""
    from sim.config import load_scenario

    file = Path(__file__).resolve().parent.parent / "scenarios" / "world-2023-regional-outage.yaml"
    quiet = ["horizon_days=40", "warmup_days=10", "outages.correlated.0.mtbf_days=1000000"]
    forced = run_one(load_scenario(file, [*quiet, "outages.correlated.0.scheduled.0.start_day=20"]))
    calm = run_one(load_scenario(file, [*quiet, "outages.correlated.0.scheduled.0.start_day=50"]))
    table = forced.outages
    event = table[table["store"] == "domain.west-africa-network"]
    assert event[["start_day", "end_day"]].values.tolist() == [[20.0, 25.0]]
    hit = table[
        table["domain"].str.contains("west-africa-network")
        & (table["start_day"] <= 20)
        & (table["end_day"] >= 25)
    ]
    stores = set(hit["store"]) - {"domain.west-africa-network"}
    assert len(stores) == 18 and "WAPIS" in stores and "ncb.NGA" in stores
    assert not table[table["store"] == "ncb.FRA"]["domain"].astype(bool).any()
    africa = forced.by_region["africa"]["query_availability"]
    assert africa < calm.by_region["africa"]["query_availability"] - 0.02
    europe = forced.by_region["europe"]["query_availability"]
    assert europe == pytest.approx(calm.by_region["europe"]["query_availability"], abs=0.01)
