"""From results to a slide: footers naming the scenario, the bottom line, stable colours, the
human ``pdsa compare``, slide sizes and the pptx deck."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from sim.reporting import load_results
from sim.reporting.charts import CHARTS
from sim.reporting.footer import footer, illustrative
from tests.test_reporting import BASE, REPLICATIONS


@pytest.fixture(scope="module")
def sweep(sweep_dir: Path):  # noqa: F811
    return load_results(sweep_dir)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_carries_the_footer(name: str, sweep) -> None:
    """Scenario, NCBs, window and replications on every chart (placeholders included), and
    the two-NCB test world flagged as illustrative on the chart itself."""
    fig, _ = CHARTS[name](sweep)
    texts = [flat(t.get_text()) for t in fig.texts]
    assert any(footer(sweep) in t for t in texts), texts
    measured = BASE["horizon_days"] - BASE["warmup_days"]
    assert footer(sweep).startswith("ILLUSTRATIVE world of 2 NCBs")
    assert f"{measured} days measured after {BASE['warmup_days']} days' warm-up" in footer(sweep)
    assert f"{REPLICATIONS} replications" in footer(sweep)


def test_footer_of_a_world_scale_sweep(sweep) -> None:
    """The scale the sweep recorded (its ``set`` applied) wins over the base scenario's."""
    scale = {"scenario": "world-2023-fragmented", "ncbs": 196, "sample_fraction": 0.0015,
             "horizon_days": 425, "warmup_days": 60}  # fmt: skip
    world = dataclasses.replace(sweep, manifest=sweep.manifest | {"scale": scale})
    assert not illustrative(world)
    text = footer(world)
    assert re.match(
        r"Scenario: world-2023-fragmented \(experiment architectures-test\), 196 NCBs, volumes"
        r" sampled at 0.15 %, one year measured after 60 days' warm-up, 3 replications\.$",
        text,
    ), text


def test_single_run_footer_says_one_run(run_dir: Path) -> None:  # noqa: F811
    text = footer(load_results(run_dir))
    assert text.endswith("one run.") and "Scenario: two-regions-test," in text


# --- the report: bottom line, no empty chart, captions ----------------------------------------


def test_a_sweep_without_behaviour_embeds_no_empty_chart(sweep, tmp_path: Path) -> None:
    """The placeholder charts (behaviour off here; sensitivity and differences for one run)
    are not embedded, and every embedded figure's caption says what to read in it."""
    from sim.reporting.charts import charts_for
    from sim.reporting.charts.base import is_placeholder
    from sim.reporting.report import CHART_READING, write_report

    text = write_report(sweep, tmp_path / "r.html").read_text()
    empty = [n for n in charts_for(sweep) if is_placeholder(CHARTS[n](sweep)[0])]
    assert empty == ["behaviour"]
    assert "<figure id='behaviour'>" not in text and "Agent behaviour is off" not in text
    embedded = re.findall(r"<figure id='(\w+)'>", text)
    assert embedded == [n for n in charts_for(sweep) if n not in empty]
    for name in embedded:
        assert CHART_READING[name] in text.replace("&#x27;", "'")
    # the report leads with the footer's line and the bottom line, before the summary
    order = [text.index(s) for s in ("<h2>Bottom line</h2>", "<h2>Executive summary</h2>",
                                     "<h2>Charts</h2>")]  # fmt: skip
    assert order == sorted(order)
    assert text.index("ILLUSTRATIVE world of 2 NCBs") < order[0]


