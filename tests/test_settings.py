"""Settings by region, platform and country: the most specific wins, every run reads them
through the plan, and a setting naming no part of the world is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from sim.architectures import plan_of
from sim.cli import main
from sim.runner import run_one, simulate
from sim.settings import Resolved
from sim.topology import Manual
from sim.world import WorldIndex
from tests.helpers import scenario

WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P2"]},
        {"code": "DDD", "region": "africa"},
    ],
}


def fixed(hours: float) -> dict:
    return {"dist": "fixed", "value": hours}


def resolved(settings: dict, **more) -> Resolved:
    s = scenario({"world": WORLD, "settings": settings, **more})
    return Resolved(s, WorldIndex.from_schema(s.world))


def test_the_most_specific_setting_wins():
    """Country over platform over region over the world, key by key: a country that sets only
    the change delay keeps its region's query delay."""
    r = resolved(
        {
            "regions": {
                "africa": {
                    "links": {
                        "ncb_to_platform": {
                            "delay_hours": fixed(10),
                            "query_delay_seconds": fixed(3),
                        }
                    }
                }
            },
            "platforms": {"P2": {"links": {"ncb_to_platform": {"delay_hours": fixed(20)}}}},
            "countries": {"CCC": {"links": {"ncb_to_platform": {"delay_hours": fixed(30)}}}},
        },
        links={"ncb_to_platform": {"delay_hours": fixed(1)}},
    )
    a, b, c, d = range(4)
    p1, p2 = 0, 1
    assert r.profile("ncb_to_platform", a, p1).change_delay_hours.value == 1  # the world's
    assert r.profile("ncb_to_platform", b, p2).change_delay_hours.value == 20  # the platform's
    ccc = r.profile("ncb_to_platform", c, p2)
    assert ccc.change_delay_hours.value == 30  # the country's, over P2's and Africa's
    assert ccc.query_delay_seconds.value == 3  # the key it does not set: its region's
    assert ccc.link == "ncb_to_platform@c:CCC+r:africa"
    assert r.profile("ncb_to_platform", d).change_delay_hours.value == 10  # its region's
    assert r.profile("ncb_to_platform", a, p1).link == "ncb_to_platform"


def test_keying_node_outages_capacity_and_staff_follow_the_same_order():
    world_manual = Manual(0.9, 0.8)
    r = resolved(
        {
            "regions": {
                "africa": {
                    "entry": {"platform": {"entry_probability": 0.5, "update_probability": 0.4}},
                    "outages": {"mtbf_days": 5, "mttr_hours": 10},
                    "store": {"servers": 3},
                    "staff_hours_per_day": 2.0,
                }
            },
            "platforms": {"P2": {"entry": {"entry_probability": 0.7}}},
            "countries": {"DDD": {"staff_hours_per_day": 1.0}},
        },
        world={
            **WORLD,
            "countries": [*WORLD["countries"][:3], {**WORLD["countries"][3], "weight": 2.0}],
        },
        outages={"ncb": {"mtbf_days": 50, "mttr_hours": 1}},
    )
    assert r.keying(2, 1, world_manual) == Manual(0.7, 0.4)  # P2's entry, Africa's update
    assert r.keying(0, 0, world_manual) == world_manual
    assert r.keying(2, None, world_manual) == world_manual  # Africa set the platforms only
    assert r.node_outages(3).mtbf_days == 5 and r.node_outages(0).mtbf_days == 50
    assert r.node_store(2).servers == 3 and r.node_store(1).servers is None
    assert r.staff_hours_per_day(3) == 2.0  # DDD's 1 hour, times its weight 2
    assert r.staff_hours_per_day(2) == 2.0 and r.staff_hours_per_day(0) == 8.0


