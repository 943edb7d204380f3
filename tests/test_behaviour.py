"""Agent behaviour: each mechanism on a tiny scenario, against theory where there is one."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import Behaviour
from sim.engine.backlog import Backlogs
from sim.runner import run_one, simulate
from tests.helpers import merge, scenario

ON = {"enabled": True}
SEEN_50 = {"trust": {"observations_per_day": 50}}
"""Trust takes in 50 outcomes a day: as many as the 50 sampled searches these tests draw."""
FIXED_SHARING = {"trust_rate": 0.0, "peer_rate": 0.0, "reluctance": {"centralized": 0.0}}
"""Everything shared all the time: only the workload mechanism moves."""


def test_switched_off_is_identical_to_absent():
    base = {
        "architecture": {"kind": "fragmented", "update_probability": {"hub": 0.5, "platform": 0.5}},
        "records": {
            "review_days": 20,
            "extension_probability": 0.7,
            "updates_per_record_per_day": 0.05,
        },
    }
    absent = run_one(scenario(base), seed=3)
    off = run_one(
        scenario(base | {"behaviour": {"enabled": False, "trust": {"initial": 0.1}}}), seed=3
    )
    assert absent.scalar_metrics() == off.scalar_metrics()
    assert absent.counts == off.counts
    assert absent.timeseries.equals(off.timeseries)


def test_backlog_trace():
    """Capacity 8 h/day, no smoothing. Day 0: three actions of 8 h, so 24 h of work arrive over
    the day and the backlog grows at 24 - 8 = 16 h/day: the action at 0 waits for nothing (done
    at 0 + 8/8 = 1.0), the one at 0.5 for 8 h (done at 0.5 + (8 + 8)/8 = 2.5); 16 h wait at
    the day's end. Day 1 brings nothing: 8 h drain, 8 h left. Day 2: an action at 2.0 waits
    for those 8 h and takes its own 8: done at 4.0. An NCB with no staff never finishes."""
    b = Backlogs(np.array([8.0, 0.0]))
    day0 = (np.array([0, 0, 0, 1]), np.array([0.0, 0.5, 0.75, 0.0]), np.array([8.0, 8, 8, 1]))
    done, end = b.plan_day(0, *day0)
    assert done[:2].tolist() == [1.0, 2.5] and done[3] == np.inf
    assert end.waiting[0] == pytest.approx(16.0)
    b.commit(end)
    _, end = b.plan_day(1, np.array([], dtype=int), np.array([]), np.array([]))
    b.commit(end)
    assert end.waiting[0] == pytest.approx(8.0)
    done, _ = b.plan_day(2, np.array([0]), np.array([2.0]), np.array([8.0]))
    assert done.tolist() == [4.0]


def test_a_planned_day_is_kept_only_when_committed():
    b = Backlogs(np.array([8.0]))
    b.plan_day(0, np.array([0]), np.array([0.0]), np.array([80.0]))
    assert b.state.waiting.tolist() == [0.0]


def md1(lam: float, service: float) -> float:
    """M/D/1 mean time in system (Pollaczek-Khinchine with zero service variance):
    W = s + rho s / (2 (1 - rho)), rho = lam s."""
    rho = lam * service
    return service + rho * service / (2 * (1 - rho))


def test_sampled_backlog_matches_the_real_fifo_queue():
    """At real volume, 2,000 records a day keyed once at 0.3 staff hours by an NCB with 800
    staff hours a day, the staff queue is M/D/1 with s = 0.3/800 day and rho = 0.75: mean time
    in system 0.00094 day (81 s). The model simulates 1 % of the records (20 a day), each
    standing for 100 real ones, through the fluid backlog: its mean delay must be the real
    queue's to within minutes (the fluid leaves out the M/D/1 wait, 0.00056 day, and adds the
    little backlog that sampling noise builds). Before the fluid, each sampled record was
    served as itself: 100 times too little work, or as a lump of 30 hours, and either way days
    off at other sampling fractions."""
    s = scenario(
        {
            "horizon_days": 400,
            "warmup_days": 20,
            "records": {
                "creation_per_country_per_day": 2000,
                "sample_fraction": 0.01,
                "lifetime_days": {"dist": "fixed", "value": 5000},
            },
            "queries": {"per_country_per_day": 1},
            "behaviour": ON
            | {
                "workload": {"staff_hours_per_day": 800, "hours_per_entry": 0.3},
                "sharing": FIXED_SHARING,
            },
        }
    )
    result = run_one(s, seed=2)
    real = md1(2000, 0.3 / 800)
    assert result.metrics["backlog_delay_mean_days"] == pytest.approx(real, abs=0.003)
    assert result.metrics["capacity_used"] == pytest.approx(0.75, rel=0.03)


def test_backlog_grows_when_work_exceeds_capacity():
    """rho = 1.5: the delay of the work grows without bound, about linearly in time."""
    s = scenario(
        {
            "horizon_days": 200,
            "warmup_days": 10,
            "records": {"lifetime_days": {"dist": "fixed", "value": 5000}},
            "behaviour": ON
            | {
                "workload": {"staff_hours_per_day": 8, "hours_per_entry": 0.6},
                "sharing": FIXED_SHARING,
            },
        }
    )
    series = run_one(s, seed=1).timeseries
    delay = series[series.region == "all"]["backlog_delay_days"].to_numpy()
    assert delay[-20:].mean() > 3 * delay[:20].mean()
    # The backlog's growth rate: (rho - 1) days of delay per day of work arriving.
    slope = np.polyfit(np.arange(delay.size), delay, 1)[0]
    assert slope == pytest.approx(0.5, rel=0.1)


def test_trust_update_rule():
    from sim.agents.ncb import NCB

    spec = Behaviour(enabled=True)
    ncb = NCB.__new__(NCB)
    ncb.trust, ncb.propensity = {"hub": 0.8}, 1.0
    ncb.observe(spec, {"hub": {"ghost": 2, "stale": 0, "timeout": 0, "correct": 0}})
    assert ncb.trust["hub"] == pytest.approx(0.8 * 0.95**2)
    ncb.observe(spec, {"hub": {"ghost": 0, "stale": 0, "timeout": 0, "correct": 10}})
    assert ncb.trust["hub"] == pytest.approx(1 - (1 - 0.8 * 0.95**2) * 0.99**10)


def test_propensity_moves_toward_peers_and_trust():
    from sim.agents.ncb import NCB

    spec = Behaviour(enabled=True, sharing={"trust_rate": 0.0, "peer_rate": 0.1})
    ncb = NCB.__new__(NCB)
    ncb.trust, ncb.propensity = {"hub": 1.0}, 1.0
    for _ in range(50):
        ncb.decide(spec, 0.2)
    assert ncb.propensity == pytest.approx(0.2 + 0.8 * 0.9**50)
    ncb.decide(spec, float("nan"))  # no peer shared anything lately: no pull
    assert ncb.propensity == pytest.approx(0.2 + 0.8 * 0.9**50)


def test_ghost_hits_lower_trust_and_correct_answers_keep_it():
    """Fragmented with deletions never made at the hub: the hub fills with ghosts and the NCBs'
    trust in it falls. Centralized with instantaneous links: answers are right and trust rises
    toward 1."""
    common = {
        "horizon_days": 150,
        "warmup_days": 10,
        "queries": {"per_country_per_day": 50},
        "records": {"lifetime_days": {"dist": "exponential", "mean": 10}},
    }
    ghosts = run_one(
        scenario(
            common
            | {
                "architecture": {"kind": "fragmented", "update_probability": {"hub": 0.0}},
                "behaviour": ON | SEEN_50 | {"workload": {"staff_hours_per_day": 10000}},
            }
        ),
        seed=1,
    ).metrics["trust"]
    clean = run_one(
        scenario(
            common
            | {
                "behaviour": ON | SEEN_50 | {"workload": {"staff_hours_per_day": 10000}},
            }
        ),
        seed=1,
    ).metrics["trust"]
    assert ghosts < 0.3 < 0.9 < clean


def test_low_trust_lowers_sharing_and_coverage():
    common = {
        "horizon_days": 150,
        "warmup_days": 10,
        "queries": {"per_country_per_day": 50},
        "records": {"lifetime_days": {"dist": "exponential", "mean": 10}},
        "architecture": {"kind": "fragmented", "update_probability": {"hub": 0.0}},
    }
    off = run_one(scenario(common), seed=1).metrics
    on = run_one(
        scenario(
            common
            | {
                "behaviour": ON
                | SEEN_50
                | {"workload": {"staff_hours_per_day": 100}, "sharing": {"trust_rate": 0.1}}
            }
        ),
        seed=1,
    ).metrics
    assert on["propensity"] < 0.6
    assert on["coverage"] < off["coverage"] - 0.2


def test_zero_capacity_misses_every_review():
    """Staff of zero hours: no review is ever done, so every record lapses at its first review
    (plus the grace period) although the owner meant to extend them all."""
    s = scenario(
        {
            "horizon_days": 200,
            "warmup_days": 10,
            "records": {
                "lifetime_days": {"dist": "fixed", "value": 1000},
                "review_days": 30,
                "extension_probability": 1.0,
            },
            "behaviour": ON | {"workload": {"staff_hours_per_day": 0, "review_grace_days": 5}},
        }
    )
    log, counts = simulate(s, 1)
    assert log.behaviour.review_missed.size > 100
    assert log.behaviour.review_missed.all()
    src = log.source
    gone = np.isfinite(src.deleted)
    assert np.allclose(src.deleted[gone] - src.created[gone], 35.0)
    assert np.all(src.created[~gone] + 35.0 >= 200)
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]


def test_behaviour_is_deterministic_and_conserves_changes():
    s = scenario(
        {
            "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 2},
            "world": {
                "platforms": [{"name": "P"}],
                "countries": [
                    {"code": "AAA", "region": "europe", "platforms": ["P"]},
                    {"code": "BBB", "region": "africa"},
                ],
            },
            "records": {
                "review_days": 15,
                "extension_probability": 0.6,
                "updates_per_record_per_day": 0.05,
            },
            "behaviour": ON | {"workload": {"staff_hours_per_day": 8}},
            "outages": {"ncb": {"mtbf_days": 20, "mttr_hours": 10}},
        }
    )
    a, b = run_one(s, seed=4), run_one(s, seed=4)
    assert a.scalar_metrics() == b.scalar_metrics()
    assert a.timeseries.equals(b.timeseries)
    _, counts = simulate(s, 4)
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]
    assert 0 < a.metrics["reviews_missed_fraction"] < 1


def test_behaviour_chart_draws_the_feedbacks(tmp_path):
    """The behaviour chart of one run: three panels (trust, propensity, backlog), the run's
    line in each, no missing values in what is drawn."""
    from sim.reporting import load_results
    from sim.reporting.charts import CHARTS
    from sim.results import write_run_outputs

    s = scenario(
        {
            "horizon_days": 60,
            "warmup_days": 10,
            "behaviour": ON | {"workload": {"staff_hours_per_day": 4}},
        }
    )
    write_run_outputs(run_one(s, seed=1), tmp_path)
    fig, data = CHARTS["behaviour"](load_results(tmp_path))
    assert set(data["metric"]) == {"trust", "propensity", "backlog_delay_days"}
    assert not data["mean"].isna().any()
    lines = [a for a in fig.findobj() if str(a.get_gid()).startswith("line:")]
    assert len(lines) == 3
    assert [ax.get_ylabel() for ax in fig.axes[:3]] == [
        "Trust in the channels (%)",
        "Willingness to share (%)",
        "Staff backlog (days)",
    ]


def test_the_planned_source_cannot_be_rewritten_in_place():
    log, _ = simulate(scenario({"horizon_days": 20, "warmup_days": 0}), 1)
    with pytest.raises(ValueError, match="read-only"):
        log.source.sharing[0] = 2
    with pytest.raises(ValueError, match="read-only"):
        log.source.change_version[:] = 0


def test_behaviour_leaves_the_plan_as_drawn_and_logs_the_source_as_it_happened():
    """NCBs that share little (records withheld) and have no staff (every review missed, so
    records lapse and their later changes are cancelled): the model's planned source is still
    exactly a fresh draw, and the logged source is the plan with the overlay applied."""
    from sim.model import DataSharingModel
    from sim.records import draw_records

    s = scenario(
        {
            "horizon_days": 120,
            "warmup_days": 10,
            "architecture": {"kind": "hybrid"},
            "world": {
                "platforms": [{"name": "P"}],
                "countries": [
                    {"code": "AAA", "region": "europe", "platforms": ["P"]},
                    {"code": "BBB", "region": "africa"},
                ],
            },
            "records": {
                "lifetime_days": {"dist": "fixed", "value": 1000},
                "review_days": 20,
                "extension_probability": 1.0,
                "updates_per_record_per_day": 0.05,
            },
            "behaviour": ON
            | {
                "workload": {"staff_hours_per_day": 0, "review_grace_days": 5},
                "sharing": {"initial": 0.3, "trust_rate": 0, "peer_rate": 0},
            },
        }
    )
    model = DataSharingModel(s, 2)
    model.run()
    log = model.run_log()
    fresh = draw_records(s.records, model.world, s.horizon_days, model.streams, 5.0)
    for name in ("sharing", "scope", "deleted", "last_version", "change_version", "change_rec"):
        np.testing.assert_array_equal(getattr(model.source, name), getattr(fresh, name))
    happened = log.source
    withheld = happened.sharing != model.source.sharing
    assert withheld.any() and (model.source.sharing[withheld] == 0).all()
    lapsed = np.isfinite(happened.deleted) & ~np.isfinite(model.source.deleted)
    assert lapsed.any()
    assert happened.n_changes < model.source.n_changes
    assert (happened.change_version >= 0).all()
    assert (
        not happened.change_dormant.any()
        or (happened.change_version[happened.change_dormant] > 0).all()
    )


def sampled_run(records: float, searches: float, seed: int, override: dict) -> dict:
    """A two-country world at real volume (400 records and 4,000 searches a day each,
    exponential lifetime of 30 days), simulating a fraction ``records`` of the records and
    ``searches`` of the searches."""
    base = {
        "horizon_days": 240,
        "warmup_days": 20,
        "records": {
            "creation_per_country_per_day": 400,
            "sample_fraction": records,
            "lifetime_days": {"dist": "exponential", "mean": 30},
        },
        "queries": {"per_country_per_day": 4000, "sample_fraction": searches},
    }
    return run_one(scenario(merge(base, override)), seed=seed).metrics


def mean_over_seeds(name: str, level: int, override: dict) -> float:
    """``name`` averaged over three seeds, at 1/level of the sampling of records and searches."""
    return float(
        np.mean([sampled_run(0.04 / level, 0.01 / level, s, override)[name] for s in (1, 2, 3)])
    )


def test_trust_and_sharing_do_not_depend_on_the_sampling():
    """The same world at two samplings (records 4 % and 2 %, 40 and 20 sampled searches a
    day) gives the same trust and propensity, up to noise: each sampled lookup counts for its
    share of the outcomes an NCB's trust takes in a day. Fragmented with every deletion missed
    at the hub, so ghosts pull trust down and, with it, sharing. Before, trust moved once per
    sampled lookup: 50, 5 and 0.5 sampled searches a day gave final trust 0.18, 0.28 and 0.59
    in the world run."""
    override = {
        "architecture": {"kind": "fragmented", "update_probability": {"hub": 0.0}},
        "behaviour": ON
        | {"workload": {"staff_hours_per_day": 1000}, "sharing": {"trust_rate": 0.05}},
    }
    for name in ("trust", "propensity"):
        a, b = (mean_over_seeds(name, level, override) for level in (1, 2))
        assert a < 0.5  # it moved
        assert a == pytest.approx(b, abs=0.03), name


def test_the_staff_backlog_does_not_depend_on_the_sampling():
    """Centralized, staff at 90 hours a day against about 120 hours of real work (400
    entries of 0.25 h and 400 deletions of 0.05 h a day): rho = 1.33, the backlog grows by a
    third of a day every day, at either sampling (each sampled change stands for 1/fraction
    real ones). Before, the staff saw the sampled work only: no backlog at all at 4 %."""
    override = {
        "behaviour": ON | {"workload": {"staff_hours_per_day": 90}, "sharing": FIXED_SHARING}
    }
    a, b = (mean_over_seeds("backlog_delay_mean_days", level, override) for level in (1, 2))
    assert a > 20
    assert a == pytest.approx(b, rel=0.1)
