"""Exact event traces of the whole model on tiny hand-written worlds.

Each test runs the model on a few records with explicit times, fixed link delays and fixed
service times (no draw matters), and compares every store's applications, as (record,
version, time), with a list worked out by hand in the docstring. Times are in days; 3, 6 and
12 hours are 0.125, 0.25 and 0.5 exactly in binary, so the times compare exactly.
"""

from __future__ import annotations

import numpy as np

from sim.model import DataSharingModel
from sim.records import SourceRecords
from sim.world import GLOBAL, NATIONAL, REGIONAL
from tests.helpers import scenario

Record = tuple[int, int, list[float], float | None]
"""(owner, sharing, [creation time, update times...], deletion time or None)."""


def hand_written(records: list[Record]) -> SourceRecords:
    """A source holding exactly these lifecycles (one kind, no reviews)."""
    rows = []
    for r, (_, _, times, gone) in enumerate(records):
        rows += [(t, r, v) for v, t in enumerate(times)]
        if gone is not None:
            rows.append((gone, r, len(times)))
    rows.sort()
    n, m = len(records), len(rows)
    sharing = np.array([share for _, share, _, _ in records], dtype=np.int8)
    return SourceRecords(
        owner=np.array([owner for owner, _, _, _ in records]),
        kind=np.zeros(n, dtype=np.int64),
        kind_names=("record",),
        sharing=sharing,
        scope=sharing.astype(np.int64),
        created=np.array([times[0] for _, _, times, _ in records]),
        deleted=np.array([np.inf if gone is None else gone for _, _, _, gone in records]),
        last_version=np.array([len(t) - 1 + (g is not None) for _, _, t, g in records]),
        change_rec=np.array([r for _, r, _ in rows]),
        change_version=np.array([v for _, _, v in rows]),
        change_time=np.array([t for t, _, _ in rows]),
        change_review=np.zeros(m, dtype=bool),
        change_dormant=np.zeros(m, dtype=bool),
    )


def applications(overrides: dict, records: list[Record]) -> dict[str, list]:
    """Per store (hub and platforms), its applications in time order."""
    model = DataSharingModel(scenario(overrides), 0, source=hand_written(records))
    model.run()
    out = {}
    for name, store in model.run_log().stores.items():
        order = np.lexsort((store.rec, store.t))
        out[name] = [
            (int(r), int(v), float(t))
            for r, v, t in zip(store.rec[order], store.version[order], store.t[order], strict=True)
        ]
    assert all(node.application_log()[0].size == 0 for node in model.parts.nodes)
    return out


def hours(h: float) -> dict:
    return {"delay_hours": {"dist": "fixed", "value": h}}


THREE_COUNTRIES = {
    "platforms": [{"name": "P1"}, {"name": "P2"}],
    "countries": [
        {"code": "AAA", "region": "europe", "platforms": ["P1"]},
        {"code": "BBB", "region": "africa", "platforms": ["P2"]},
        {"code": "CCC", "region": "americas"},
    ],
}
AAA, BBB, CCC = 0, 1, 2


def test_centralized_trace():
    """Links to the hub take 6 h (0.25 d); the hub has one server taking 12 h per change.

    r0 (AAA): created 0.5, arrives 0.75, served 0.75-1.25. r1 (BBB): created 0.5625, arrives
    0.8125 while r0 is served, waits, served 1.25-1.75 (FIFO). r0's update at 1.0 leaves with
    the next day's batch, arrives 1.25, waits for r1 (the server's backlog carries over from
    one day to the next), served 1.75-2.25. r2 (BBB): created 2.875, arrives 3.125, served
    3.125-3.625; r0's deletion at 3.0 arrives 3.25 behind it, served 3.625-4.125. r3 is
    national: never sent.
    """
    traces = applications(
        {
            "horizon_days": 5,
            "warmup_days": 0,
            "world": {
                "countries": [
                    {"code": "AAA", "region": "europe"},
                    {"code": "BBB", "region": "africa"},
                ]
            },
            "links": {"ncb_to_hub": hours(6)},
            "stores": {"hub": {"servers": 1, "service_seconds": {"dist": "fixed", "value": 43200}}},
            "queries": {"per_country_per_day": 0},
        },
        [
            (AAA, GLOBAL, [0.5, 1.0], 3.0),
            (BBB, GLOBAL, [0.5625], None),
            (BBB, GLOBAL, [2.875], None),
            (AAA, NATIONAL, [1.0], None),
        ],
    )
    assert traces == {
        "hub": [(0, 0, 1.25), (1, 0, 1.75), (0, 1, 2.25), (2, 0, 3.625), (0, 2, 4.125)],
    }


