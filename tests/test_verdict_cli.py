"""The verdict as a user reads it, on a small sweep over worlds with a lever's own setting
gridded: ``pdsa robustness`` with several thresholds and strict JSON, ``pdsa compare`` with
the spread over worlds and equivalence, ``pdsa gains``, the report's recommendation and
tables, and slides exactly 16:9.

Two countries on two platforms, records living 30 days (exponential), no delays: a central
hub shows each record at once, a hybrid batching every T days shows (L/T)(1 - e^(-T/L)) of
them (tests/test_theory.py), 0.9 at T = 6.44 days.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from sim.cli import main
from sim.reporting import load_results
from sim.reporting.charts import CHARTS, render
from sim.reporting.report import write_report
from sim.sweeps import run_sweep

SCENARIO = {
    "name": "batches",
    "seed": 5,
    "horizon_days": 400,
    "warmup_days": 60,
    "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7},
    "world": {
        "platforms": [{"name": "EUR"}, {"name": "AFR"}],
        "countries": [
            {"code": "AAA", "region": "europe", "platforms": ["EUR"]},
            {"code": "BBB", "region": "africa", "platforms": ["AFR"]},
        ],
    },
    "records": {
        "creation_per_country_per_day": 20,
        "lifetime_days": {"dist": "exponential", "mean": 30},
    },
    "queries": {"per_country_per_day": 5},
    "stores": {"hub": {"service_seconds": {"dist": "exponential", "mean": 0.01}},
               "platform": {"service_seconds": {"dist": "exponential", "mean": 0.01}},
               "ncb": {"service_seconds": {"dist": "exponential", "mean": 0.01}}},
}  # fmt: skip
EXPERIMENT = {
    "name": "batches",
    "scenario": "scenario.yaml",
    "seed": 9,
    "variants": {
        "centralized": {"architecture": {"kind": "centralized"}},
        "hybrid-batch": {},
    },
    "grid": {
        "architecture.sync_interval_days": {
            "range": [2, 12], "n": 6, "variants": ["hybrid-batch"],
        }
    },
    "uncertainties": {
        "design": "lhs",
        "worlds": 4,
        "parameters": {"queries.deleted_search_ratio": {"range": [0.1, 1000], "scale": "log"}},
    },
}  # fmt: skip
L = 30.0


def strict_loads(text: str):
    """Python's parser accepts NaN and Infinity; a strict one does not."""

    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batches")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    (folder / "exp.yaml").write_text(yaml.safe_dump(EXPERIMENT, sort_keys=False))
    run_sweep(folder / "exp.yaml", folder / "out", workers=1)
    return folder / "out"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.slow
def test_the_robust_batch_interval_recovers_the_closed_form(sweep_dir):
    """Each world's break-even on completeness >= 0.9 sits at the closed form's 6.44 days,
    within the interpolation between grid values (2 days apart: 0.05) and the runs' noise."""
    result = invoke(
        "robustness", str(sweep_dir), "--threshold", "completeness>=0.9", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    found = strict_loads(result.stdout)
    setting = next(s for s in found["settings"] if s["variant"] == "hybrid-batch")
    from scipy.optimize import brentq

    exact = brentq(lambda t: (L / t) * (1 - math.exp(-t / L)) - 0.9, 0.1, 50)
    assert exact == pytest.approx(6.44, abs=0.01)
    assert setting["meets_below"] is True
    for even in setting["break_evens"]:
        assert even == pytest.approx(exact, abs=0.35)
    assert setting["met_share"][:2] == [1.0, 1.0] and setting["met_share"][-1] == 0.0


@pytest.mark.slow
def test_robustness_takes_every_criterion_and_writes_strict_json(sweep_dir):
    result = invoke(
        "robustness", str(sweep_dir), "--threshold", "completeness>=0.9",
        "--threshold", "servers_needed_total<=20", "--tie", "completeness=0.02",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Every criterion at once over 4 worlds" in result.stdout
    assert "Pareto front of completeness, servers_needed_total" in result.stdout
    assert "within 2 percentage points" in result.stdout
    assert "A lever's own settings" in result.stdout
    text = invoke("robustness", str(sweep_dir), "--format", "json").stdout
    assert "NaN" not in text and "Infinity" not in text
    found = strict_loads(text)
    assert found["tie"]["absolute"] == 0.005
    nulls = [b for b in found["break_even"] if b["value"] is None]
    assert all("why_null" in b and "value" in b["why_null"] for b in nulls)


@pytest.mark.slow
def test_compare_json_is_strict_and_its_table_shows_the_range_over_worlds(sweep_dir):
    text = invoke("compare", str(sweep_dir), "--metric", "completeness", "--format", "json")
    rows = strict_loads(text.stdout)
    baseline = [r for r in rows if r["variant"] == "centralized"]
    assert baseline and all(r["mean_diff"] is None for r in baseline)
    assert all(r["why_null"]["mean_diff"] for r in baseline)
    assert {"p05", "p50", "p95"} <= set(rows[0])
    table = invoke("compare", str(sweep_dir), "--metric", "completeness").stdout
    assert "90% of worlds" in table


@pytest.mark.slow
def test_two_settings_within_the_threshold_are_called_equivalent(sweep_dir):
    """The hub (every record at once) and a 2-day batch (96.8 %) differ by about 3 points of
    completeness: a 5-point threshold makes them equivalent rather than ranked."""
    table = invoke(
        "compare", str(sweep_dir), "--metric", "completeness", "--tie", "completeness=0.05"
    ).stdout
    assert "equivalent: " in table
    flat = " ".join(table.split())  # the heading wraps at 100 columns
    assert re.search(r"equivalent: [^*]{0,200}?; in \d+% of the worlds", flat), flat


@pytest.mark.slow
def test_gains_prices_each_missed_hit_avoided(sweep_dir):
    result = invoke("gains", str(sweep_dir), "--baseline", "hybrid-batch")
    assert result.exit_code == 0, result.output
    assert "missed hits avoided a year" in result.stdout
    assert "EUR a year per missed hit avoided" in result.stdout
    rows = strict_loads(invoke("gains", str(sweep_dir), "--format", "json").stdout)
    assert {r["item"] for r in rows} >= {"extra servers", "extra cost a year (EUR)"}


@pytest.mark.slow
def test_the_report_recommends_in_two_sentences_and_shows_the_spread_and_the_costs(
    sweep_dir, tmp_path
):
    results = load_results(sweep_dir)
    html = write_report(results, tmp_path / "r.html").read_text()
    bottom = html[html.index("<h2>Bottom line</h2>") : html.index("<h2>Executive summary")]
    assert "Choose " in bottom
    assert "What may happen: the range over plausible worlds" in html
    assert "What each gain costs, against centralized" in html
    assert "The uncertainties sampled, with the range of their values" in html
    assert "queries.deleted_search_ratio" in html


@pytest.mark.slow
@pytest.mark.parametrize("chart", ["comparison", "ranking_odds", "distribution", "settings"])
def test_a_slide_is_exactly_16_by_9(sweep_dir, chart):
    fig, _ = CHARTS[chart](load_results(sweep_dir))
    width, height = Image.open(io.BytesIO(render(fig, "png", "slide"))).size
    assert width * 9 == height * 16, (width, height)
