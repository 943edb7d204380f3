"""Costs at real volume against independent counts of what the run did: bandwidth from the
messages, storage and staff hours from the source's own records and changes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.metrics import MetricsBundle, compute_metrics
from sim.model import DataSharingModel
from tests.helpers import scenario

F = 0.2
"""Sampled share of the records: every cost is scaled back by 1 / F."""

WORLD = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"], "weight": 0.5},
        {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
        {"code": "CCC", "region": "africa", "weight": 4.0},
    ],
}

BASE = {
    "horizon_days": 100,
    "warmup_days": 20,
    "world": WORLD,
    "records": {
        "creation_per_country_per_day": 100,
        "sample_fraction": F,
        "updates_per_record_per_day": 0.05,
        "review_days": 20,
        "extension_probability": 0.5,
        "scope": {"global": 0.9, "national": 0.1},
        "kinds": {"small": {"share": 0.7}, "large": {"share": 0.3}},
    },
    "queries": {"per_country_per_day": 500, "sample_fraction": 0.01, "on_record_share": 0.01},
    "costs": {"record_bytes_by_kind": {"small": 800, "large": 20000}},
}


def measured(architecture: dict, extra: dict | None = None) -> tuple[MetricsBundle, Any]:
    """A run's metrics and the source its log holds."""
    model = DataSharingModel(scenario({"architecture": architecture, **BASE, **(extra or {})}), 4)
    model.run()
    log = model.run_log()
    return compute_metrics(log), log.source


def run(architecture: dict, extra: dict | None = None) -> tuple[dict[str, Any], Any]:
    bundle, source = measured(architecture, extra)
    return bundle.metrics, source


def in_window(t: np.ndarray) -> np.ndarray:
    return (t >= BASE["warmup_days"]) & (t < BASE["horizon_days"]) & (t > 0)


def test_bandwidth_is_the_messages_at_their_sizes():
    """Centralized, without searches: each change of a global record crosses the NCB-to-hub
    link once, carrying its record; the run's bandwidth is those changes of each kind, counted
    on the source, times its size, per day at real volume."""
    metrics, src = run({"kind": "centralized"}, {"queries": {"per_country_per_day": 0}})
    shared = src.sharing[src.change_rec] == 0  # GLOBAL
    moving = shared & in_window(src.change_time)
    sizes = np.array([800.0, 20000.0])[src.kind[src.change_rec[moving]]]
    days = BASE["horizon_days"] - BASE["warmup_days"]
    expected = sizes.sum() / F / days / 1e9
    assert metrics["bandwidth_gb_per_day"]["ncb_to_hub"] == pytest.approx(expected, rel=1e-9)
    assert metrics["bandwidth_gb_per_day_total"] == pytest.approx(expected, rel=1e-9)


def test_a_search_costs_its_request_and_its_answer():
    """With every record as large as a message's mean (a search's 500 and its answer's 1,000
    bytes are two messages of 750 on average), the bandwidth is 750 bytes per message."""
    sizes = {"record_bytes_by_kind": {"small": 750, "large": 750}}
    metrics, _ = run({"kind": "hybrid", "redistribute": "all"}, {"costs": sizes})
    for link, messages in metrics["messages_per_day"].items():
        gb = metrics["bandwidth_gb_per_day"][link]
        assert gb == pytest.approx(750 * messages / 1e9, rel=1e-9, abs=1e-15), link


def test_storage_is_the_copies_held_times_their_size():
    """Centralized with no delay: the hub holds exactly the active global records, every
    national node its own records; each as long as it lives inside the window."""
    metrics, src = run({"kind": "centralized"})
    w0, h = BASE["warmup_days"], BASE["horizon_days"]
    days = np.clip(np.minimum(src.deleted, h) - np.maximum(src.created, w0), 0, None)
    sizes = np.array([800.0, 20000.0])[src.kind]

    def gb(mask):
        return float((days * sizes)[mask].sum()) / F / (h - w0) / 1e9

    storage = metrics["storage_gb"]
    assert storage["hub"] == pytest.approx(gb(src.sharing == 0), rel=1e-9)
    assert storage["ncb"] == pytest.approx(gb(np.ones(src.n_records, bool)), rel=1e-9)
    assert storage["platforms"] == 0.0


