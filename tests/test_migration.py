"""A road map (``migration``): NCBs move wave by wave; each country's records follow its
current architecture; records already held are handed over in bulk, reconciled, or left to age
out."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.metrics import compute_metrics
from sim.runner import run_one, simulate
from sim.world import NATIONAL
from tests.helpers import scenario

WORLD = {
    "platforms": [{"name": "P1"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1"]},
        {"code": "CCC", "region": "africa"},
        {"code": "DDD", "region": "africa", "platforms": ["P1"]},
    ],
}
TODAY = {
    "kind": "fragmented",
    "entry_probability": {"hub": 0.8, "platform": 0.9},
    "update_probability": {"hub": 0.5, "platform": 0.6},
}
BASE = {
    "horizon_days": 300,
    "warmup_days": 20,
    "world": WORLD,
    "architecture": TODAY,
    "records": {
        "creation_per_country_per_day": 10,
        "lifetime_days": {"dist": "exponential", "mean": 60},
        "updates_per_record_per_day": 0.05,
        "review_days": 45,
        "extension_probability": 0.5,
        "retention_grace_days": 30.0,
    },
    "outages": {"ncb": {"mtbf_days": 20, "mttr_hours": 12}},
}


def road_map(stages: list, **held) -> dict:
    return {**BASE, "migration": {"stages": stages, **held}}


def daily(result, name: str) -> np.ndarray:
    rows = result.timeseries[result.timeseries["region"] == "all"]
    return rows[name].to_numpy()


def test_each_country_follows_its_own_architecture_from_its_wave_day():
    """Europe moves to a federation on day 100, Africa on day 180: from day 180 on, every
    country's records are answered by their owners, and each day's completeness equals a
    pure federation's on the same records and outages (the fragmented copies left in the
    hub and the platforms are no longer read)."""
    waves = [{"day": 100, "regions": ["europe"]}, {"day": 180, "regions": ["africa"]}]
    moved = run_one(scenario(road_map([{"to": {"kind": "federated"}, "waves": waves}])), seed=3)
    federated = run_one(scenario({**BASE, "architecture": {"kind": "federated"}}), seed=3)
    today = run_one(scenario(BASE), seed=3)
    after = slice(180 - 20, None)  # rows from day 180 (the first row is day 20)
    np.testing.assert_allclose(
        daily(moved, "completeness")[after], daily(federated, "completeness")[after], rtol=1e-12
    )
    before = slice(0, 100 - 20)
    np.testing.assert_allclose(
        daily(moved, "completeness")[before], daily(today, "completeness")[before], rtol=1e-12
    )
    assert daily(moved, "ghost_rate")[after].max() == 0


def test_the_plan_switches_each_wave_on_its_day():
    s = scenario(
        road_map([{"to": {"kind": "centralized"}, "waves": [{"day": 100, "countries": ["CCC"]}]}])
    )
    log, _ = simulate(s, 1)
    ccc = log.world.codes.index("CCC")
    for route in log.plan.routes:
        if route.owners[ccc]:
            stage = route.part.split("/")[0]
            window = (route.start_day, route.end_day)
            assert window == ((0.0, 100.0) if stage == "stage0" else (100.0, np.inf)), route
    assert {r.part for r in log.plan.routes} == {"stage0", "stage1"}


def test_a_bulk_handover_of_n_records_at_rate_r_takes_n_over_r_days():
    """Nothing is keyed into the hub before the move (entry probability 0); on day 150 every
    NCB moves to the hub and hands its N active records over at r = 4 a day, oldest first,
    links instant and nodes always up: the k-th reaches the hub exactly k / r days after the
    move (unless a change of its own, sent by the new route, got there first), so an NCB's
    handover ends (N - 1) / r days after the move; a record deleted before its turn is not
    handed over (only the changes it makes after the move reach the hub)."""
    nothing = {**TODAY, "entry_probability": {"hub": 0.0, "platform": 0.9}}
    waves = [{"day": 150, "regions": ["europe", "africa"]}]
    plan = road_map(
        [{"to": {"kind": "centralized"}, "waves": waves}], bulk={"records_per_day": 4.0}
    )
    s = scenario({**plan, "architecture": nothing, "outages": {}})
    log, counts = simulate(s, 2)
    src, hub = log.source, log.stores["hub"]
    first = np.full(src.n_records, np.inf)
    np.minimum.at(first, hub.rec, hub.t)
    for owner in range(4):
        held = np.flatnonzero(
            (src.owner == owner)
            & (src.created <= 150)
            & (src.deleted > 150)
            & (src.sharing != NATIONAL)
        )
        held = held[np.argsort(src.created[held], kind="stable")]
        leave = 150 + np.arange(held.size) / 4.0
        alive = src.deleted[held] > leave
        changed = np.array(
            [((src.change_rec == r) & (src.change_time >= 150) & (src.change_time < t)).any()
             for r, t in zip(held, leave, strict=True)]
        )  # fmt: skip
        exact = alive & ~changed
        assert exact.sum() > 20
        np.testing.assert_allclose(first[held[exact]], leave[exact], rtol=0, atol=1e-9)
        assert (first[held[alive & changed]] < leave[alive & changed]).all()
        gone = np.flatnonzero(np.isin(hub.rec, held[~alive]))
        for i in gone:  # only their own changes since the move, sent by the new route
            r, v = hub.rec[i], hub.version[i]
            made = (src.change_rec == r) & (src.change_version == v)
            assert src.change_time[made].min() >= 150
        assert leave[-1] == 150 + (held.size - 1) / 4.0
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]


def test_reconciliation_clears_the_ghosts_a_move_to_the_hub_would_keep():
    """Today's status quo misses a share of deletions at the hub (ghosts until retention, 45
    days after a review plus 30 days' grace). After a move to the hub on day 120 the old ghosts
    stay until then (age out) unless the move reconciles them: once the corrections are
    through (a few days at 200 a day), no ghost is shown, and each costs its staff hours."""
    stages = [
        {"to": {"kind": "centralized"}, "waves": [{"day": 120, "regions": ["europe", "africa"]}]}
    ]
    steady = {"outages": {}}  # nodes always up: a deletion reaches the hub at once
    aged = run_one(scenario({**road_map(stages), **steady}), seed=4)
    fix = {"records_per_day": 200.0, "hours_per_record": 0.1}
    cleaned = run_one(scenario({**road_map(stages, reconcile=fix), **steady}), seed=4)
    later = slice(125 - 20, 145 - 20)
    assert daily(aged, "ghost_rate")[later].min() > 0.1
    assert daily(cleaned, "ghost_rate")[later].max() == 0
    hours = cleaned.metrics["staff_hours_per_year_by_activity"]
    assert hours["reconciliation"] > 0
    assert aged.metrics["staff_hours_per_year_by_activity"]["reconciliation"] == 0


def test_reconciliation_hours_are_the_corrections_made_times_their_price():
    stages = [{"to": {"kind": "centralized"}, "waves": [{"day": 120, "regions": ["europe"]}]}]
    s = scenario(road_map(stages, reconcile={"records_per_day": 50.0, "hours_per_record": 0.1}))
    log, _ = simulate(s, 4)
    owner, t = log.costs.corrections
    done = (t >= 20) & (t < 300)
    assert done.sum() > 10
    expected = done.sum() * 0.1 * 365 / 280
    got = compute_metrics(log).metrics["staff_hours_per_year_by_activity"]["reconciliation"]
    assert got == pytest.approx(expected, rel=1e-12)
    europe = [log.world.codes.index(c) for c in ("AAA", "BBB")]
    assert set(owner.tolist()) <= set(europe)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (
            [{"to": {"kind": "hybrid"}, "waves": [{"day": 10, "regions": ["afrika"]}]}],
            "migration.stages.0.waves.0.regions.0: not a region of the world; did you mean"
            " 'africa'?",
        ),
        (
            [
                {
                    "to": {"kind": "hybrid"},
                    "waves": [
                        {"day": 10, "regions": ["africa"]},
                        {"day": 20, "countries": ["CCC"]},
                    ],
                }
            ],
            "migration.stages.0.waves.1: CCC already moved in this stage",
        ),
        (
            [
                {"to": {"kind": "hybrid"}, "waves": [{"day": 50, "regions": ["africa"]}]},
                {"to": {"kind": "centralized"}, "waves": [{"day": 20, "regions": ["africa"]}]},
            ],
            "would move to a later stage before an earlier one",
        ),
    ],
)
def test_a_road_map_that_cannot_be_followed_is_refused(tmp_path, stages, message):
    path = tmp_path / "road.yaml"
    path.write_text(yaml.safe_dump(road_map(stages)))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert message in result.output
