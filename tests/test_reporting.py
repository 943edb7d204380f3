"""Charts from a small sweep-format directory built from real runs (sim.reporting.charts)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from sim.config import scenario_from_dict
from sim.results import write_run_outputs
from sim.runner import run_one

BASE: dict[str, Any] = {
    "name": "two-regions-test",
    "seed": 11,
    "horizon_days": 120,
    "warmup_days": 30,
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
        "updates_per_record_per_day": 0.05,
    },
    "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
    "outages": {"hub": {"mtbf_days": 30, "mttr_hours": 36}},
    "queries": {"per_country_per_day": 40},
}
VARIANTS: dict[str, dict[str, Any]] = {
    "centralized": {"kind": "centralized"},
    "hybrid batch 7d": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7},
    "fragmented": {"kind": "fragmented", "entry_probability": {"hub": 0.85}},
}
FACTOR = "links.ncb_to_hub.delay_hours.mean"
POINTS = (6.0, 48.0)
REPLICATIONS = 3
FAILED = ("fragmented", 1, 2)
"""(variant, point_id, replication) of the run recorded as failed."""


def set_path(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    node = out
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return out


def keyed(table: pd.DataFrame, keys: dict[str, Any]) -> pd.DataFrame:
    table = table.copy()
    for column, value in reversed(keys.items()):
        table.insert(0, column, value)
    return table


def write_sweep_dir(out: Path, variants: dict[str, dict[str, Any]] = VARIANTS) -> Path:
    """A directory in the sweep contract's format, from real ``run_one`` results."""
    rows, tables = [], {"timeseries": [], "visibility": [], "by_region": [], "outages": []}
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for variant, architecture in variants.items():
        for point, value in enumerate(POINTS):
            point_id = f"p{point:03d}"  # as the sweep names its points
            raw = set_path({**BASE, "architecture": architecture}, FACTOR, value)
            scenario = scenario_from_dict(raw)
            for replication in range(REPLICATIONS):
                run_id = f"{variant.replace(' ', '-')}--{point_id}--r{replication:03d}"
                keys = {
                    "run_id": run_id,
                    "variant": variant,
                    "point_id": point_id,
                    "replication": replication,
                }
                row = keys | {FACTOR: value, "seed": BASE["seed"] + replication}
                if (variant, point, replication) == FAILED:
                    rows.append(
                        row
                        | {"status": "failed", "error": "RuntimeError: boom", "wall_seconds": 0.0}
                    )
                    continue
                result = run_one(scenario, row["seed"])
                rows.append(
                    row
                    | {"status": "ok", "error": None, "wall_seconds": result.wall_seconds}
                    | result.scalar_metrics()
                )
                tables["timeseries"].append(keyed(result.timeseries, keys))
                tables["visibility"].append(keyed(result.visibility_curve, keys))
                tables["outages"].append(keyed(result.outages, keys))
                regions = pd.DataFrame([{"region": r} | m for r, m in result.by_region.items()])
                tables["by_region"].append(keyed(regions, keys))
                (out / "runs" / f"{run_id}.json").write_text(
                    json.dumps(result.summary(), default=str), encoding="utf-8"
                )
                scenario_dict, sha = result.scenario, result.scenario_sha256
    runs = pd.DataFrame(rows)
    runs.to_parquet(out / "runs.parquet", index=False)
    runs.to_csv(out / "runs.csv", index=False)
    for name, frames in tables.items():
        pd.concat(frames, ignore_index=True).to_parquet(out / f"{name}.parquet", index=False)
    manifest = {
        "experiment": "architectures-test",
        "experiment_sha256": "0" * 64,
        "scenario_sha256": sha,
        "scenario": scenario_dict,
        "variants": list(variants),
        "baseline": next(iter(variants)),
        "factors": [FACTOR],
        "replications": REPLICATIONS,
        "seed": BASE["seed"],
        "version": "0.1.0",
        "python": "3.11",
        "dependencies": {"simpy": "4.1.1"},
        "started": "2025-01-01T00:00:00",
        "finished": "2025-01-01T00:01:00",
        "counts": {
            "total": len(runs),
            "ok": int((runs.status == "ok").sum()),
            "failed": int((runs.status != "ok").sum()),
        },
        "failures": [
            {"run_id": r.run_id, "error": r.error} for r in runs.itertuples() if r.status != "ok"
        ],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out


def write_run_dir(out: Path) -> Path:
    raw = {**BASE, "architecture": VARIANTS["hybrid batch 7d"]}
    write_run_outputs(run_one(scenario_from_dict(raw)), out)
    return out


NOTHING_TO_SHOW = {
    "sweep": {"behaviour"},
    "run": {"sensitivity", "behaviour", "differences", "region_gains"},
}
"""Charts with nothing to show for each fixture (behaviour off; one run: no grid, nothing to
differ from): placeholders that the report and the default plots leave out."""


if __name__ == "__main__":  # build the fixtures by hand: python -m tests.test_reporting DIR
    import sys

    target = Path(sys.argv[1])
    write_sweep_dir(target / "sweep")
    write_run_dir(target / "run")


# --- the tests -------------------------------------------------------------------------------

from sim.reporting import load_results, write_charts  # noqa: E402
from sim.reporting.charts import CHARTS, STANDARD_CHARTS  # noqa: E402


@pytest.fixture(scope="session")
def sweep(sweep_dir: Path):
    return load_results(sweep_dir)


def gids(fig, prefix: str) -> dict[str, list]:
    """Artists whose gid starts with ``prefix:``, by variant."""
    found: dict[str, list] = {}
    for artist in fig.findobj(lambda a: (a.get_gid() or "").startswith(prefix + ":")):
        found.setdefault(artist.get_gid().split(":", 1)[1], []).append(artist)
    return found


def axes_labelled(fig) -> None:
    for ax in fig.axes:
        if ax.axison and ax.get_label() != "<colorbar>" and ax.has_data():
            assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
    assert fig._suptitle is not None and fig._suptitle.get_text()
    assert any("Scenario:" in t.get_text() for t in fig.texts), "caption missing"


def no_nan(data: pd.DataFrame) -> None:
    assert not data.empty
    assert not data.isna().any().any(), data[data.isna().any(axis=1)]


def test_sweep_loads_with_failed_run(sweep) -> None:
    assert sweep.kind == "sweep"
    assert sweep.variants == list(VARIANTS)
    assert len(sweep.failed_runs) == 1
    assert sweep.replications == REPLICATIONS
    assert set(sweep.timeseries["run_id"]) <= set(sweep.ok_runs["run_id"])


def test_comparison_one_bar_and_whisker_per_variant_and_panel(sweep) -> None:
    fig, data = CHARTS["comparison"](sweep)
    axes_labelled(fig)
    no_nan(data)
    bars, whiskers = gids(fig, "bar"), gids(fig, "interval")
    assert set(bars) == set(VARIANTS) == set(whiskers)
    drawn_rows = data.groupby("variant").size().to_dict()
    assert {v: len(b) for v, b in bars.items()} == drawn_rows
    # Six metric panels; a panel without a variant's bar says why: its lag p95 never comes
    # (more than 5 % of records never reach officers elsewhere: fragmented misses 15 % of
    # entries, a weekly batch outlives some records).
    missing = sum(6 - n for n in drawn_rows.values())
    assert missing > 0
    assert sum(t.get_text() == "never" for ax in fig.axes for t in ax.texts) == missing
    heights = {(v, round(b.get_height(), 9)) for v, bs in bars.items() for b in bs}
    assert heights == {(r.variant, round(r.mean, 9)) for r in data.itertuples()}


def test_comparison_interval_contains_mean(sweep) -> None:
    _, data = CHARTS["comparison"](sweep)
    assert (data["ci_low"] <= data["mean"] + 1e-12).all()
    assert (data["mean"] <= data["ci_high"] + 1e-12).all()
    shares = data[data["metric"] != "lag_p95_hours"]
    assert shares["ci_low"].min() >= 0 and shares["ci_high"].max() <= 100


def test_outcomes_and_costs_side_by_side(sweep) -> None:
    """One bar and whisker per variant in each panel with a value (outcomes above, costs
    below); a cost the runs cannot give (servers, without a service time) is marked n/a."""
    fig, data = CHARTS["outcomes_costs"](sweep)
    axes_labelled(fig)
    no_nan(data)
    drawn = sorted(set(data["metric"]))
    bars, whiskers = gids(fig, "bar"), gids(fig, "interval")
    assert set(bars) == set(VARIANTS) == set(whiskers)
    assert all(len(b) == len(drawn) for b in bars.values())
    heights = {(v, round(b.get_height(), 6)) for v, bs in bars.items() for b in bs}
    assert heights == {(r.variant, round(r.mean, 6)) for r in data.itertuples()}
    assert "missed_hits_per_year" in drawn and "staff_hours_per_year" in drawn
    assert "servers_needed_total" not in drawn
    assert any(t.get_text() == "n/a" for ax in fig.axes for t in ax.texts)


def test_tradeoff_points_whiskers_and_pareto(sweep) -> None:
    fig, data = CHARTS["tradeoff"](sweep)
    axes_labelled(fig)
    no_nan(data)
    points = gids(fig, "point")
    assert set(points) == set(VARIANTS) == set(gids(fig, "interval"))
    for v, (artist,) in points.items():
        x, y = artist.get_offsets()[0]
        row = data[data["variant"] == v].iloc[0]
        assert (x, y) == pytest.approx((row["inconsistency_rate"], row["completeness"]))
    assert set(gids(fig, "pareto")) == set(data.loc[data["pareto_efficient"], "variant"])
    assert data["pareto_efficient"].any()


def test_pareto_efficient_drops_dominated_variants() -> None:
    from sim.reporting.charts import pareto_efficient

    frame = pd.DataFrame({"completeness": [90, 80, 95, 90], "inconsistency_rate": [5, 6, 9, 5]})
    assert pareto_efficient(frame).tolist() == [True, False, True, True]


def check_lines(fig, data: pd.DataFrame, x: str, bands: bool = True) -> None:
    lines = gids(fig, "line")
    assert set(lines) == set(VARIANTS)
    if bands:
        assert set(gids(fig, "interval")) == set(VARIANTS)
        assert all(isinstance(b, PolyCollection) for bs in gids(fig, "interval").values()
                   for b in bs)  # fmt: skip
    drawn = sorted(
        (round(float(px), 6), round(float(py), 6))
        for ls in lines.values() for line in ls for px, py in zip(*line.get_data(), strict=True)
    )  # fmt: skip
    assert drawn == sorted(
        (round(float(a), 6), round(float(b), 6)) for a, b in zip(data[x], data["mean"], strict=True)
    )


def test_sensitivity_lines_per_variant_against_factor(sweep) -> None:
    fig, data = CHARTS["sensitivity"](sweep)
    axes_labelled(fig)
    no_nan(data)
    check_lines(fig, data, "value")
    assert set(data["value"]) == set(POINTS)
    # Three metric panels; a variant whose lag p95 never comes has no line there, and is named.
    panels = data.groupby("variant")["metric"].nunique().to_dict()
    assert {v: len(ls) for v, ls in gids(fig, "line").items()} == panels
    missing = [v for v, n in panels.items() if n < 3]
    notes = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text().startswith("never")]
    assert all(any(v in note for note in notes) for v in missing)