@pytest.mark.parametrize("architecture", ["centralized", "fragmented", "federated", "hybrid"])
def test_staff_hours_price_each_manual_action(architecture):
    """Each change in the window, priced from the source alone, on one footing: every change
    is keyed once at home (the national entry, whatever the record's scope, in every
    architecture); an automated feed costs nothing (centralized, federated, hybrid); today's
    status quo keys a global record by hand into the hub and each of its owner's platforms
    as well (fragmented, every record entered everywhere); a new record 0.25 h per system, an
    update 0.1, a deletion 0.05, a review 0.2 once; each hit or false hit an NCB's officers
    get, 1 hour. Behaviour stays off: the price of the work does not need its feedbacks."""
    metrics, src = run({"kind": architecture})
    rows = np.flatnonzero(in_window(src.change_time))
    rec, version = src.change_rec[rows], src.change_version[rows]
    owner = src.owner[rec]
    by_hand = np.array([1, 2, 0]) + 1.0  # the hub, and AAA 1, BBB 2, CCC 0 platforms
    systems = 1.0 + (architecture == "fragmented") * by_hand[owner] * (src.sharing[rec] == 0)
    deletion = np.isfinite(src.deleted[rec]) & (version == src.last_version[rec])
    price = np.where(version == 0, 0.25, np.where(deletion, 0.05, 0.1))
    years = (BASE["horizon_days"] - BASE["warmup_days"]) / 365
    per_year = 1 / F / years
    by_activity = metrics["staff_hours_per_year_by_activity"]
    assert by_activity["entry"] == pytest.approx(
        (systems * price)[version == 0].sum() * per_year, rel=1e-9
    )
    assert by_activity["updates"] == pytest.approx(
        (systems * price)[version > 0].sum() * per_year, rel=1e-9
    )
    assert by_activity["reviews"] == pytest.approx(
        0.2 * src.change_review[rows].sum() * per_year, rel=1e-9
    )
    hits = metrics["hits_per_year"] + metrics["false_hits_per_year"]
    assert by_activity["answering"] == pytest.approx(hits, rel=1e-9)
    assert metrics["staff_hours_per_year"] == pytest.approx(sum(by_activity.values()), rel=1e-12)


NOTHING_BY_HAND = {
    "entry_probability": {"hub": 0.0, "platform": 0.0},
    "update_probability": {"hub": 0.0, "platform": 0.0},
}


def test_an_architecture_keying_nothing_by_hand_costs_the_same_entry_hours():
    """The one footing: with today's status quo keying nothing into the hub or a platform,
    every architecture has the same national entry, updates and reviews; their hours are
    equal to the hour, whatever each sends automatically (the hub's feed, the platforms'
    synchronisation, an index)."""
    architectures = [
        {"kind": "centralized"},
        {"kind": "federated"},
        {"kind": "federated", "routing": "index"},
        {"kind": "hybrid", "sync": "push"},
        {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7.0},
        {"kind": "fragmented", **NOTHING_BY_HAND},
    ]
    keyed = []
    for architecture in architectures:
        by_activity = run(architecture)[0]["staff_hours_per_year_by_activity"]
        keyed.append([by_activity[k] for k in ("entry", "updates", "reviews")])
    assert min(k[0] for k in keyed) > 0
    for other in keyed[1:]:
        assert other == pytest.approx(keyed[0], rel=1e-12)


@pytest.mark.parametrize(
    ("architecture", "feeds", "searches", "systems"),
    [
        # every NCB feeds the hub; each searches it
        ({"kind": "centralized"}, 3, 3, 1),
        # keyed by hand: no feed; each NCB searches the hub and its platforms (1 + 1 + 2 + 0)
        ({"kind": "fragmented"}, 0, 6, 3),
        # no feed, no store searched; every pair of the three national nodes may ask
        ({"kind": "federated"}, 0, 0, 3),
        # the index is fed by every NCB and searched by every NCB, then the owners
        ({"kind": "federated", "routing": "index"}, 3, 3, 4),
        # AAA->P1, BBB->P1, BBB->P2, CCC (in no platform)->hub, P1->hub, P2->hub
        ({"kind": "hybrid"}, 6, 6, 3),
        ({"kind": "hybrid", "sync": "batch"}, 6, 6, 3),
        # and the hub passes CCC's records on to P1, AAA's and CCC's to P2
        ({"kind": "hybrid", "redistribute": "all"}, 8, 6, 3),
    ],
)
def test_interfaces_and_systems_operated_follow_the_design(architecture, feeds, searches, systems):
    """Counted by hand on the three-country world: AAA in P1, BBB in P1 and P2, CCC in none."""
    metrics, _ = run(architecture)
    pairs = 3 if architecture["kind"] == "federated" else 0  # AAA-BBB, AAA-CCC, BBB-CCC
    assert metrics["interfaces"] == {"feeds": feeds, "searches": searches, "node_pairs": pairs}
    assert metrics["interfaces_total"] == feeds + searches + pairs
    assert metrics["systems_operated"] == systems