HYBRID_LINKS = {
    "ncb_to_platform": hours(6),
    "ncb_to_hub": hours(6),
    "platform_to_hub": hours(12),
    "hub_to_platform": hours(3),
}


def test_hybrid_push_trace():
    """AAA writes to P1, BBB to P2, CCC (no platform) to the hub, which passes global records
    on to every platform the owner is not in (``redistribute: all``). Links: NCB to platform or
    hub 0.25 d, platform to hub 0.5 d, hub to platform 0.125 d; stores serve at once.

    r0 (AAA, global): created 0.5, P1 at 0.75, pushed to the hub at 1.25, on to P2 (not AAA's)
    at 1.375; its update at 2.0: P1 2.25, hub 2.75, P2 2.875; its deletion at 3.5: P1 3.75,
    hub 4.25, P2 4.375. r1 (BBB, regional): P2 only, at 1.25. r2 (CCC, global, no platform):
    created 1.5, hub at 1.75, on to both platforms at 1.875.
    """
    traces = applications(
        {
            "horizon_days": 5,
            "warmup_days": 0,
            "architecture": {"kind": "hybrid", "sync": "push", "redistribute": "all"},
            "world": THREE_COUNTRIES,
            "links": HYBRID_LINKS,
            "queries": {"per_country_per_day": 0},
        },
        [
            (AAA, GLOBAL, [0.5, 2.0], 3.5),
            (BBB, REGIONAL, [1.0], None),
            (CCC, GLOBAL, [1.5], None),
        ],
    )
    assert traces == {
        "hub": [(0, 0, 1.25), (2, 0, 1.75), (0, 1, 2.75), (0, 2, 4.25)],
        "P1": [(0, 0, 0.75), (2, 0, 1.875), (0, 1, 2.25), (0, 2, 3.75)],
        "P2": [(1, 0, 1.25), (0, 0, 1.375), (2, 0, 1.875), (0, 1, 2.875), (0, 2, 4.375)],
    }


def test_hybrid_batch_trace_with_its_sync_phase():
    """As the push trace, but platforms and hub exchange only at the syncs, every 1.5 days
    (1.5, 3.0, 4.5), platform to hub instantly, hub to platform in 0.125 d. At a sync the
    platforms send what they applied up to and including that instant, the hub applies it
    at once and sends on everything it applied up to then.

    r1 (CCC, global): at the hub directly at 0.4375; held for the platforms until the sync at
    1.5, there at 1.625. r0 (AAA): P1 at 0.75, hub at 1.5, P2 at 1.625. r2 (BBB): P2 at
    1.4375, hub 1.5, P1 1.625. r0's update at 1.3125 reaches P1 at 1.5625, just after that
    sync: hub 3.0, P2 3.125. r3 (AAA): created 2.75, P1 at 3.0, the sync instant itself:
    included, hub 3.0, P2 3.125. r2's deletion at 2.875: P2 at 3.125, after that sync: hub
    4.5, P1 4.625.
    """
    traces = applications(
        {
            "horizon_days": 5,
            "warmup_days": 0,
            "architecture": {
                "kind": "hybrid",
                "sync": "batch",
                "sync_interval_days": 1.5,
                "redistribute": "all",
            },
            "world": THREE_COUNTRIES,
            "links": HYBRID_LINKS | {"platform_to_hub": hours(0)},
            "queries": {"per_country_per_day": 0},
        },
        [
            (AAA, GLOBAL, [0.5, 1.3125], None),
            (CCC, GLOBAL, [0.1875], None),
            (BBB, GLOBAL, [1.1875], 2.875),
            (AAA, GLOBAL, [2.75], None),
        ],
    )
    assert traces == {
        "hub": [(1, 0, 0.4375), (0, 0, 1.5), (2, 0, 1.5), (0, 1, 3.0), (3, 0, 3.0), (2, 1, 4.5)],
        "P1": [
            (0, 0, 0.75),
            (0, 1, 1.5625),
            (1, 0, 1.625),
            (2, 0, 1.625),
            (3, 0, 3.0),
            (2, 1, 4.625),
        ],
        "P2": [
            (2, 0, 1.4375),
            (0, 0, 1.625),
            (1, 0, 1.625),
            (0, 1, 3.125),
            (2, 1, 3.125),
            (3, 0, 3.125),
        ],
    }


