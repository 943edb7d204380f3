"""Scenarios whose full metrics are pinned in tests/golden/ (see test_golden.py)."""

from __future__ import annotations

from typing import Any

GOLDEN: dict[str, dict[str, Any]] = {
    "hybrid-batch-outages": {
        "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 3},
        "world": {
            "platforms": [{"name": "P1"}, {"name": "P2"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                {"code": "BBB", "region": "europe", "platforms": ["P1", "P2"]},
                {"code": "CCC", "region": "africa", "platforms": ["P2"], "weight": 2.0},
                {"code": "DDD", "region": "americas"},
            ],
        },
        "records": {
            "updates_per_record_per_day": 0.05,
            "scope": {"global": 0.7, "regional": 0.2, "national": 0.1},
        },
        "links": {
            "ncb_to_platform": {"delay_hours": {"dist": "exponential", "mean": 6}},
            "platform_to_hub": {"delay_hours": {"dist": "lognormal", "mean": 12, "sigma": 1}},
        },
        "stores": {"hub": {"servers": 1, "service_seconds": {"dist": "exponential", "mean": 30}}},
        "outages": {
            "hub": {"mtbf_days": 20, "mttr_hours": 12},
            "platform": {"mtbf_days": 30, "mttr_hours": 6},
            "ncb": {"mtbf_days": 40, "mttr_hours": 24},
        },
    },
    "fragmented-kinds": {
        "architecture": {
            "kind": "fragmented",
            "entry_probability": {"hub": 0.8, "platform": 0.9},
            "update_probability": {"hub": 0.6, "platform": 0.7},
            "entry_delay_hours": {"hub": {"dist": "exponential", "mean": 20}},
        },
        "world": {
            "platforms": [{"name": "P1"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                {"code": "BBB", "region": "europe", "platforms": ["P1"]},
                {"code": "CCC", "region": "africa"},
            ],
        },
        "records": {
            "kinds": {
                "notice": {
                    "share": 0.3,
                    "review_days": 40,
                    "extension_probability": 0.5,
                    "updates_per_record_per_day": 0.05,
                },
                "document": {"share": 0.7, "lifetime_days": {"dist": "exponential", "mean": 60}},
            },
            "denials": [{"countries": ["CCC"], "share": 0.2}],
        },
    },
    "federated-index": {
        "architecture": {"kind": "federated", "index": True, "query_deadline_seconds": 5},
        "links": {
            "ncb_to_ncb": {"query_delay_seconds": {"dist": "exponential", "mean": 1}},
            "ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 2}},
        },
        "outages": {"ncb": {"mtbf_days": 15, "mttr_hours": 12}},
    },
    "mixed-kinds": {
        "architecture": {
            "kind": "mixed",
            "by_kind": {
                "document": {"kind": "centralized"},
                "vehicle": {"kind": "federated", "routing": "issuer"},
            },
            "other": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 3.0},
        },
        "world": {
            "platforms": [{"name": "P1"}],
            "countries": [
                {"code": "AAA", "region": "europe", "platforms": ["P1"]},
                {"code": "BBB", "region": "europe", "platforms": ["P1"]},
                {"code": "CCC", "region": "africa"},
            ],
        },
        "records": {
            "updates_per_record_per_day": 0.05,
            "kinds": {
                "notice": {"share": 0.3, "review_days": 40, "extension_probability": 0.5},
                "document": {"share": 0.5, "lifetime_days": {"dist": "exponential", "mean": 60}},
                "vehicle": {"share": 0.2},
            },
        },
        "queries": {
            "kinds": {
                "notice": {"share": 0.4},
                "document": {"share": 0.4, "names_issuer": True},
                "vehicle": {"share": 0.2, "names_issuer": True},
            }
        },
        "links": {
            "ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 3}},
            "ncb_to_ncb": {"query_delay_seconds": {"dist": "exponential", "mean": 2}},
        },
        "outages": {"ncb": {"mtbf_days": 15, "mttr_hours": 24}},
    },
}