def test_single_run_report_embeds_no_placeholder(run_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from sim.reporting.report import write_report

    text = write_report(load_results(run_dir), tmp_path / "r.html").read_text()
    for name in ("sensitivity", "behaviour", "differences"):
        assert f"<figure id='{name}'>" not in text


def test_bottom_line_weighs_every_dimension_from_the_numbers(sweep) -> None:
    """The paragraph leads with the most complete variant and its value, and names for every
    other weighed metric either the leader's strength or the variant that beats it, with the
    values the metric table shows; a difference within the metric's materiality threshold
    (``sim.catalogue.MATERIALITY``) is between equals and weighs nothing."""
    from sim.analysis import summarise
    from sim.reporting.bottom_line import bottom_line, shown, weighed_metrics
    from sim.reporting.charts import first_point
    from sim.reporting.definitions import info

    runs = first_point(sweep)
    means = summarise(runs, ["completeness"]).set_index("variant")["mean"]
    leader = str(means.idxmax())
    text = bottom_line(sweep)
    assert text.startswith(
        f"{leader} leads on completeness with {shown('completeness', means.max())}"
    )
    from sim.analysis import paired_differences
    from sim.catalogue import better_higher, materiality

    table = summarise(runs, weighed_metrics(runs.columns)).dropna(subset=["mean"])
    beaten = []  # metrics where another variant beats the leader beyond noise and threshold
    for metric, part in table.groupby("metric", sort=False):
        means = part.set_index("variant")["mean"]
        best = means.idxmax() if better_higher(metric) else means.idxmin()
        diffs = paired_differences(runs, str(best), [metric])
        tie = materiality(str(metric))
        apart = pd.Series(
            [not tie.equivalent(means[v], means[best]) for v in diffs["variant"]],
            index=diffs.index,
        )
        worse = diffs[diffs["significant"].astype(bool) & apart]
        label = info(metric).label.lower()
        if len(worse):  # someone is worse beyond the noise and the threshold
            assert label in text, metric
        if leader in set(worse["variant"]):
            beaten.append(str(best))
        if len({shown(metric, x) for x in means}) == 1:  # all equal: weighs nothing
            assert label not in text, metric
    assert "servers needed" not in text  # no service time: n/a, left out
    # the variant the leader gives way to is weighed too: what it pays for it
    if beaten:
        rival = beaten[0]
        assert re.search(rf"gives way on .* for {rival}\).*In return, {rival} pays with", text)
    else:
        assert "gives way on nothing weighed" in text
    assert "ncb to hub delay hours mean" in text  # the varied assumption is named


# --- colours ----------------------------------------------------------------------------------


def test_same_variant_name_same_colour_in_two_sweeps(sweep) -> None:
    """A variant keeps its colour whatever the other variants and their order: drawn bars of
    the fixture sweep and of a sweep listing other variants first agree, and a name's colour
    is pinned across processes (a stable hash, not Python's salted one)."""
    from sim.reporting.palette import KIND_SHADES, variant_colours

    other = dataclasses.replace(
        sweep,
        variants=[
            "federated-index",
            "fragmented",
            "hybrid-push",
            "hybrid batch 7d",
            "centralized",
        ],  # fmt: skip
    )

    def bar_colours(results) -> dict[str, str]:
        fig, _ = CHARTS["comparison"](results)
        return {
            v: matplotlib.colors.to_hex(bars[0].get_facecolor()) for v, bars in
            ((a.get_gid().split(":", 1)[1], [a]) for a in fig.findobj(
                lambda a: (a.get_gid() or "").startswith("bar:")))
        }  # fmt: skip

    assert bar_colours(sweep) == bar_colours(other)
    first = variant_colours(["fragmented", "centralized", "federated", "federated-index",
                             "hybrid-push", "hybrid-weekly"])  # fmt: skip
    second = variant_colours(["push", "hybrid-weekly", "federated-index"], {"push": "hybrid"})
    assert first["hybrid-weekly"] == second["hybrid-weekly"] == "#D18300"
    assert first["federated-index"] == second["federated-index"] in KIND_SHADES["federated"]
    assert len(set(first.values())) == len(first)  # distinct within a sweep
    assert second["push"] in KIND_SHADES["hybrid"]  # the recorded kind, not the name


def test_sweep_records_each_variant_kind(tmp_path: Path) -> None:
    from sim.sweeps.experiment import load_experiment
    from sim.sweeps.manifest import new_manifest

    root = Path(__file__).parents[1]
    manifest = new_manifest(load_experiment(root / "experiments" / "four-architectures.yaml"))
    assert manifest["architectures"] == {
        "fragmented": "fragmented", "centralized": "centralized", "federated": "federated",
        "federated-index": "federated", "hybrid-push": "hybrid", "hybrid-weekly": "hybrid",
    }  # fmt: skip
    assert manifest["scale"]["ncbs"] == 12


# --- pdsa compare for people --------------------------------------------------------------------


def test_compare_reads_as_the_report(sweep_dir: Path) -> None:  # noqa: F811
    """Percentages and units as the report, grid points named by their values, shares' paired
    differences in percentage points, the interval cut at 100 %, ties as ties, and a Markdown
    form of the same blocks."""
    from click.testing import CliRunner

    from sim.cli import main
    from sim.reporting.report import metric_table

    out = CliRunner().invoke(main, ["compare", str(sweep_dir), "--metric", "completeness",
                                    "--metric", "conflict_rate"])  # fmt: skip
    assert out.exit_code == 0, out.output
    text = out.output
    assert "links › ncb to hub › delay (hours) › mean = 6 (3 runs per variant)\n" in text
    assert "links › ncb to hub › delay (hours) › mean = 48\n" in text and "p000" not in text
    assert "Completeness (%)" in text and "Conflict rate (%)" in text
    cell = metric_table(load_results(sweep_dir)).loc["Completeness (%)", "hybrid batch 7d"]
    assert cell.replace("[", "").split()[0] in text  # the report's mean, to the same digit
    assert re.search(r"-\d+\.\d \[-\d+\.\d, -\d+\.\d\] pp \*", text)
    assert "101." not in text  # cut at the possible range
    assert "tie: centralized, hybrid batch 7d, fragmented" in text  # no conflicts at all
    assert "no significant difference" not in text.split("Conflict rate")[1].split("\n\n")[0]
    md = CliRunner().invoke(main, ["compare", str(sweep_dir), "--metric", "completeness",
                                   "--format", "markdown"])  # fmt: skip
    assert md.exit_code == 0
    assert "**links › ncb to hub › delay (hours) › mean = 6**" in md.output
    assert "| Completeness (%) | centralized | 3 |" in md.output


# --- slides -------------------------------------------------------------------------------------


def test_pptx_has_the_bottom_line_then_one_slide_per_chart(sweep_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    """The deck opens with python-pptx: the bottom line slide (with the footer), then one
    slide per chart the HTML report embeds, each a picture of 16:9 proportions, its title and
    what to read in its notes."""
    from click.testing import CliRunner
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    from sim.cli import main
    from sim.reporting.bottom_line import verdict
    from sim.reporting.charts import charts_for
    from sim.reporting.charts.base import is_placeholder
    from sim.reporting.report import CHART_READING, CHART_TITLES

    out = tmp_path / "deck.pptx"
    result = CliRunner().invoke(main, ["report", str(sweep_dir), "-o", str(out), "--format",
                                       "pptx"])  # fmt: skip
    assert result.exit_code == 0, result.output
    results = load_results(sweep_dir)
    embedded = [n for n in charts_for(results) if not is_placeholder(CHARTS[n](results)[0])]
    deck = Presentation(str(out))
    first, assumptions, detail, *charts = list(deck.slides)
    texts = [s.text_frame.text for s in first.shapes if s.has_text_frame]
    assert texts[0].endswith("the bottom line")
    assert texts[1] == verdict(results).decision and texts[2] == footer(results)
    assert assumptions.shapes[0].text_frame.text == "Key assumptions and caveats"
    assert detail.shapes[0].text_frame.text.startswith("The detail")
    assert len(charts) == len(embedded) > 0
    for slide, name in zip(charts, embedded, strict=True):
        kinds = [s.shape_type for s in slide.shapes]
        assert kinds.count(MSO_SHAPE_TYPE.PICTURE) == 1
        (picture,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert picture.left >= 0 and picture.left + picture.width <= deck.slide_width
        assert picture.top + picture.height <= deck.slide_height
        assert slide.shapes[0].text_frame.text == CHART_TITLES[name]
        assert slide.notes_slide.notes_text_frame.text == CHART_READING[name]


def test_plot_sizes_and_dpi(sweep, tmp_path: Path) -> None:
    """A slide-sized chart is 16:9 before trimming and scales with the dpi; a4 keeps the
    chart's own height at A4 text width."""
    from PIL import Image

    from sim.reporting import write_charts

    (slide,) = write_charts(sweep, tmp_path / "s", ("png",), ("comparison",), "slide", 100)
    (sharp,) = write_charts(sweep, tmp_path / "d", ("png",), ("comparison",), "slide", 200)
    (a4,) = write_charts(sweep, tmp_path / "a", ("png",), ("comparison",), "a4", 100)
    (square,) = write_charts(sweep, tmp_path / "q", ("png",), ("comparison",), "square", 100)
    w, h = Image.open(slide).size
    # 11 in at 100 dpi, trimmed, then padded (never cropped) to exactly 16:9 for a slide
    assert 1000 <= w <= 1300 and abs(w - round(h * 16 / 9)) <= 1
    assert Image.open(sharp).size[0] == pytest.approx(2 * w, rel=0.03)
    assert Image.open(a4).size[0] < 0.7 * w  # 7.2 in
    qw, qh = Image.open(square).size
    assert 0.85 < qw / qh < 1.2


# --- the demo and run tables --------------------------------------------------------------------


def test_run_table_shows_units_percentages_and_notes() -> None:
    """Shares in percent with their unit, counts separated by thousands, a small value never
    shown as 0, and a note for a federated run whose availability is far below its
    completeness, saying what each measures (from the catalogue)."""
    from types import SimpleNamespace

    from sim.commands.formatting import metrics_table

    metrics = {"completeness": 0.967, "query_availability": 0.034, "staff_hours_per_year": 17012.4,
               "false_hits_per_year": 0.0571, "ghost_rate": 0.0, "exposure": 0.0}  # fmt: skip
    table = metrics_table({"federated": SimpleNamespace(metrics=metrics)})  # type: ignore[dict-item]
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines()[2:]}
    assert rows["completeness"] == ["%", "96.7"]
    assert rows["query_availability"] == ["%", "3.4"]
    assert rows["staff_hours_per_year"] == ["hours/year", "17,012"]
    assert rows["false_hits_per_year"] == ["false", "hits/year", "0.057"]
    assert rows["ghost_rate"] == ["%", "0"]
    notes = [line for line in table.splitlines() if line.startswith("federated:")]
    assert len(notes) == 1 and "search availability 3.4 % beside completeness 96.7 %" in notes[0]
    assert "searches answered at all before the deadline" in notes[0]
    assert "0 is exactly zero" in table


def test_demo_out_writes_a_results_directory_the_commands_read(tmp_path: Path) -> None:
    """``pdsa demo --out DIR``: the table printed is the runs written, and DIR is a sweep
    that compare, report and rerun accept (twelve NCBs: labelled illustrative)."""
    from click.testing import CliRunner

    from sim.cli import main

    out = tmp_path / "demo"
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--scenario", "small", "--horizon-days", "75",
                                  "--out", str(out), "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    results = load_results(out)
    assert results.variants == ["centralized", "federated-broadcast", "federated-issuer",
                                "hybrid-push", "fragmented"]  # fmt: skip
    assert results.kinds["federated-issuer"] == "federated"
    row = next(line for line in result.stdout.splitlines() if line.startswith("completeness "))
    shown = [f"{100 * v:.1f}" for v in results.runs.set_index("variant")["completeness"]
             [results.variants]]  # fmt: skip
    assert row.split()[2:] == shown
    compare = runner.invoke(main, ["compare", str(out), "--metric", "completeness"])
    assert compare.exit_code == 0 and "federated-issuer" in compare.output
    report = runner.invoke(main, ["report", str(out), "--format", "md"])
    assert report.exit_code == 0, report.output
    assert "ILLUSTRATIVE world of 12 NCBs" in (out / "report.md").read_text()
    rerun = runner.invoke(main, ["rerun", str(out), "hybrid-push--p000--r000"])
    assert rerun.exit_code == 0 and "match the stored run exactly" in rerun.output


# --- pdsa validate ------------------------------------------------------------------------------


def test_validate_checks_experiment_files_as_experiments(tmp_path: Path) -> None:
    """Every shipped experiment is valid (as a sweep would plan it); one with a bad variant
    override exits 2 naming the file and the key path, beside a good scenario that still
    says ok."""
    from click.testing import CliRunner

    from sim.cli import main

    root = Path(__file__).parents[1]
    shipped = sorted(str(p) for p in (root / "experiments").glob("*.yaml"))
    result = CliRunner().invoke(main, ["validate", *shipped])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("(experiment, ") == len(shipped) >= 7
    text = (root / "experiments" / "four-architectures.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace("../scenarios/demo-default.yaml", str(root / "scenarios/demo-default.yaml"))
        .replace("{kind: hybrid, sync: push}", "{kind: hybrid, sync: pusj}")
    )  # fmt: skip
    scenario = str(root / "scenarios" / "two-countries-centralized.yaml")
    result = CliRunner().invoke(main, ["validate", str(broken), scenario])
    assert result.exit_code == 2
    assert f"ok {scenario}\n" == result.stdout
    assert result.stderr.startswith(f"{broken}: variants.hybrid-push: ")
    assert "architecture.sync: unknown value 'pusj'; did you mean 'push'?" in result.stderr


def test_set_kind_drops_the_keys_the_new_kind_lacks() -> None:
    """``--set architecture.kind=hybrid`` on the fragmented world file validates: the status
    quo's entry and update settings go, the keys both kinds have stay; a distribution's new
    ``dist`` drops the old one's parameters; an unknown kind is still named."""
    from sim.config import ConfigError
    from sim.config.loading import load_scenario

    root = Path(__file__).parents[1] / "scenarios"
    world = root / "world-2023-fragmented.yaml"
    hybrid = load_scenario(world, ["architecture.kind=hybrid", "architecture.sync=push"])
    assert hybrid.architecture.kind == "hybrid" and hybrid.architecture.sync == "push"
    federated = load_scenario(world, ["architecture.kind=federated"])
    assert federated.architecture.kind == "federated"
    lognormal = load_scenario(world, ["links.ncb_to_hub.delay_hours.dist=exponential"])
    assert lognormal.links.ncb_to_hub.delay_hours.dist == "exponential"
    assert lognormal.links.ncb_to_hub.delay_hours.mean == 1  # kept: both have a mean
    with pytest.raises(ConfigError, match="did you mean 'hybrid'"):
        load_scenario(world, ["architecture.kind=hybrd"])


def test_no_interval_of_a_duration_reaches_below_zero() -> None:
    """A skewed lag (0, 0 and 30 hours) has a Student t interval reaching below zero; drawn, it
    is cut at zero as a share's is cut at 0 and 100 %."""
    import pandas as pd

    from sim.analysis import summarise
    from sim.reporting.charts import summary_table

    runs = pd.DataFrame({"variant": "a", "point_id": "p000", "replication": [0, 1, 2],
                         "status": "ok", "lag_p95_hours": [0.0, 0.0, 30.0]})  # fmt: skip
    assert summarise(runs, ["lag_p95_hours"])["ci_low"].iloc[0] < 0
    row = summary_table(runs, ["lag_p95_hours"], ["a"]).iloc[0]
    assert row["ci_low"] == 0.0 and row["mean"] == 10.0 and row["ci_high"] > 30.0
