"""The explorer's state logic without a browser: controls to scenarios, the background run,
downloads that reproduce it, and a results directory narrowed and summarised."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis import paired_differences, summarise
from sim.catalogue import HEADLINE_METRICS, metric_spec
from sim.commands.formatting import headline_cell
from sim.config import ConfigError, scenario_from_dict
from sim.config.loading import resolved_dict, yaml_mapping
from sim.explore import browse
from sim.explore.controls import (
    ARCHITECTURES,
    common_overrides,
    controls_from,
    load_source,
    variants,
)
from sim.explore.runs import BackgroundRun, headline_table, ncb_day, summary_json
from sim.reporting import ResultsError
from sim.reporting.charts import CHARTS
from sim.reporting.loading import results_from_runs
from sim.results import json_safe
from sim.runner import run_one
from tests.helpers import TWO_COUNTRIES, merge

TINY = merge(TWO_COUNTRIES, {"horizon_days": 80, "warmup_days": 20, "seed": 3})


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    file = tmp_path / "tiny.yaml"
    file.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    return file


def test_controls_start_where_the_scenario_file_is():
    source = load_source(None)  # the embedded twelve-NCB scenario: fragmented, hub outages
    controls = controls_from(source.scenario)
    assert (controls.entry_hub, controls.entry_platform) == (0.85, 0.9)
    assert (controls.update_hub, controls.update_platform) == (0.7, 0.8)
    assert (controls.hub_mtbf_days, controls.hub_mttr_hours) == (60, 8)
    assert (controls.ncb_mtbf_days, controls.platform_mtbf_days) == (0, 0)
    assert (controls.horizon_days, controls.seed) == (365, 1)
    assert "fragmented" in controls.architectures


def test_untouched_controls_run_the_file_as_written():
    """No override at all, and the scenario's own architecture (keying delays included) is
    exactly the file's."""
    source = load_source(None)
    controls = controls_from(source.scenario)
    assert common_overrides(controls, controls) == {}
    made = {v.label: v.scenario for v in variants(source, controls)}
    assert list(made) == list(controls.architectures)
    assert resolved_dict(made["fragmented"]) == resolved_dict(source.scenario)
    for scenario in made.values():  # common random numbers: one world, one seed
        assert scenario.seed == source.scenario.seed
        assert scenario.records == source.scenario.records


def test_changed_controls_become_overrides():
    source = load_source(None)
    base = controls_from(source.scenario)
    chosen = dataclasses.replace(
        base,
        architectures=("hybrid batch", "fragmented", "federated issuer"),
        horizon_days=120,
        behaviour=True,
        hub_mtbf_days=0,
        ncb_mtbf_days=30,
        ncb_mttr_hours=6,
        sync_interval_days=7,
        entry_hub=0.5,
        update_platform=0.25,
        deadline_seconds=10,
    )
    assert common_overrides(base, chosen) == {
        "horizon_days": 120,
        "behaviour.enabled": True,
        "outages.hub": None,
        "outages.ncb.mtbf_days": 30,
        "outages.ncb.mttr_hours": 6,
    }
    made = {v.label: v.scenario for v in variants(source, chosen)}
    assert list(made) == ["hybrid batch", "fragmented", "federated issuer"]
    for scenario in made.values():
        assert scenario.horizon_days == 120 and scenario.behaviour.enabled
        assert scenario.outages.hub is None
        assert (scenario.outages.ncb.mtbf_days, scenario.outages.ncb.mttr_hours) == (30, 6)
        assert scenario.architecture.query_deadline_seconds == 10
    hybrid, fragmented = made["hybrid batch"].architecture, made["fragmented"].architecture
    assert (hybrid.sync, hybrid.sync_interval_days) == ("batch", 7)
    assert (fragmented.entry_probability.hub, fragmented.update_probability.platform) == (0.5, 0.25)
    assert fragmented.entry_delay_hours == source.scenario.architecture.entry_delay_hours
    assert made["federated issuer"].architecture.routing == "issuer"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entry_hub": 1.5}, "architecture.entry_probability.hub: probability must be in [0, 1]"),
        ({"horizon_days": 30.0}, "warmup_days: 60 must be < horizon_days (30)"),
        ({"ncb_mtbf_days": 10.0}, "outages.ncb.mttr_hours: must be above 0"),
        ({"architectures": ()}, "architecture: choose at least one architecture"),
    ],
)
def test_a_refused_control_says_why_in_one_line(change, message):
    source = load_source(None)
    chosen = dataclasses.replace(controls_from(source.scenario), **change)
    with pytest.raises(ConfigError) as caught:
        variants(source, chosen)
    text = str(caught.value)
    assert text.startswith("sim/scenarios/default.yaml: ") and message in text
    assert "\n" not in text