def test_over_time_mean_and_band_over_replications(sweep) -> None:
    fig, data = CHARTS["over_time"](sweep)
    axes_labelled(fig)
    no_nan(data)
    check_lines(fig, data, "day")
    assert data["n"].between(2, REPLICATIONS).all()  # a day may lack a denominator


def test_visibility_curve_per_variant(sweep) -> None:
    fig, data = CHARTS["visibility"](sweep)
    axes_labelled(fig)
    no_nan(data)
    x = "days" if data["hours"].max() > 96 else "hours"  # long curves read in days
    check_lines(fig, data, x)
    assert fig.axes[0].get_xlabel().startswith(x.capitalize())
    assert data["mean"].between(0, 100).all()


def test_region_heatmap_annotated(sweep) -> None:
    fig, data = CHARTS["regions"](sweep)
    axes_labelled(fig)
    no_nan(data)
    cells = gids(fig, "cell")
    assert set(cells) == set(VARIANTS)
    assert all(len(c) == data["region"].nunique() for c in cells.values())
    texts = sorted(t.get_text() for cs in cells.values() for t in cs)
    assert texts == sorted(f"{v:.1f}" for v in data["completeness"])


def test_load_stacked_bars_with_total_whisker(sweep) -> None:
    fig, data = CHARTS["load"](sweep)
    axes_labelled(fig)
    no_nan(data)
    bars = gids(fig, "bar")
    assert set(bars) == set(VARIANTS) == set(gids(fig, "interval"))
    for v, stack in bars.items():
        rows = data[(data["variant"] == v) & (data["link_class"] != "total")]
        assert sum(b.get_height() for b in stack) == pytest.approx(rows["mean"].sum())
        total = data[(data["variant"] == v) & (data["link_class"] == "total")]["mean"].item()
        assert total == pytest.approx(rows["mean"].sum())
        assert max(b.get_y() + b.get_height() for b in stack) == pytest.approx(total)


