"""An architecture per record kind (``architecture: {kind: mixed, by_kind: ..., other: ...}``):
each kind measures as under its pure architecture, the overall figures combine the kinds, and
a mix that names no architecture for a kind is refused."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.runner import run_one
from tests.helpers import differing, scenario

FIXED = {"dist": "fixed", "value": 3}
BASE = {
    "horizon_days": 240,
    "warmup_days": 30,
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
        name: {"delay_hours": FIXED, "query_delay_seconds": {"dist": "fixed", "value": 2}}
        for name in ("ncb_to_hub", "ncb_to_platform", "platform_to_hub", "ncb_to_ncb")
    },
    "outages": {
        "hub": {"mtbf_days": 20, "mttr_hours": 12},
        "platform": {"mtbf_days": 30, "mttr_hours": 6},
        "ncb": {"mtbf_days": 15, "mttr_hours": 24},
    },
}

MIX = {
    "kind": "mixed",
    "by_kind": {
        "document": {"kind": "centralized"},
        "vehicle": {"kind": "federated", "routing": "issuer"},
    },
    "other": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 3.0},
}


def run(architecture: dict, seed: int = 7):
    return run_one(scenario({**BASE, "architecture": architecture}), seed=seed)


def test_each_kind_of_a_mix_measures_as_under_its_pure_architecture():
    """Documents through the hub, vehicles asked of their issuer, notices through the
    platforms synchronised every 3 days: every figure of each kind equals the pure
    architecture's (to 1e-12: sums taken in another order). The kinds share no queue and the
    links' delays are fixed: with random delays they would draw from one stream per link in
    turn, and agree in distribution only."""
    mixed = run(MIX).by_kind
    pure = {
        "document": run({"kind": "centralized"}).by_kind,
        "vehicle": run({"kind": "federated", "routing": "issuer"}).by_kind,
        "notice": run(MIX["other"]).by_kind,
    }
    for kind, by_kind in pure.items():
        assert differing(mixed[kind], by_kind[kind]) == [], kind
    assert differing(pure["document"]["notice"], mixed["notice"], rel=1e-6) != []


def test_the_overall_figures_combine_the_kinds():
    """Completeness over all records lies between the kinds' (a ratio of summed integrals);
    the mix's ghost and stale shares are those of the kinds that can show one; a federated
    part shows none."""
    result = run(MIX)
    by_kind, overall = result.by_kind, result.metrics
    values = [by_kind[k]["completeness"] for k in ("notice", "document", "vehicle")]
    assert min(values) < overall["completeness"] < max(values)
    assert by_kind["vehicle"]["ghost_rate"] == 0.0
    assert overall["exposure"] > 0
    assert result.scenario["architecture"]["kind"] == "mixed"


def test_the_label_names_each_part():
    s = scenario({**BASE, "architecture": MIX})
    assert s.architecture.label() == (
        "mixed: document centralized; vehicle federated by issuer; other hybrid batch 3d"
    )


@pytest.mark.parametrize(
    ("architecture", "message"),
    [
        (
            {"kind": "mixed", "by_kind": {"documnt": {"kind": "centralized"}}},
            "architecture.by_kind.documnt: not a record kind; did you mean 'document'?",
        ),
        (
            {"kind": "mixed", "by_kind": {"document": {"kind": "centralized"}}},
            "architecture.by_kind: no architecture for notice, vehicle",
        ),
        (
            {"kind": "mixed", "by_kind": {"document": {"kind": "mixed", "by_kind": {}}}},
            "architecture.by_kind.document",
        ),
    ],
)
def test_a_mix_without_an_architecture_for_a_kind_is_refused(tmp_path, architecture, message):
    path = tmp_path / "mix.yaml"
    path.write_text(yaml.safe_dump({**BASE, "architecture": architecture}))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert message in result.output
