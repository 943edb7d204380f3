"""Properties that hold for every scenario: conservation, bounds, monotone versions,
determinism. Hypothesis draws small random scenarios across all architectures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.architectures import exercised_settings
from sim.catalogue import HEADLINE_METRICS
from sim.config import scenario_from_dict
from sim.metrics.intervals import shown_intervals
from sim.runner import run_one, simulate
from tests.helpers import scenario

RATES = (
    "completeness",
    "coverage",
    "ghost_rate",
    "stale_rate",
    "stale_any_rate",
    "inconsistency_rate",
    "conflict_rate",
    "never_visible_fraction",
    "query_availability",
)

ARCHITECTURES = list(exercised_settings().values())
"""Every named setting of every registered architecture, with what exercises it."""

delay = st.sampled_from(
    [
        {"dist": "fixed", "value": 0},
        {"dist": "exponential", "mean": 12},
        {"dist": "lognormal", "mean": 30, "sigma": 1.0},
        {"dist": "uniform", "low": 1, "high": 48},
    ]
)
outage = st.one_of(
    st.none(),
    st.builds(lambda m, r: {"mtbf_days": m, "mttr_hours": r}, st.floats(3, 30), st.floats(2, 48)),
)
store = st.sampled_from(
    [
        {},
        {"servers": 1, "service_seconds": {"dist": "exponential", "mean": 20}},
        {"servers": 2, "service_seconds": {"dist": "fixed", "value": 30}},
    ]
)


behaviour = st.one_of(
    st.just({}),
    st.builds(
        lambda staff, initial, trust_rate: {
            "enabled": True,
            "workload": {"staff_hours_per_day": staff, "review_grace_days": 3},
            "sharing": {"initial": initial, "trust_rate": trust_rate},
        },
        st.floats(0.5, 20),
        st.floats(0.2, 1.0),
        st.floats(0, 0.2),
    ),
)


FOUR_COUNTRIES = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "platforms": ["P2"], "weight": 2.0},
        {"code": "DDD", "region": "americas"},
    ],
}


@st.composite
def small_scenarios(draw):
    return scenario_from_dict(
        {
            "seed": draw(st.integers(0, 10_000)),
            "horizon_days": 60,
            "warmup_days": 10,
            "architecture": draw(st.sampled_from(ARCHITECTURES)),
            "world": FOUR_COUNTRIES,
            "records": {
                "creation_per_country_per_day": draw(st.floats(0.5, 8)),
                "lifetime_days": {"dist": "exponential", "mean": draw(st.floats(2, 40))},
                "updates_per_record_per_day": draw(st.floats(0, 0.3)),
                "scope": draw(
                    st.sampled_from(
                        [
                            {"global": 1.0},
                            {"global": 0.6, "regional": 0.3, "national": 0.1},
                        ]
                    )
                ),
                "denials": draw(st.sampled_from([[], [{"countries": ["CCC"], "share": 0.3}]])),
                "review_days": draw(st.sampled_from([None, 8.0])),
                "extension_probability": 0.7,
                "retention_grace_days": draw(st.sampled_from([0.0, 0.5, 30.0])),
                "material_update_share": draw(st.sampled_from([0.0, 0.4, 1.0])),
                "prehistory_days": draw(st.sampled_from([0.0, 30.0])),
            },
            "links": {
                name: {"delay_hours": draw(delay)}
                for name in ("ncb_to_hub", "ncb_to_platform", "platform_to_hub", "hub_to_platform")
            },
            "stores": {"hub": draw(store), "platform": draw(store)},
            "outages": {"hub": draw(outage), "platform": draw(outage), "ncb": draw(outage)},
            "queries": {"per_country_per_day": 5},
            "behaviour": draw(behaviour),
        }
    )


fast = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(small_scenarios())
def test_conservation_of_changes(s):
    """Every change an architecture means to send (by its own rules, counted here apart from
    the strategies) is sent, held for a later sync or dropped on purpose (fragmented
    omissions); every change sent is applied at a store or still queued at the horizon.
    Behaviour on or off: with staff time, nothing stays in a backlog for ever."""
    log, counts = simulate(s, s.seed)
    dropped = sum(n for key, n in counts.items() if key.startswith("dropped_"))
    held = counts["changes_held_for_sync"]
    assert counts.get("changes_stuck_in_backlog", 0) == 0
    assert counts["changes_sent"] + held + dropped == meant_to_send(log)
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]
    assert counts["changes_applied_after_horizon"] <= counts["changes_applied"]


@pytest.mark.parametrize("behaves", [False, True], ids=["behaviour-off", "behaviour-on"])
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=list(exercised_settings()))
def test_conservation_for_every_architecture(architecture, behaves):
    """The same balance on one fixed scenario per architecture, behaviour on and off (staff
    short enough to miss reviews, so records lapse, and sharing low enough to withhold)."""
    base = {
        "architecture": architecture,
        "horizon_days": 80,
        "warmup_days": 10,
        "world": FOUR_COUNTRIES,
        "records": {
            "creation_per_country_per_day": 6,
            "updates_per_record_per_day": 0.1,
            "review_days": 10,
            "extension_probability": 0.8,
            "scope": {"global": 0.6, "regional": 0.3, "national": 0.1},
        },
        "links": {"platform_to_hub": {"delay_hours": {"dist": "exponential", "mean": 12}}},
        "outages": {"hub": {"mtbf_days": 10, "mttr_hours": 12}},
    }
    if behaves:
        base["behaviour"] = {
            "enabled": True,
            "workload": {"staff_hours_per_day": 0.5, "review_grace_days": 2},
            "sharing": {"initial": 0.6},
        }
    s = scenario(base)
    log, counts = simulate(s, 5)
    dropped = sum(n for key, n in counts.items() if key.startswith("dropped_"))
    held = counts["changes_held_for_sync"]
    assert counts["changes_sent"] + held + dropped == meant_to_send(log)
    assert counts["changes_sent"] == counts["changes_applied"] + counts["changes_queued"]
    if behaves:
        assert log.behaviour.review_missed.any()


def meant_to_send(log) -> int:
    """Changes the plan's routes call for, counted here from its rows apart from the engine:
    one per change and route from its owner that carries it (a pointer route: only the
    creation, the review extensions and the deletion), and one per application at a relaying
    store that a route from there carries (from the stores' application logs)."""
    src = log.source
    rec, version = src.change_rec, src.change_version
    lifecycle = (version == 0) | src.change_review | src.is_deletion(rec, version)
    total = 0
    for route in log.plan.routes:
        kinds = np.array([route.kinds is None or k in route.kinds for k in src.kind_names])
        scopes = np.isin(np.arange(3), route.scopes)
        carried = route.owners[src.owner] & kinds[src.kind] & scopes[src.sharing]
        if route.via is None:
            total += int((carried[rec] & (lifecycle | ~route.pointers)).sum())
        elif not route.pulled:
            total += int(carried[log.store_log(route.via).rec].sum())
    return total


@fast
@given(small_scenarios())
def test_every_rate_is_a_share(s):
    metrics = run_one(s).metrics
    for name in RATES:
        value = metrics[name]
        assert value is None or 0.0 <= value <= 1.0 + 1e-12, (name, value)
    if metrics["completeness"] is not None and metrics["coverage"] is not None:
        assert metrics["coverage"] <= metrics["completeness"] + 1e-12
    if metrics["stale_rate"] is not None:  # a material version is never past the latest one
        assert metrics["stale_rate"] <= metrics["stale_any_rate"] + 1e-12
    assert metrics["exposure"] is None or metrics["exposure"] >= 0
    # Outcomes: a search about a subject on record is a hit, a miss or restricted, never two;
    # a stale hit is a hit (the default share on record, 7.5e-5, for every kind).
    on_record = metrics["searches_per_year"] * 7.5e-5
    hits, missed = metrics["hits_per_year"], metrics["missed_hits_per_year"]
    assert hits >= 0 and missed >= -1e-9 * on_record and metrics["false_hits_per_year"] >= 0
    assert hits + missed <= on_record * (1 + 1e-9)
    assert 0 <= metrics["stale_hits_per_year"] <= hits * (1 + 1e-9) + 1e-12


@fast
@given(small_scenarios())
def test_a_store_never_shows_an_older_version(s):
    """Replaying each store's log: per record, shown versions strictly increase over time and
    nothing is shown after the deletion was applied there, or after retention removed it."""
    log, _ = simulate(s, s.seed)
    for store in log.stores.values():
        removed = (store.removed_rec, store.removed_t)
        shown = shown_intervals(store.rec, store.version, store.t, log.source, log.horizon, removed)
        removal = np.full(log.source.n_records, np.inf)
        removal[store.removed_rec] = store.removed_t
        assert np.all(shown.end <= removal[shown.rec])
        order = np.lexsort((shown.start, shown.rec))
        rec, version, start = shown.rec[order], shown.version[order], shown.start[order]
        same = rec[1:] == rec[:-1]
        assert np.all(version[1:][same] > version[:-1][same])
        deletion = log.source.is_deletion(store.rec, store.version)
        first_deletion = np.full(log.source.n_records, np.inf)
        np.minimum.at(first_deletion, store.rec[deletion], store.t[deletion])
        assert np.all(start < first_deletion[rec])


def test_centralized_sends_exactly_the_shareable_changes():
    s = scenario(
        {
            "records": {
                "scope": {"global": 0.5, "regional": 0.3, "national": 0.2},
                "updates_per_record_per_day": 0.1,
            }
        }
    )
    log, counts = simulate(s, 3)
    src = log.source
    shareable = int((src.sharing[src.change_rec] != 2).sum())
    assert counts["changes_sent"] == shareable
    assert counts["changes_applied"] + counts["changes_queued"] == shareable


def test_same_seed_same_numbers_other_seed_other_numbers():
    s = scenario(
        {
            "architecture": {"kind": "hybrid", "sync": "push"},
            "outages": {"hub": {"mtbf_days": 20, "mttr_hours": 12}},
            "world": {
                "platforms": [{"name": "P"}],
                "countries": [
                    {"code": "AAA", "region": "europe", "platforms": ["P"]},
                    {"code": "BBB", "region": "africa"},
                ],
            },
        }
    )
    a, b, c = run_one(s, seed=5), run_one(s, seed=5), run_one(s, seed=6)
    assert a.scalar_metrics() == b.scalar_metrics()
    assert a.timeseries.equals(b.timeseries)
    assert a.scalar_metrics() != c.scalar_metrics()


def test_common_random_numbers_across_architectures():
    """The same seed draws the same record lifecycles under every architecture."""
    counts = {
        label: simulate(scenario({"architecture": spec}), 9)[0]
        for label, spec in exercised_settings().items()
    }
    sources = [log.source for log in counts.values()]
    for other in sources[1:]:
        np.testing.assert_array_equal(other.change_time, sources[0].change_time)
        np.testing.assert_array_equal(other.owner, sources[0].owner)


def test_headline_metrics_are_all_reported():
    metrics = run_one(scenario()).metrics
    assert set(HEADLINE_METRICS) <= set(metrics)
    assert set(metrics["messages_per_day"]) == {
        "ncb_to_hub",
        "ncb_to_platform",
        "platform_to_hub",
        "hub_to_platform",
        "ncb_to_ncb",
    }