def test_differences_forest_plot_against_baseline(sweep) -> None:
    fig, data = CHARTS["differences"](sweep)
    axes_labelled(fig)
    no_nan(data)
    others = [v for v in VARIANTS if v != sweep.baseline]
    points = gids(fig, "point")
    assert set(points) == set(others) == set(gids(fig, "interval"))
    assert sweep.baseline not in set(data["variant"])
    xs = sorted(round(float(p.get_offsets()[0][0]), 9) for ps in points.values() for p in ps)
    assert xs == sorted(round(v, 9) for v in data["mean_diff"])


@pytest.mark.parametrize("name", list(STANDARD_CHARTS))
def test_csv_beside_figure_matches_drawn_data(name: str, sweep, tmp_path: Path) -> None:
    (figure,) = write_charts(sweep, tmp_path, ("png",), (name,))
    assert figure.stat().st_size > 10_000
    _, data = CHARTS[name](sweep)
    saved = pd.read_csv(tmp_path / f"{name}.csv")
    pd.testing.assert_frame_equal(
        saved, data.reset_index(drop=True), check_dtype=False, check_categorical=False
    )


def test_single_run_degrades_without_intervals(run_dir: Path, tmp_path: Path) -> None:
    results = load_results(run_dir)
    assert results.kind == "run" and results.single_run
    for name, chart in CHARTS.items():
        fig, data = chart(results)
        assert not data.isna().any().any(), name
        assert not gids(fig, "interval"), f"{name} draws an interval from one run"
        assert any("no interval" in t.get_text() for t in fig.texts), name
    fig, _ = CHARTS["over_time"](results)
    shaded = fig.findobj(lambda a: a.get_gid() == "outage")
    assert len(shaded) == 2 * len(results.outages) > 0  # both panels
    assert len(gids(fig, "line")[results.variants[0]]) == 2