SERVICE = {"service_seconds": {"dist": "exponential", "mean": 0.01}}


def test_operations_and_money_price_what_the_run_needs():
    """Operations: a 24/7 post per system operated and 50 hours per server needed; money:
    each item at its price, the interfaces spread over five years, and their sum."""
    stores = {"stores": {"hub": SERVICE, "platform": SERVICE, "ncb": SERVICE}}
    metrics, _ = run({"kind": "hybrid"}, stores)
    servers = metrics["servers_needed_total"]
    assert servers > 0
    operations = metrics["systems_operated"] * 8760 + servers * 50
    assert metrics["operations_staff_hours_per_year"] == pytest.approx(operations, rel=1e-12)
    items = metrics["cost_per_year_by_item"]
    assert items["servers"] == pytest.approx(servers * 10_000, rel=1e-12)
    assert items["staff"] == pytest.approx(metrics["staff_hours_per_year"] * 40, rel=1e-12)
    assert items["operations"] == pytest.approx(operations * 40, rel=1e-12)
    gb_year = metrics["bandwidth_gb_per_day_total"] * 365
    assert items["bandwidth"] == pytest.approx(gb_year * 0.05, rel=1e-12)
    assert items["storage"] == pytest.approx(metrics["storage_gb_total"] * 1.0, rel=1e-12)
    assert metrics["interfaces_one_off_cost"] == metrics["interfaces_total"] * 200_000
    assert items["interfaces"] == pytest.approx(metrics["interfaces_total"] * 40_000, rel=1e-12)
    assert metrics["cost_per_year"] == pytest.approx(sum(items.values()), rel=1e-12)


def test_money_is_unknown_where_the_servers_cannot_be_sized():
    """Without service times the servers are n/a, and so is the year's cost (never a
    total that silently leaves out the servers)."""
    metrics, _ = run({"kind": "centralized"})
    assert metrics["servers_needed_total"] is None
    assert metrics["cost_per_year_by_item"]["servers"] is None
    assert metrics["cost_per_year"] is None
    assert metrics["interfaces_one_off_cost"] == 6 * 200_000


def test_staff_hours_by_region_and_size_class_add_up():
    """Europe's two NCBs and Africa's one share the total; AAA (weight 0.5) is the small class,
    BBB (1) medium, CCC (4) largest, and no NCB is large."""
    bundle, _ = measured({"kind": "fragmented"})
    metrics = bundle.metrics
    regions = [region["staff_hours_per_year"] for region in bundle.by_region.values()]
    assert min(regions) > 0
    assert sum(regions) == pytest.approx(metrics["staff_hours_per_year"], rel=1e-12)
    by_weight = metrics["staff_hours_per_ncb_per_year_by_weight"]
    assert by_weight["large"] is None
    total = by_weight["small"] + by_weight["medium"] + by_weight["largest"]
    assert total == pytest.approx(metrics["staff_hours_per_year"], rel=1e-12)


def test_a_pair_of_national_nodes_is_priced_apart_from_a_system_interface():
    """A federation's three node pairs at 20,000 each, its store interfaces (none here) at
    200,000: the one-off cost and its fifth a year."""
    metrics, _ = run({"kind": "federated"})
    assert metrics["interfaces_one_off_cost"] == 3 * 20_000
    assert metrics["cost_per_year_by_item"]["interfaces"] == pytest.approx(3 * 4_000, rel=1e-12)
