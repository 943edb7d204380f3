"""Results by region and by kind, over the whole window or exactly over a window of days.

The daily parts (``daily.parquet``) are sums: a window's ratio is the ratio of the window's
sums (not the mean of the daily ratios, whose denominators differ), so the whole measured
window must give back every stored ratio and count to rounding. ``pdsa compare --by`` is checked
against an independent pandas/scipy computation from the stored tables: Student t intervals
of the means, and of the differences paired on point and replication (common random numbers).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from sim.analysis import window_breakdown
from sim.cli import main
from sim.metrics.daily import ALL
from sim.reporting.loading import load_results
from sim.sweeps import run_sweep

SCENARIO = {
    "name": "by-region-tiny",
    "seed": 5,
    "horizon_days": 200,
    "warmup_days": 20,
    "architecture": {
        "kind": "fragmented",
        "entry_probability": {"hub": 0.8, "platform": 0.9},
        "update_probability": {"hub": 0.5, "platform": 0.6},
    },
    "world": {
        "platforms": [{"name": "P1"}],
        "countries": [
            {"code": "AAA", "region": "europe", "platforms": ["P1"]},
            {"code": "BBB", "region": "europe", "platforms": ["P1"]},
            {"code": "CCC", "region": "africa"},
            {"code": "DDD", "region": "africa", "platforms": ["P1"]},
            {"code": "EEE", "region": "americas"},
        ],
    },
    "records": {
        "creation_per_country_per_day": 10,
        "lifetime_days": {"dist": "exponential", "mean": 60},
        "updates_per_record_per_day": 0.05,
        "retention_grace_days": 30.0,
        "kinds": {
            "notice": {"share": 0.3, "review_days": 40, "extension_probability": 0.5},
            "document": {"share": 0.7},
        },
    },
    "outages": {"ncb": {"mtbf_days": 20, "mttr_hours": 12}},
    "queries": {"per_country_per_day": 20},
}
EVERYONE = ["africa", "americas", "europe"]
EXPERIMENT = {
    "name": "by-region-tiny",
    "scenario": "scenario.yaml",
    "replications": 3,
    "seed": 9,
    "variants": {
        "today": {},
        "road-map": {
            "migration": {
                "stages": [
                    {
                        "to": {"kind": "hybrid", "sync": "push"},
                        "waves": [
                            {"day": 80, "regions": ["europe"]},
                            {"day": 140, "regions": ["africa", "americas"]},
                        ],
                    }
                ]
            }
        },
        "big-bang": {
            "migration": {
                "stages": [
                    {"to": {"kind": "centralized"}, "waves": [{"day": 80, "regions": EVERYONE}]}
                ]
            }
        },
    },
}
RATIOS = ["completeness", "coverage", "ghost_rate", "stale_rate", "inconsistency_rate"]
RATIOS += ["conflict_rate", "stale_any_rate"]
SEARCHES = ["query_availability", "answer_share_mean", "query_timeout_share"]
SEARCHES += ["query_latency_mean_seconds"]
COUNTS = ["hits_per_year", "missed_hits_per_year", "false_hits_per_year", "stale_hits_per_year"]
COUNTS += ["searches_per_year", "hits_per_1000_searches", "false_hits_per_1000_searches"]
WINDOWED = RATIOS + SEARCHES + COUNTS


def write_experiment(folder: Path) -> Path:
    (folder / "scenario.yaml").write_text(yaml.safe_dump(SCENARIO))
    path = folder / "exp.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT, sort_keys=False))
    return path


def write_road_map(folder: Path) -> Path:
    """A migration sweep: 3 variants x 3 replications of a 5-country, 3-region world."""
    out = folder / "out"
    run_sweep(write_experiment(folder), out, workers=1)
    return out


@pytest.fixture(scope="module")
def road_map(road_map_dir: Path) -> Path:
    return road_map_dir


def compare(out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["compare", str(out), *args])
    return result.exit_code, result.output


def compared(out: Path, *args: str) -> pd.DataFrame:
    code, output = compare(out, *args, "--format", "json")
    assert code == 0, output
    return pd.DataFrame(json.loads(output))


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


# --- exact windows ---------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["region", "kind"])
def test_the_whole_window_gives_every_stored_figure_exactly(road_map, by):
    """Summing every measured day's parts and dividing gives back, to 1e-12, every ratio,
    search share and count a year that the runs stored by region (or kind)."""
    daily = pd.read_parquet(road_map / "daily.parquet")
    stored = pd.read_parquet(road_map / f"by_{by}.parquet").set_index(["run_id", by])
    windowed = window_breakdown(daily, by).set_index(["run_id", by])
    assert len(windowed) == len(stored) == 9 * (3 if by == "region" else 2)
    mismatches = [
        (key, metric, windowed.at[key, metric], stored.at[key, metric])
        for key in stored.index
        for metric in WINDOWED
        if not same(windowed.at[key, metric], stored.at[key, metric])
    ]
    assert not mismatches, mismatches[:5]
    assert stored["completeness"].notna().all() and stored["false_hits_per_year"].gt(0).any()


def test_the_whole_window_gives_the_world_figures_and_exposure(road_map):
    daily = pd.read_parquet(road_map / "daily.parquet")
    runs = pd.read_parquet(road_map / "runs.parquet").set_index("run_id")
    world = window_breakdown(daily, None).set_index("run_id")
    assert set(world["region"]) == {ALL}
    for metric in [*WINDOWED, "exposure"]:
        for run_id in runs.index:
            assert same(world.at[run_id, metric], runs.at[run_id, metric]), (run_id, metric)


def test_the_daily_table_holds_one_row_a_day_for_the_world_each_region_and_kind(road_map):
    daily = pd.read_parquet(road_map / "daily.parquet")
    one = daily[daily["run_id"] == daily["run_id"].iloc[0]]
    assert sorted(one["day"].unique()) == list(range(20, 200))
    parts = set(zip(one["region"], one["kind"], strict=True))
    assert parts == {(ALL, ALL), *((r, ALL) for r in EVERYONE), (ALL, "notice"), (ALL, "document")}
    assert (one.groupby(["region", "kind"]).size() == 180).all()
    assert one.loc[one["region"] != ALL, "copies_held"].isna().all()  # exposure: world only
    assert (one["measured_days"] == 1.0).all()


# --- compare --by region against an independent computation ----------------------------------


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    mean = float(np.mean(x))
    low, high = stats.t.interval(0.95, len(x) - 1, loc=mean, scale=stats.sem(x))
    return mean, float(low), float(high)


def test_compare_by_region_matches_pandas_and_scipy(road_map):
    """Means and t intervals per region and variant; differences paired on point and
    replication against the baseline (today), their t intervals and significance."""
    shown = compared(road_map, "--by", "region", "--metric", "completeness", "--metric",
                     "inconsistency_rate")  # fmt: skip
    table = pd.read_parquet(road_map / "by_region.parquet")
    assert len(shown) == 3 * 2 * 3
    for row in shown.itertuples():
        runs = table[(table["region"] == row.region)]
        mine = runs[runs["variant"] == row.variant].sort_values("replication")
        mean, low, high = t_interval(mine[row.metric].to_numpy())
        assert (row.n, row.mean) == (3, pytest.approx(mean, rel=1e-12))
        assert (row.ci_low, row.ci_high) == (pytest.approx(low), pytest.approx(high))
        if row.variant == "today":
            assert pd.isna(row.mean_diff)
            continue
        base = runs[runs["variant"] == "today"][["point_id", "replication", row.metric]]
        paired = mine.merge(base, on=["point_id", "replication"], suffixes=("", "_base"))
        diff = (paired[row.metric] - paired[f"{row.metric}_base"]).to_numpy()
        mean_d, low_d, high_d = t_interval(diff)
        assert row.mean_diff == pytest.approx(mean_d, rel=1e-9)
        assert (row.diff_ci_low, row.diff_ci_high) == (pytest.approx(low_d), pytest.approx(high_d))
        assert row.significant == (low_d > 0 or high_d < 0)
    africa = shown[(shown["region"] == "africa") & (shown["metric"] == "completeness")]
    gain = africa.set_index("variant")
    # Pairing narrows the interval: the paired one is narrower than the unpaired spread.
    assert gain.at["big-bang", "diff_ci_high"] - gain.at["big-bang", "diff_ci_low"] < (
        gain.at["big-bang", "ci_high"] - gain.at["big-bang", "ci_low"]
    )


def test_compare_by_region_prints_a_block_per_region_within_100_columns(road_map):
    code, output = compare(road_map, "--by", "region")
    assert code == 0, output
    for region in EVERYONE:
        assert f"Region {region}, the scenario as given (3 runs per variant)" in output
    assert "Completeness (%), higher is better" in output
    assert max(len(line) for line in output.splitlines()) <= 100


def test_compare_by_kind_reads_by_kind(road_map):
    shown = compared(road_map, "--by", "kind", "--metric", "completeness")
    table = pd.read_parquet(road_map / "by_kind.parquet")
    assert set(shown["kind"]) == {"notice", "document"}
    notice = table[(table["kind"] == "notice") & (table["variant"] == "big-bang")]
    row = shown[(shown["kind"] == "notice") & (shown["variant"] == "big-bang")].iloc[0]
    assert row["mean"] == pytest.approx(notice["completeness"].mean(), rel=1e-12)


# --- --days against a hand computation -------------------------------------------------------


def test_compare_days_is_the_ratio_of_the_windows_sums(road_map):
    """Days 80 to 139 in Africa, by hand from daily.parquet: completeness is the window's
    sum of visible active record-days over its sum of entitled ones, run by run; the gain
    of the big bang is paired replication by replication. Neither the mean of the daily
    ratios nor one more day would give it."""
    shown = compared(road_map, "--by", "region", "--days", "80:140", "--metric", "completeness")
    daily = pd.read_parquet(road_map / "daily.parquet")
    africa = daily[(daily["region"] == "africa") & (daily["kind"] == ALL)]

    def per_run(first: int, end: int, how: str = "sums") -> pd.Series:
        days = africa[(africa["day"] >= first) & (africa["day"] < end)]
        if how == "daily mean":
            return (days["vis_act"] / days["act"]).groupby(days["run_id"]).mean()
        sums = days.groupby("run_id")[["vis_act", "act"]].sum()
        return sums["vis_act"] / sums["act"]

    keys = africa.drop_duplicates("run_id").set_index("run_id")[["variant", "replication"]]
    hand = keys.assign(value=per_run(80, 140))
    by_variant = {v: g.set_index("replication")["value"] for v, g in hand.groupby("variant")}
    row = shown[(shown["region"] == "africa")].set_index("variant")
    assert row.at["big-bang", "mean"] == pytest.approx(by_variant["big-bang"].mean(), rel=1e-12)
    gain = (by_variant["big-bang"] - by_variant["today"]).to_numpy()
    mean_d, low_d, high_d = t_interval(gain)
    assert row.at["big-bang", "mean_diff"] == pytest.approx(mean_d, rel=1e-9)
    assert row.at["big-bang", "diff_ci_low"] == pytest.approx(low_d)
    assert row.at["big-bang", "diff_ci_high"] == pytest.approx(high_d)
    assert set(row["days_from"]) == {80} and set(row["days_to"]) == {140}
    wrong = {
        "mean of daily ratios": keys.assign(value=per_run(80, 140, "daily mean")),
        "day 140 included": keys.assign(value=per_run(80, 141)),
    }
    for why, other in wrong.items():
        value = other.loc[other["variant"] == "big-bang", "value"].mean()
        assert abs(value - row.at["big-bang", "mean"]) > 1e-9, why


def test_before_the_first_wave_every_variant_is_today(road_map):
    """Until day 80 nobody has moved: the paired differences are zero to rounding."""
    shown = compared(road_map, "--by", "region", "--days", ":80", "--metric", "completeness")
    moved = shown[shown["variant"] != "today"]
    assert np.abs(moved["mean_diff"].astype(float)).max() < 1e-12
    later = compared(road_map, "--by", "region", "--days", "80:", "--metric", "completeness")
    assert later[later["variant"] == "big-bang"]["mean_diff"].astype(float).min() > 0.01


def test_days_says_what_a_window_leaves_out(road_map):
    code, output = compare(road_map, "--by", "region", "--days", "80:140")
    assert code == 0, output
    assert "Days 80 to 139 (--days 80:140)" in output
    assert "percentiles are left out of a window" in " ".join(output.split())
    assert "95th percentile" not in output
    code, world = compare(road_map, "--days", "140:")
    assert code == 0 and "The world, the scenario as given" in world


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "10:50"], "--days 10:50: outside the measured days; the measured days are"
                              " 20:200"),
        (["--days", "150:90"], "--days 150:90: an empty window (FROM must be below TO)"),
        (["--days", "90:90"], "--days 90:90: an empty window"),
        (["--days", ":250"], "--days :250: outside the measured days"),
        (["--days", "forty:"], "--days: 'forty:' is not FROM:TO in whole days"),
        (["--days", "80"], "--days: '80' is not FROM:TO"),
        (["--by", "region", "--days", "80:", "--metric", "lag_p95_hours"],
         "--metric: lag_p95_hours has no value over a window of days"),
        (["--by", "region", "--metric", "completness"], "did you mean 'completeness'"),
    ],
)  # fmt: skip
def test_a_bad_window_or_metric_is_one_line_and_exit_2(road_map, args, message):
    code, output = compare(road_map, *args)
    assert code == 2
    assert message in output and len(output.strip().splitlines()) == 1, output


def test_results_read_by_kind_and_windows(road_map):
    results = load_results(road_map)
    assert set(results.by_kind["kind"]) == {"notice", "document"}
    whole = results.breakdown("region").set_index(["run_id", "region"])["completeness"]
    exact = results.breakdown("region", 20, 200).set_index(["run_id", "region"])["completeness"]
    np.testing.assert_allclose(exact.loc[whole.index], whole, rtol=1e-12)


# --- the chart and the report ----------------------------------------------------------------


def test_gain_by_region_chart_draws_the_paired_gains(road_map):
    from sim.reporting.charts import CHARTS

    results = load_results(road_map)
    fig, data = CHARTS["region_gains"](results)
    shown = compared(road_map, "--by", "region", "--metric", "completeness")
    expected = shown[shown["variant"] != "today"].set_index(["region", "variant"])["mean_diff"]
    drawn = data[data["metric"] == "completeness"].set_index(["region", "variant"])["mean_diff"]
    np.testing.assert_allclose(drawn.loc[expected.index], expected, rtol=1e-12)
    points = [a for a in fig.findobj() if str(a.get_gid()).startswith("point:")]
    xs = sorted(float(x) for p in points for x, _ in p.get_offsets())
    assert xs == pytest.approx(sorted(100 * data["mean_diff"]))
    assert {a.get_gid() for a in fig.findobj() if str(a.get_gid()).startswith("interval:")} == {
        "interval:road-map",
        "interval:big-bang",
    }


def test_report_has_the_region_table_and_the_road_map_period_by_period(road_map, tmp_path):
    from sim.reporting.report import write_report

    text = write_report(load_results(road_map), tmp_path / "r.md", "md").read_text()
    assert "## Results by region, against today" in text
    assert "## The road map, period by period" in text
    for title in ("Period 1 (days 20–79): before the first wave",
                  "Period 2 (days 80–139): from the waves of its first day: road-map: europe to",
                  "Period 3 (days 140–199): from the waves of its first day: road-map: africa,"
                  " americas to"):  # fmt: skip
        assert title in text
    shown = compared(road_map, "--by", "region", "--days", "140:", "--metric", "completeness")
    africa = shown[shown["region"] == "africa"].set_index("variant")
    low, high = (min(africa.at["road-map", c], 1.0) for c in ("ci_low", "ci_high"))
    expected = (
        f"In days 140–199, africa: completeness {100 * africa.at['road-map', 'mean']:.1f} %"
        f" [{100 * low:.1f}, {100 * high:.1f}] under road-map, against"
    )
    assert expected in text
    assert "under every variant alike" in text  # before the first wave nobody moved