def test_svg_and_pdf_formats(sweep, tmp_path: Path) -> None:
    written = write_charts(sweep, tmp_path, ("svg", "pdf"), ("tradeoff",))
    assert [p.suffix for p in written] == [".svg", ".pdf"]
    assert b"point:centralized" in written[0].read_bytes()


def test_palette_is_stable_and_colour_blind_safe(sweep) -> None:
    from sim.reporting.palette import KIND_SHADES, OKABE_ITO, variant_colours

    colours = variant_colours(sweep.variants, sweep.kinds)
    fig, _ = CHARTS["comparison"](sweep)
    for v, bars in gids(fig, "bar").items():
        assert {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars} == {colours[v].lower()}
    # one kind each: each takes its kind's Okabe-Ito hue
    assert colours["centralized"] == KIND_SHADES["centralized"][0] == OKABE_ITO[0]
    assert colours["fragmented"] == KIND_SHADES["fragmented"][0] == OKABE_ITO[3]
    assert colours["hybrid batch 7d"] in KIND_SHADES["hybrid"]


def test_labels_of_close_points_are_stacked() -> None:
    from sim.reporting.charts import label_stack

    names = pd.Series(["a", "b", "c", "far"])
    stack = label_stack(
        names, pd.Series([0.0, 0.01, 0.0, 15.0]), pd.Series([98.0, 98.1, 98.05, 90.0])
    )
    assert stack == {"a": 0, "b": 1, "c": 2, "far": 0}