def test_a_run_too_big_for_the_machine_is_refused_before_it_starts():
    source = load_source(None)
    with pytest.raises(ConfigError) as refused:
        variants(source, controls_from(source.scenario), memory_limit=1e6)
    assert str(refused.value).startswith("sim/scenarios/default.yaml: ")
    assert str(refused.value).endswith("lower the share of records simulated or the simulated days")


def test_a_bad_file_is_refused_as_the_cli_refuses_it(tmp_path: Path):
    from click.testing import CliRunner

    from sim.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(merge(TINY, {"records": {"scope": {"global": 2}}})))
    with pytest.raises(ConfigError) as caught:
        load_source(bad)
    cli = CliRunner().invoke(main, ["validate", str(bad)])
    assert cli.exit_code == 2
    assert cli.output.strip() == str(caught.value)


def test_background_run_equals_run_one_on_the_same_seed(tiny: Path):
    """The explorer adds no second copy of the simulation: each architecture's numbers are
    run_one's for the same scenario and seed, and progress ends at 1 with every day seen."""
    source = load_source(tiny)
    chosen = dataclasses.replace(
        controls_from(source.scenario), architectures=("centralized", "fragmented")
    )
    made = variants(source, chosen)
    days: list[tuple[int, int]] = []

    class Counted(BackgroundRun):
        def _on_progress(self, phase: str, done: int, total: int) -> None:
            if phase == "simulating" and done > 0:
                days.append((done, total))
            super()._on_progress(phase, done, total)

    run = Counted(made)
    run.start().join(120)
    snapshot = run.snapshot()
    assert not snapshot.running and snapshot.error is None
    assert snapshot.fraction == 1.0 and snapshot.status.startswith("finished: 2 of 2")
    assert days == [(d, 80) for d in range(1, 81)] * 2
    for variant in made:
        alone = run_one(variant.scenario)
        assert snapshot.done[variant.label].metrics == alone.metrics
    table = headline_table(snapshot.done)
    assert list(table.columns) == ["metric", "unit", "centralized", "fragmented"]
    assert list(table["metric"]) == [metric_spec(m).label for m in HEADLINE_METRICS]
    for label, result in snapshot.done.items():
        assert list(table[label]) == [headline_cell(result.metrics, m) for m in HEADLINE_METRICS]


def test_a_stopped_run_keeps_what_finished(tiny: Path):
    source = load_source(tiny)
    run = BackgroundRun(variants(source, controls_from(source.scenario)))
    run.stop()  # before it starts: it stops after its first day
    run.start().join(60)
    snapshot = run.snapshot()
    assert not snapshot.running and snapshot.done == {}
    assert snapshot.error == "stopped by the user after 0 architectures"


def test_downloads_reproduce_the_run(tiny: Path):
    """The scenario YAML runs again to the same numbers; summary.json is what ``pdsa run
    --out`` writes."""
    source = load_source(tiny)
    chosen = dataclasses.replace(
        controls_from(source.scenario), architectures=("hybrid batch",), sync_interval_days=3
    )
    (variant,) = variants(source, chosen)
    run = BackgroundRun([variant]).start()
    run.join(60)
    result = run.snapshot().done["hybrid batch"]
    again = run_one(scenario_from_dict(yaml_mapping(variant.yaml_text(), "download.yaml")))
    assert again.metrics == result.metrics
    assert json.loads(summary_json(result)) == json.loads(json.dumps(json_safe(result.summary())))


def test_runs_in_memory_draw_the_report_charts(tiny: Path):
    source = load_source(tiny)
    chosen = dataclasses.replace(
        controls_from(source.scenario), architectures=("centralized", "federated broadcast")
    )
    done = {v.label: run_one(v.scenario) for v in variants(source, chosen)}
    results = results_from_runs(done, tiny)
    assert results.variants == ["centralized", "federated broadcast"]
    assert list(results.runs["completeness"]) == [r.metrics["completeness"] for r in done.values()]
    _, drawn = CHARTS["over_time"](results)
    assert set(drawn["variant"]) == set(done)
    ts = done["centralized"].timeseries
    world = ts[ts["region"] == "all"].set_index("day")["completeness"]
    shown = drawn[(drawn["variant"] == "centralized") & (drawn["metric"] == "completeness")]
    np.testing.assert_allclose(shown["mean"].to_numpy(), 100 * world.loc[shown["day"]].to_numpy())


# --- the Results page ------------------------------------------------------------------------


