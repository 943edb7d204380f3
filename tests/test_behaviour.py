"""Agent behaviour: each mechanism on a tiny scenario, against theory where there is one."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import Behaviour
from sim.engine.backlog import Backlogs
from sim.runner import run_one, simulate
from tests.helpers import scenario

ON = {"enabled": True}
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
    """Capacity 8 h/day; actions of 4 h at 0, 0 and 0.25: done at 0.5, 1.0, 1.5 days; an NCB
    with no capacity never finishes."""
    b = Backlogs(np.array([8.0, 0.0]))
    done = b.serve(
        np.array([0, 0, 0, 1]), np.array([0.0, 0.0, 0.25, 0.0]), np.array([4.0, 4.0, 4.0, 1.0])
    )
    assert done.tolist() == [0.5, 1.0, 1.5, np.inf]
    assert b.serve(np.array([0]), np.array([1.2]), np.array([4.0])).tolist() == [2.0]


def md1(lam: float, service: float) -> float:
    """M/D/1 mean time in system (Pollaczek-Khinchine with zero service variance):
    W = s + rho s / (2 (1 - rho)), rho = lam s."""
    rho = lam * service
    return service + rho * service / (2 * (1 - rho))


def test_backlog_delay_matches_md1():
    """Records created as a Poisson process (20/day per NCB), each keyed once into the hub at a
    fixed 0.3 staff hours, capacity 8 h/day: the backlog is an M/D/1 queue with s = 0.3/8 day,
    rho = 0.75, mean delay 0.09375 day. Nothing else costs time (no deletions in the horizon,
    no updates, no reviews)."""
    s = scenario(
        {
            "horizon_days": 1500,
            "warmup_days": 20,
            "records": {"lifetime_days": {"dist": "fixed", "value": 5000}},
            "queries": {"per_country_per_day": 1},
            "behaviour": ON
            | {
                "workload": {"staff_hours_per_day": 8, "hours_per_entry": 0.3},
                "sharing": FIXED_SHARING,
            },
        }
    )
    result = run_one(s, seed=2)
    assert result.metrics["backlog_delay_mean_days"] == pytest.approx(md1(20, 0.3 / 8), rel=0.05)
    assert result.metrics["capacity_used"] == pytest.approx(0.75, rel=0.02)


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
                "behaviour": ON | {"workload": {"staff_hours_per_day": 10000}},
            }
        ),
        seed=1,
    ).metrics["trust"]
    clean = run_one(
        scenario(
            common
            | {
                "behaviour": ON | {"workload": {"staff_hours_per_day": 10000}},
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
            "behaviour": ON | {"workload": {"staff_hours_per_day": 3}},
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