def test_relayed_changes_take_their_fifo_place_at_a_busy_platform():
    """Hybrid push; P1 (AAA's platform) has one server taking 3 h (0.125 d) per change, the hub
    applies at once. CCC (no platform) writes to the hub; the hub passes on to P1 in 2.25 h
    (0.09375 d); P1 passes AAA's changes to the hub in 12 h.

    r0 (CCC): hub at 0.5, reaches P1 at 0.59375 while P1 is idle: applied after exactly one
    service, at 0.71875. r1 (AAA), created 0.65625 while r0 is served, waits behind it: 0.84375.
    r2, r3, r4 (AAA) reach P1 at 1.0, 1.03125, 1.0625: served 1.0-1.125, 1.125-1.25,
    1.25-1.375. r5 (CCC, hub at 1.0) reaches P1 at 1.09375, while r2 is served and r3 and r4
    wait: it leaves after the rest of r2's service and the two services of r3 and r4, plus
    its own, at 1.5. r6 (AAA), created 1.15625 after r5 arrived, waits for it: 1.625. The hub
    gets AAA's changes 12 h after P1 applied them. (Relayed changes used to be served after
    everything P1 had already served that day: r0 after r1, r5 after r6.)
    """
    traces = applications(
        {
            "horizon_days": 3,
            "warmup_days": 0,
            "architecture": {"kind": "hybrid", "sync": "push", "redistribute": "all"},
            "world": {
                "platforms": [{"name": "P1"}],
                "countries": [
                    {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                    {"code": "CCC", "region": "americas"},
                ],
            },
            "links": {"hub_to_platform": hours(2.25), "platform_to_hub": hours(12)},
            "stores": {
                "platform": {"servers": 1, "service_seconds": {"dist": "fixed", "value": 10800}}
            },
            "queries": {"per_country_per_day": 0},
        },
        [
            (1, GLOBAL, [0.5], None),
            (0, GLOBAL, [0.65625], None),
            (0, GLOBAL, [1.0], None),
            (0, GLOBAL, [1.03125], None),
            (0, GLOBAL, [1.0625], None),
            (1, GLOBAL, [1.0], None),
            (0, GLOBAL, [1.15625], None),
        ],
    )
    assert traces == {
        "hub": [
            (0, 0, 0.5),
            (5, 0, 1.0),
            (1, 0, 1.34375),
            (2, 0, 1.625),
            (3, 0, 1.75),
            (4, 0, 1.875),
            (6, 0, 2.125),
        ],
        "P1": [
            (0, 0, 0.71875),
            (1, 0, 0.84375),
            (2, 0, 1.125),
            (3, 0, 1.25),
            (4, 0, 1.375),
            (5, 0, 1.5),
            (6, 0, 1.625),
        ],
    }