def test_results_are_narrowed_and_summarised_as_compare_does(sweep_dir: Path):
    results = browse.open_results(sweep_dir)
    assert browse.chart_choices(results)[0] == "comparison"
    metric = "completeness"
    assert metric in browse.metric_choices(results)
    pick = results.variants[1:]
    selection = browse.Selection(variants=tuple(pick), metric=metric)
    kept = browse.narrowed(results, pick)
    assert kept.variants == pick and set(kept.runs["variant"]) == set(pick)
    assert kept.baseline == (results.baseline if results.baseline in pick else pick[0])
    expected = summarise(kept.runs, [metric])
    pd.testing.assert_frame_equal(browse.comparison(results, selection), expected)
    pd.testing.assert_frame_equal(
        browse.differences(results, selection),
        paired_differences(kept.runs, kept.baseline, [metric]),
    )
    assert browse.differences(results, browse.Selection(variants=pick[:1])).empty


def test_a_region_reads_its_own_metrics(sweep_dir: Path):
    results = browse.open_results(sweep_dir)
    region = browse.region_choices(results)[1]
    runs = browse.region_runs(results, region)
    ok = results.ok_runs
    assert len(runs) == len(ok)
    expected = results.by_region[results.by_region["region"] == region].set_index("run_id")
    for row in runs.itertuples():
        assert row.completeness == expected.loc[row.run_id, "completeness"]
    table = browse.comparison(results, browse.Selection(metric="completeness", region=region))
    assert (table["metric"] == "completeness").all() and table["n"].gt(0).all()


def test_a_chart_is_drawn_as_the_report_draws_it(sweep_dir: Path):
    results = browse.open_results(sweep_dir)
    png = browse.chart_png(results, browse.Selection(chart="comparison"))
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_a_directory_without_results_says_so(tmp_path: Path):
    with pytest.raises(ResultsError, match="neither a sweep"):
        browse.open_results(tmp_path)


def test_every_choice_is_an_architecture_the_schema_accepts():
    for spec in ARCHITECTURES.values():
        scenario_from_dict(merge(TINY, {"architecture": spec}))


def test_uncertainty_filters_keep_whole_worlds(sweep_dir: Path):
    """A sampled value read as an uncertainty (the sweep's grid factor, 6 or 48 hours here):
    a range keeps exactly the runs whose value lies in it, every variant of them."""
    factor = "links.ncb_to_hub.delay_hours.mean"
    results = dataclasses.replace(browse.open_results(sweep_dir), uncertainties=[factor])
    assert browse.uncertainty_ranges(results) == {factor: (6.0, 48.0)}
    kept = browse.within(results, [(factor, 0.0, 10.0)])
    assert set(kept.runs[factor]) == {6.0}
    assert set(kept.runs["run_id"]) == set(results.runs.loc[results.runs[factor] == 6, "run_id"])
    assert set(kept.timeseries["run_id"]) <= set(kept.runs["run_id"])
    assert set(kept.runs["variant"]) == set(results.variants)
    only_fast = browse.Selection(metric="completeness", ranges=((factor, 0.0, 10.0),))
    table = browse.comparison(results, only_fast)
    assert set(table["point_id"]) == set(kept.runs["point_id"])
    assert browse.within(results, []) is results


# --- the pages, built without a server -------------------------------------------------------


def panel_pages():
    """:func:`sim.explore.app.pages`; skipped without Panel locally, failed in CI."""
    try:
        from sim.explore.app import pages
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("Panel (the 'explore' extra) is not installed in CI")
        pytest.skip("Panel (the 'explore' extra) is not installed")
    return pages


def test_a_results_directory_opens_on_the_results_page(sweep_dir: Path):
    run, results, tabs = panel_pages()(None, sweep_dir)
    assert tabs.active == 1
    assert results.results is not None and results.variants.value == results.results.variants
    assert results.chart.object.startswith(b"\x89PNG")
    assert run.source is not None and run.source.file == "sim/scenarios/default.yaml"


def test_a_bad_scenario_or_value_is_shown_on_the_run_page(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(merge(TINY, {"records": {"scope": {"global": 2}}})))
    with pytest.raises(ConfigError) as refused:
        load_source(bad)
    run, _, tabs = panel_pages()(str(bad), None)
    assert tabs.active == 0 and run.source is None
    assert run.message.visible and run.message.object == str(refused.value)
    run.path.value = ""  # the embedded scenario loads, and the message goes
    run.load_file()
    assert not run.message.visible and run.source is not None
    run.floats["entry_hub"].value = 1.5
    run.begin()
    assert run.run is None and run.message.visible
    assert "architecture.entry_probability.hub: probability must be in [0, 1]" in run.message.object