def test_a_region_with_a_slower_link_sees_its_own_records_later():
    """Centralized, lifetimes Exp(L = 30 d), no outages; changes from Europe reach the hub at
    once, Africa's after a fixed d = 2 days. A record is returned from creation + d to its
    deletion: E[(Lifetime - d)^+] / E[Lifetime] = e^(-d/L). Officers see the others' records:
    Europe's see Africa's with completeness e^(-2/30) = 0.93551, Africa's see Europe's in
    full."""
    s = scenario(
        {
            "horizon_days": 1200,
            "warmup_days": 100,
            "world": {
                "countries": [
                    {"code": "AAA", "region": "europe"},
                    {"code": "BBB", "region": "africa"},
                ]
            },
            "settings": {
                "regions": {"africa": {"links": {"ncb_to_hub": {"delay_hours": fixed(48)}}}}
            },
        }
    )
    seen = [run_one(s, seed=seed).by_region for seed in (1, 2, 3)]
    europe = np.mean([r["europe"]["completeness"] for r in seen])
    assert europe == pytest.approx(math.exp(-2 / 30), abs=0.002)
    assert all(r["africa"]["completeness"] == pytest.approx(1.0, abs=1e-12) for r in seen)


def test_federated_owners_whose_answers_miss_the_deadline_are_never_seen():
    """Africa's national nodes answer over a link that takes 20 s each way, the deadline is 30
    s: their records are never returned in time (completeness 0 for the officers who look at
    them), while Europe's answer at once (1); the plan weighs each group of owners by its own
    chance, exact for fixed delays."""
    s = scenario(
        {
            "horizon_days": 200,
            "warmup_days": 20,
            "architecture": {"kind": "federated"},
            "world": {
                "countries": [
                    {"code": "AAA", "region": "europe"},
                    {"code": "BBB", "region": "africa"},
                ]
            },
            "settings": {
                "regions": {"africa": {"links": {"ncb_to_ncb": {"query_delay_seconds": fixed(20)}}}}
            },
        }
    )
    result = run_one(s, seed=2)
    assert result.by_region["europe"]["completeness"] == 0.0  # Europe's officers, Africa's records
    assert result.by_region["africa"]["completeness"] == pytest.approx(1.0, abs=1e-12)
    log, _ = simulate(s, 2)
    assert sorted(log.answer_probability) == [0.0, 1.0]
    assert len(log.plan.consults) == 2


def test_an_even_world_plans_one_row_per_route_as_before():
    s = scenario({"world": WORLD, "architecture": {"kind": "hybrid"}})
    plan = plan_of(s.architecture, WorldIndex.from_schema(s.world), s)
    assert len(plan.routes) == 2 + 1 + 2  # to each platform, the hub alone, each platform up
    assert {p.link for p in plan.profiles()} == {
        "ncb_to_platform",
        "ncb_to_hub",
        "platform_to_hub",
    }


def test_a_planned_platform_has_no_store_and_its_members_use_the_hub():
    """P2 planned: no store, no route, no search; CCC (in P2 alone) writes to the hub
    directly under hybrid, and a regional record of CCC's is shared with no one (no
    operational platform joins it to another NCB)."""
    world = {**WORLD, "platforms": [{"name": "P1"}, {"name": "P2", "status": "planned"}]}
    s = scenario(
        {
            "world": world,
            "architecture": {"kind": "hybrid"},
            "records": {"scope": {"global": 0.5, "regional": 0.5}},
            "horizon_days": 60,
            "warmup_days": 10,
        }
    )
    log, _ = simulate(s, 1)
    assert set(log.stores) == {"hub", "P1"}
    ccc = log.world.codes.index("CCC")
    assert not log.world.membership[ccc].any()
    assert not log.world.entitlement()[1][:, ccc].any()  # regional: no peer
    hub = log.stores["hub"]
    assert (log.source.owner[hub.rec] == ccc).any()


@pytest.mark.parametrize(
    ("section", "name", "hint"),
    [
        ("regions", "afrika", "did you mean 'africa'?"),
        ("platforms", "P11", "did you mean 'P1'?"),
        ("platforms", "Z9", "(the world's: P1, P2)"),
        ("countries", "CCD", "did you mean 'CCC'?"),
    ],
)
def test_a_setting_for_no_part_of_the_world_is_refused(tmp_path, section, name, hint):
    import yaml

    raw = {"world": WORLD, "settings": {section: {name: {}}}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    line = result.output.strip()
    assert len(line.splitlines()) == 1, line
    assert str(path) in line and f"settings.{section}.{name}" in line and hint in line
