"""``pdsa robustness``, ``pdsa compare``, ``pdsa sensitivity`` and the report on a small sweep
with sampled worlds: today's manual entry (fragmented) against a slow central hub, with the
chance a record is keyed into the hub as the uncertainty that decides between them.

With a record lifetime of 20 days, the hub's 48-hour link leaves it L / (L + d) = 0.909 of the
records; manual entry with a 1-hour link leaves p x 0.998, so the two are equal near p = 0.91.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.reporting import load_results
from sim.reporting.charts import CHARTS, ROBUSTNESS_CHARTS, charts_for
from sim.reporting.report import write_report
from sim.reporting.robust_text import robustness_sentences
from sim.sweeps import run_sweep

ENTRY = "architecture.entry_probability.hub"
SCENARIO = {
    "name": "crossing",
    "seed": 7,
    "horizon_days": 80,
    "warmup_days": 30,
    "architecture": {"kind": "fragmented"},
    "world": {
        "countries": [
            {"code": "AAA", "region": "europe"},
            {"code": "BBB", "region": "europe"},
            {"code": "CCC", "region": "africa"},
        ]
    },
    "records": {
        "creation_per_country_per_day": 10,
        "lifetime_days": {"dist": "exponential", "mean": 20},
    },
    "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 1}}},
    "queries": {"per_country_per_day": 5},
}
SLOW_HUB = {"dist": "exponential", "mean": 48}
EXPERIMENT = {
    "name": "crossing",
    "scenario": "scenario.yaml",
    "replications": 1,
    "seed": 3,
    "variants": {
        "fragmented": {},
        "central-slow": {
            "architecture": {"kind": "centralized"},
            "links": {"ncb_to_hub": {"delay_hours": SLOW_HUB}},
        },
    },
    "uncertainties": {
        "design": "lhs",
        "worlds": 20,
        "parameters": {
            ENTRY: {"range": [0.8, 1.0]},
            "records.creation_per_country_per_day": {"range": [8, 12]},
        },
    },
}


@pytest.fixture(scope="module")
def worlds_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("worlds")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    (folder / "exp.yaml").write_text(yaml.safe_dump(EXPERIMENT, sort_keys=False))
    run_sweep(folder / "exp.yaml", folder / "out", workers=1)
    return folder / "out"


def first_shares(out: Path, threshold: float = 0.005) -> dict[str, float]:
    """Independently of sim.robustness: per lever, the share of worlds in which its
    completeness (mean over the world's replications) is within the materiality threshold
    (half a point) of the world's best: equal levers share first place, so the shares add up
    to 1 only when no world has two levers within the threshold."""
    runs = pd.read_parquet(out / "runs.parquet")
    table = runs.pivot_table(index="world", columns="variant", values="completeness")
    first = table.ge(table.max(axis=1) - threshold, axis=0)
    return {str(k): float(v) for k, v in first.mean().items()}


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_robustness_json_finds_the_crossing_and_where_today_loses(worlds_dir):
    result = invoke("robustness", str(worlds_dir), "--format", "json",
                    "--threshold", "completeness>=0.9")  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["worlds"] == 20 and {found["leader"], found["rival"]} == {
        "fragmented",
        "central-slow",
    }
    first = {r["lever"]: r["1"] for r in found["ranks"]}
    assert first == pytest.approx(first_shares(worlds_dir)) and 0 < first["fragmented"] < 1
    entry = next(b for b in found["break_even"] if b["uncertainty"] == ENTRY)
    assert entry["value"] == pytest.approx(0.91, abs=0.04)
    assert entry["low"] < entry["value"] < entry["high"]
    box = found["discovery"]
    assert box["limits"][0]["uncertainty"] == ENTRY
    assert box["coverage"] > 0.7 and box["density"] > 0.7
    assert {r["lever"] for r in found["satisficing"]} == {"fragmented", "central-slow"}


def test_robustness_table_and_its_refusals(worlds_dir, tmp_path):
    table = invoke("robustness", str(worlds_dir))
    assert table.exit_code == 0, table.output
    for heading in (
        "Ranking odds",
        "±95%",
        "Break-even",
        "Scenario discovery (PRIM)",
        "What drives",
    ):
        assert heading in table.output
    bad = invoke("robustness", str(worlds_dir), "--threshold", "completeness=>0.9")
    assert bad.exit_code == 2 and "METRIC>=VALUE" in bad.output
    typo = invoke("robustness", str(worlds_dir), "--metric", "completenes")
    assert typo.exit_code == 2 and "did you mean 'completeness'" in typo.output


def test_compare_pools_the_worlds_with_first_places_and_regret(worlds_dir):
    result = invoke("compare", str(worlds_dir), "--metric", "completeness")
    assert result.exit_code == 0, result.output
    assert "all 20 worlds" in result.output and "first in" in result.output
    as_csv = invoke("compare", str(worlds_dir), "--metric", "completeness", "--format", "csv")
    rows = pd.read_csv(pd.io.common.StringIO(as_csv.stdout))
    assert set(rows["n"]) == {20}
    shares = first_shares(worlds_dir)
    assert dict(zip(rows["variant"], rows["p_first"], strict=True)) == pytest.approx(shares)


def test_sensitivity_ranks_the_uncertainties_in_words(worlds_dir):
    result = invoke("sensitivity", str(worlds_dir), "--metric", "completeness")
    assert result.exit_code == 0, result.output
    assert "completeness under fragmented: ranked by extra-trees feature score over 20 worlds" \
        in result.stdout  # fmt: skip
    sentence = next(
        s for s in result.stdout.splitlines() if s.startswith("completeness under frag")
    )
    assert "those above the noise floor" in sentence and ENTRY in sentence
    creation = "records.creation_per_country_per_day"  # moves volumes, not shares: noise
    assert creation not in sentence or sentence.index(ENTRY) < sentence.index(creation)
    central = next(s for s in result.stdout.splitlines() if s.startswith("completeness under c"))
    assert f"it has no {ENTRY}" in central
    assert f"{ENTRY} (" not in central, "a key the lever lacks is never ranked"


def test_report_has_the_robustness_section_and_its_charts(worlds_dir, tmp_path):
    results = load_results(worlds_dir)
    drawn = [c for c in ROBUSTNESS_CHARTS if c != "settings"]  # no lever setting gridded
    assert set(drawn) <= set(charts_for(results)) and "settings" not in charts_for(results)
    assert "sensitivity" not in charts_for(results), "no grid: nothing for its lines to show"
    text = write_report(results, tmp_path / "r.html").read_text()
    section = text[text.index("<h2>How robust is the ranking?</h2>") : text.index("<h2>Charts")]
    assert "plausible worlds" in section and "PRIM box, coverage" in section
    assert "entry probability hub is 0.9" in section
    assert section.count("<img ") == len(drawn)
    for name in drawn:
        fig, data = CHARTS[name](results)
        assert not data.empty, name


def test_a_sweep_without_worlds_draws_no_robustness_chart(tmp_path):
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    plain = {k: v for k, v in EXPERIMENT.items() if k != "uncertainties"}
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump(plain))
    run_sweep(tmp_path / "exp.yaml", tmp_path / "out", workers=1)
    results = load_results(tmp_path / "out")
    assert not set(ROBUSTNESS_CHARTS) & set(charts_for(results))
    assert robustness_sentences(results) == []  # the report has no such section
    refused = invoke("robustness", str(tmp_path / "out"))
    assert refused.exit_code == 2 and "has no uncertainties" in refused.output