def test_the_daily_charts_show_the_chosen_region():
    """Twelve NCBs in three regions: the day-by-day chart for Africa draws Africa's series,
    which differs from the world's."""
    source = load_source(None)
    chosen = dataclasses.replace(
        controls_from(source.scenario), architectures=("fragmented",), horizon_days=90
    )
    (variant,) = variants(source, chosen)
    result = run_one(variant.scenario)
    results = results_from_runs({"fragmented": result}, Path(source.file))
    assert browse.daily_regions(results) == ["all", "africa", "asia_south_pacific", "europe"]
    ts = result.timeseries
    for region in ("all", "africa"):
        _, drawn = CHARTS["over_time"](browse.region_view(results, region))
        shown = drawn[drawn["metric"] == "completeness"]
        series = ts[ts["region"] == region].set_index("day")["completeness"]
        np.testing.assert_allclose(shown["mean"], 100 * series.loc[shown["day"]].to_numpy())
    africa = ts[ts["region"] == "africa"]["completeness"].to_numpy()
    world = ts[ts["region"] == "all"]["completeness"].to_numpy()
    assert not np.allclose(africa, world)


def test_the_ncbs_on_a_day_as_the_run_logged_them():
    """A national node is down on a day exactly when one of its logged outage periods
    overlaps that day; the region's trust and backlog are its daily series."""
    source = load_source(None)
    chosen = dataclasses.replace(
        controls_from(source.scenario),
        architectures=("centralized", "fragmented"),
        horizon_days=90,
        behaviour=True,
        ncb_mtbf_days=20,
        ncb_mttr_hours=12,
    )
    done = {v.label: run_one(v.scenario) for v in variants(source, chosen)}
    regions = {c.code: c.region for c in source.scenario.world.countries}
    outages = done["fragmented"].outages
    nodes = outages[outages["store"].str.startswith("ncb.")]
    window = nodes[nodes["start_day"].between(60, 88)].iloc[0]  # daily series after warm-up
    day, down_code = int(window["start_day"]), window["store"].removeprefix("ncb.")
    table = ncb_day(done, regions, day)
    assert len(table) == len(regions) * 2
    # the same outages under both architectures: common random numbers
    assert table[table["ncb"] == down_code]["down"].all()
    for (code, label), row in table.set_index(["ncb", "architecture"]).iterrows():
        mine = done[label].outages
        mine = mine[mine["store"] == f"ncb.{code}"]
        periods = zip(mine["start_day"], mine["end_day"], strict=True)
        expected = any(start < day + 1 and end > day for start, end in periods)
        assert row["down"] == expected
        ts = done[label].timeseries
        today = ts[(ts["day"] == day) & (ts["region"] == row["region"])].iloc[0]
        assert row["trust"] == today["trust"]
        assert row["backlog_delay_days"] == today["backlog_delay_days"]


# --- the command -----------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """``pdsa explore``'s calls to the server, recorded instead of serving."""
    panel_pages()
    import sim.explore.app

    calls: list[tuple] = []
    monkeypatch.setattr(sim.explore.app, "serve", lambda *args: calls.append(args))
    return calls


def test_explore_serves_this_machine_only_by_default(served: list[tuple], sweep_dir: Path):
    from click.testing import CliRunner

    from sim.cli import main

    result = CliRunner().invoke(main, ["explore", str(sweep_dir)])
    assert result.exit_code == 0, result.output
    assert served == [(None, sweep_dir, "127.0.0.1", 5006)]
    assert "http://127.0.0.1:5006/" in result.output


def test_explore_keeps_serving_with_a_bad_scenario(served: list[tuple], tmp_path: Path):
    """The one line on stderr, and the server starts anyway: the page shows the same line and
    another file can be loaded there."""
    from click.testing import CliRunner

    from sim.cli import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("records: [1, 2]\n")
    result = CliRunner().invoke(main, ["explore", str(bad), "--port", "8123"])
    assert result.exit_code == 0
    with pytest.raises(ConfigError) as refused:
        load_source(bad)
    assert str(refused.value) in result.output
    assert served == [(str(bad), None, "127.0.0.1", 8123)]


def test_explore_without_panel_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    from click.testing import CliRunner

    from sim.cli import main

    monkeypatch.setitem(sys.modules, "panel", None)  # import panel raises ImportError
    result = CliRunner().invoke(main, ["explore"])
    assert result.exit_code == 2
    assert (
        result.output.strip() == "pdsa explore needs Panel: python -m pip install -e '.[explore]'"
    )
