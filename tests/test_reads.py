"""What a decision maker reads, read as they read it (issue 26): the demo's table with and
without ``--out`` and in the README, the report's HTML, text and slides, ``pdsa compare``'s
table and the explorer's pages say the same numbers, name today's system as the baseline, rank
*never* last, and state the assumptions that ran."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from sim.catalogue import CATALOGUE
from sim.cli import main
from tests.helpers import TWO_COUNTRIES, merge

ROOT = Path(__file__).parent.parent
DEMO_DEFAULT = ROOT / "scenarios" / "demo-default.yaml"


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


class Tables(HTMLParser):
    """Every table of an HTML page, as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.tables:
            self.tables[-1][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(text)
    return parser.tables


def section(text: str, heading: str) -> str:
    """The HTML between ``<h2>heading</h2>`` and the next ``<h2>``."""
    start = text.index(f"<h2>{heading}</h2>")
    end = text.find("<h2>", start + 1)
    return text[start : end if end > 0 else len(text)]


def cli_rows(table: str) -> dict[str, list[str]]:
    """A CLI metrics table: metric name -> its cells (unit dropped)."""
    rows = {}
    for line in table.splitlines():
        name = line.split(" ", 1)[0]
        if name in CATALOGUE:
            unit = CATALOGUE[name].unit if not CATALOGUE[name].share else "%"
            rest = line[len(name) :].strip()
            rows[name] = rest.removeprefix(unit).split()
    return rows


@pytest.fixture(scope="module")
def sweep_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three architectures on the twelve-NCB world, three replications: fragmented (today's
    system, listed last) never reaches the 95th percentile of time to visibility; the
    experiment's ``set`` shortens the horizon and samples half the records."""
    folder = tmp_path_factory.mktemp("reads-sweep")
    experiment = {
        "name": "reads-test",
        "scenario": str(DEMO_DEFAULT),
        "replications": 3,
        "seed": 5,
        "set": {"horizon_days": 120, "records": {"sample_fraction": 0.5}},
        "variants": {
            "centralized": {"architecture": {"kind": "centralized"}},
            "hybrid-weekly": {
                "architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7}
            },
            "fragmented": {},
        },
    }
    file = folder / "reads.yaml"
    file.write_text(yaml.safe_dump(experiment))
    out = folder / "out"
    invoke("sweep", str(file), "--out", str(out), "--workers", "2", "--quiet")
    return out


# --- 1. one demo, one set of numbers -----------------------------------------------------------


def test_the_demo_on_two_processes_prints_what_it_prints_on_one() -> None:
    """One architecture per process (issue 23): each run's numbers depend on its scenario and
    seed alone, so the table is the same to the last digit whichever process ran it; the
    parallel path runs as a sweep into a scratch directory, the serial one in this process."""
    args = ("demo", "--scenario", "small", "--horizon-days", "80", "--quiet")
    serial = invoke(*args, "--workers", "1").stdout
    parallel = invoke(*args, "--workers", "2").stdout
    assert parallel == serial
    assert "completeness" in serial


def test_demo_and_demo_out_print_the_same_table(tmp_path: Path) -> None:
    """``pdsa demo`` and ``pdsa demo --out DIR`` run the same runs: the same title line, the
    same columns and the same numbers; the report made from DIR shows them too."""
    args = ("demo", "--scenario", "small", "--horizon-days", "80", "--quiet")
    plain = invoke(*args).stdout
    out = tmp_path / "demo"
    written = invoke(*args, "--out", str(out)).stdout
    assert written == plain + f"wrote {out} (pdsa plot, report and compare read it)\n"
    assert plain.startswith("demo-default: 12 countries, 20 days measured\n")
    header = plain.splitlines()[2].split("  ")
    assert [c.strip() for c in header if c.strip()][2:] == [
        "centralized", "federated broadcast", "federated issuer", "hybrid push", "fragmented",
    ]  # fmt: skip
    invoke("report", str(out), "-o", str(tmp_path / "r.html"))
    report = (tmp_path / "r.html").read_text()
    table = next(t for t in html_tables(section(report, "Metrics")))
    demo = cli_rows(plain)
    for row in table[1:]:
        name = next(m for m, spec in CATALOGUE.items() if spec.axis_label == row[0])
        assert row[1:] == demo[name], (name, row, demo[name])


def readme_demo_table() -> str:
    """The README's demo table: the code block after the paragraph introducing it."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```\nworld-2023-demo: ")
    return text[start + 4 : text.index("```", start + 4)]


@pytest.mark.slow
def test_readme_demo_table_is_what_the_demo_prints(tmp_path: Path) -> None:
    """The README's table is the world demo's output to the letter (through ``--out``, which
    prints what ``pdsa demo`` does: the test above)."""
    out = tmp_path / "world"
    printed = invoke("demo", "--quiet", "--out", str(out)).stdout
    assert printed == readme_demo_table() + f"wrote {out} (pdsa plot, report and compare read it)\n"


# --- 2. today's system is the baseline ---------------------------------------------------------


def test_a_sweep_with_fragmented_compares_against_it(sweep_out: Path, tmp_path: Path) -> None:
    """The fragmented variant, listed last, is the baseline of compare and of the report."""
    compare = invoke("compare", str(sweep_out), "--metric", "completeness").stdout
    assert "vs fragmented [95% CI]" in compare
    report = tmp_path / "r.html"
    invoke("report", str(sweep_out), "-o", str(report))
    assert "Baseline: fragmented (today&#x27;s system)." in report.read_text()


def test_an_experiment_may_name_its_baseline(tmp_path: Path) -> None:
    from sim.sweeps import load_experiment

    raw = {
        "scenario": str(DEMO_DEFAULT),
        "variants": {"centralized": {"architecture": {"kind": "centralized"}}, "fragmented": {}},
    }
    assert load_experiment(raw).baseline == "fragmented"
    assert load_experiment(raw | {"baseline": "centralized"}).baseline == "centralized"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw | {"baseline": "centralised"}))
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "baseline: unknown variant 'centralised'; did you mean 'centralized'?" in result.stderr


def test_the_demo_report_is_against_today(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    invoke("demo", "--scenario", "small", "--horizon-days", "75", "--quiet", "--out", str(out))
    invoke("report", str(out), "--format", "md")
    text = (out / "report.md").read_text()
    assert "Baseline: fragmented (today's system)." in text


# --- 3. never is the worst value ---------------------------------------------------------------


def test_never_ranks_last_in_compare_and_the_report(sweep_out: Path, tmp_path: Path) -> None:
    """Fragmented never reaches the 95th percentile: compare names the winner rather than
    finding no significant difference, and the report calls fragmented last, not the hybrid."""
    compare = invoke("compare", str(sweep_out), "--metric", "lag_p95_hours").stdout
    assert "better: winner centralized" in compare and "no significant difference" not in compare
    fragmented = next(line for line in compare.splitlines() if line.split()[:1] == ["fragmented"])
    assert "never" in fragmented and "n/a" not in fragmented
    report = tmp_path / "r.html"
    invoke("report", str(sweep_out), "-o", str(report))
    summary = section(report.read_text(), "Executive summary")
    lag = next(s for s in re.findall(r"<li>(.*?)</li>", summary) if "time to visibility" in s)
    assert "fragmented is last: never" in lag and "hybrid-weekly is last" not in lag


# --- 4. one formatter for every output ---------------------------------------------------------


def test_the_report_shows_each_value_as_the_cli_does(tmp_path: Path) -> None:
    """A ghost rate below 0.05 % is two significant figures in the report's table, as in the
    run's table, never ``0.0`` (which would read as the exact zero of another architecture);
    every cell of the report's table is the CLI's."""
    scenario = merge(TWO_COUNTRIES, {
        "records": {"lifetime_days": {"dist": "exponential", "mean": 365}},
        "links": {"ncb_to_hub": {"delay_hours": {"dist": "fixed", "value": 0.5}}},
        "horizon_days": 300,
    })  # fmt: skip
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "run"
    printed = cli_rows(invoke("run", str(file), "--out", str(out)).stdout)
    ghost = float(printed["ghost_rate"][0])
    assert 0 < ghost < 0.05
    invoke("report", str(out), "-o", str(tmp_path / "r.html"))
    table = html_tables(section((tmp_path / "r.html").read_text(), "Metrics"))[0]
    for row in table[1:]:
        name = next(m for m, spec in CATALOGUE.items() if spec.axis_label == row[0])
        assert row[1:] == printed[name], (name, row)


# --- 6. an illustrative world says so everywhere -------------------------------------------


def test_compare_and_the_small_demo_say_the_world_is_illustrative(sweep_out: Path) -> None:
    caveat = "ILLUSTRATIVE world of 12 NCBs, not a world result."
    table = invoke("compare", str(sweep_out)).stdout
    assert table.startswith(caveat + "\n")
    markdown = invoke("compare", str(sweep_out), "--format", "markdown").stdout
    assert markdown.startswith(f"**{caveat}**\n")
    demo = invoke("demo", "--scenario", "small", "--horizon-days", "70", "--quiet").stdout
    assert demo.splitlines()[1] == caveat


# --- 10. compare: a shortlist that fits 100 columns --------------------------------------------


def test_compare_shows_the_shortlist_in_100_columns(sweep_out: Path) -> None:
    """By default the few metrics a decision turns on, each under its label; ``--all`` the
    rest; every line fits 100 columns."""
    from sim.catalogue import HEADLINE_METRICS, SHORTLIST_METRICS, metric_spec

    def headings(text: str) -> list[str]:
        labels = {metric_spec(m).axis_label: m for m in HEADLINE_METRICS}
        return [labels[line.split(",")[0]] for line in text.splitlines()
                if line.split(",")[0] in labels]  # fmt: skip

    short = invoke("compare", str(sweep_out)).stdout
    assert headings(short) == [m for m in SHORTLIST_METRICS if m != "servers_needed_total"]
    assert len(headings(short)) < 10  # servers: n/a without service times
    every = invoke("compare", str(sweep_out), "--all").stdout
    assert len(headings(every)) > 20
    for text in (short, every):
        assert max(len(line) for line in text.splitlines()) <= 100
    one = invoke("compare", str(sweep_out), "--metric", "exposure").stdout
    assert headings(one) == ["exposure"]


# --- 8. the words around the numbers are right ---------------------------------------------


def test_scenarios_list_names_each_scenario_once_and_says_which_demo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    listed = invoke("scenarios", "list").stdout.splitlines()[1:]
    names = [line.split()[0] for line in listed]
    assert len(names) == len(set(names)), names
    small = next(line for line in listed if line.startswith("demo-default "))
    assert "copy: scenarios/demo-default.yaml" in small and "--scenario small" in small
    world = next(line for line in listed if line.startswith("world-2023-demo "))
    assert "behind `pdsa demo`" in world


def test_the_demo_help_names_the_world() -> None:
    text = invoke("demo", "--help").stdout
    assert "embedded scenario" not in text and "whole world in 2023" in text


def test_shipped_files_spell_routing_and_cite_what_the_repository_has() -> None:
    for file in [*ROOT.glob("experiments/*.yaml"), *ROOT.glob("scenarios/*.yaml")]:
        assert "index: true" not in file.read_text(), file
    for file in [ROOT / "README.md", *ROOT.glob("*/**/*.md")]:
        for cited in re.findall(r"\b([A-Z][A-Z_]+\.md)\b", file.read_text()):
            assert cited == "README.md" or list(ROOT.glob(f"**/{cited}")), (file, cited)


# --- 13. the report says how far it has got ----------------------------------------------------


def test_report_shows_its_progress(sweep_out: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(sweep_out), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {tmp_path / 'r.html'}\n"
    lines = result.stderr.splitlines()
    assert re.match(r"report: chart comparison 1/\d+  elapsed 0:0\d$", lines[0]), lines
    assert lines[-1].startswith("report: charts done  elapsed ")
    quiet = CliRunner().invoke(
        main, ["report", str(sweep_out), "-o", str(tmp_path / "q.html"), "--quiet"]
    )
    assert quiet.exit_code == 0 and quiet.stderr == ""


# --- 5. the assumptions the run used, per record kind --------------------------------------


def test_key_assumptions_list_each_record_kind_as_it_ran(tmp_path: Path) -> None:
    """Every kind overrides the records' defaults: the report lists the kinds' values, not
    the defaults no record used."""
    kinds = {
        "travel_documents": {"share": 0.7, "lifetime_days": {"dist": "exponential",
                             "mean": 5475}, "scope": {"global": 0.95, "regional": 0.04,
                             "national": 0.01}, "review_days": 3650},
        "notices": {"share": 0.3, "updates_per_record_per_day": 0.004},
    }  # fmt: skip
    scenario = merge(TWO_COUNTRIES, {"records": {"kinds": kinds}, "horizon_days": 120})
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario))
    invoke("run", str(file), "--out", str(tmp_path / "run"), "--quiet")
    invoke("report", str(tmp_path / "run"), "-o", str(tmp_path / "r.html"), "--quiet")
    rows = dict(
        (row[0], row[1])
        for row in html_tables(section((tmp_path / "r.html").read_text(), "Key assumptions"))[0]
    )
    travel = rows["Records: travel documents"]
    assert "70 % of new records" in travel and "mean 5475 days" in travel
    assert "scope global 95 % / regional 4 % / national 1 %" in travel
    assert "review every 3,650 days" in travel
    notices = rows["Records: notices"]
    assert "0.004 updates a day" in notices and "mean 30 days" in notices  # the default lifetime
    assert "Record lifetime (days)" not in rows


# --- 6. a number that averages a trend says so -------------------------------------------------


def test_a_drifting_headline_is_named_in_the_demo_and_the_report(tmp_path: Path) -> None:
    """The small world's status quo keeps accumulating ghosts over its first year: its
    inconsistency moves by more than half between the first and the last quarter of the
    window; the demo's table and the report both say so rather than show one number."""
    out = tmp_path / "demo"
    printed = invoke("demo", "--scenario", "small", "--quiet", "--out", str(out)).stdout
    drift = re.search(r"fragmented: inconsistency rate moves from ([\d.]+) % .* to ([\d.]+) %",
                      printed)  # fmt: skip
    assert drift and float(drift[2]) > 1.5 * float(drift[1]), printed
    invoke("report", str(out), "-o", str(tmp_path / "r.html"), "--quiet")
    text = (tmp_path / "r.html").read_text()
    summary = section(text, "Executive summary")
    assert f"fragmented: inconsistency rate moves from {drift[1]} %" in summary
    assert "averages a trend" in section(text, "Key assumptions")


# --- 7. the assumptions of what ran: set, worlds ---------------------------------------------


@pytest.fixture(scope="module")
def worlds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two architectures in plausible worlds of today's hub entry probability, the number of
    worlds and the horizon given on the command line (--worlds, --set)."""
    folder = tmp_path_factory.mktemp("reads-worlds")
    experiment = {
        "name": "reads-worlds",
        "scenario": str(DEMO_DEFAULT),
        "seed": 3,
        "set": {"records": {"sample_fraction": 0.3}},
        "variants": {"centralized": {"architecture": {"kind": "centralized"}}, "fragmented": {}},
        "uncertainties": {
            "design": "lhs",
            "worlds": 16,
            "parameters": {"architecture.entry_probability.hub": {"range": [0.8, 0.99]}},
        },
    }
    file = folder / "worlds.yaml"
    file.write_text(yaml.safe_dump(experiment))
    out = folder / "out"
    invoke("sweep", str(file), "--out", str(out), "--workers", "2", "--quiet",
           "--worlds", "3", "--set", "horizon_days=100")  # fmt: skip
    return out


@pytest.mark.slow
def test_key_assumptions_are_what_ran(sweep_out: Path, worlds_out: Path, tmp_path: Path) -> None:
    """The report's key assumptions show the experiment's set (120 days, not the scenario's
    365), the command line's, and the sampled range of a guess; its table says over worlds."""
    invoke("report", str(sweep_out), "-o", str(tmp_path / "a.html"), "--quiet")
    rows = dict(html_tables(section((tmp_path / "a.html").read_text(), "Key assumptions"))[0])
    assert rows["Simulated period"].startswith("120 days")
    assert (
        "horizon_days = 120; records.sample_fraction = 0.5"
        in rows["Set for every run by the experiment"]
    )
    invoke("report", str(worlds_out), "-o", str(tmp_path / "w.html"), "--quiet")
    text = (tmp_path / "w.html").read_text()
    table = html_tables(section(text, "Key assumptions"))[0]
    rows = dict(table)
    assert rows["Simulated period"].startswith("100 days")
    guesses = [value for label, value in table if label == "Status-quo guess [E]"]
    assert "today's entry probability (hub sampled over 0.8-0.99, platform 0.9)" in guesses
    assert "architecture.entry_probability.hub 0.8-0.99" in rows["Sampled over 3 plausible worlds"]
    assert "Mean over 3 sampled worlds (1 run(s) in each, pooled)" in section(text, "Metrics")


@pytest.mark.slow
def test_three_framings_of_one_comparison_agree(worlds_out: Path, tmp_path: Path) -> None:
    """The bottom line, the summary and the robustness section tell one story about the
    leader on completeness: a tie in one is a tie (level) in the others."""
    from sim.reporting import load_results
    from sim.reporting.report import executive_summary
    from sim.reporting.robust_text import robustness_sentences
    from sim.reporting.standing import level_best

    results = load_results(worlds_out)
    invoke("report", str(worlds_out), "-o", str(tmp_path / "r.html"), "--quiet")
    text = (tmp_path / "r.html").read_text().replace("&#x27;", "'")
    bottom = re.search(r"<p class='bottom'>(.*?)</p>", text)[1]
    summary = next(s for s in executive_summary(results) if "completeness" in s)
    odds = robustness_sentences(results)[0]
    level = level_best(results, "completeness")
    # over sampled worlds the bottom line is the recommendation: "Choose X (or Y, ...)"
    chosen = bottom.split(":")[0]
    assert chosen.startswith("Choose ")
    if len(level) > 1:
        assert all(v in chosen for v in level), (level, chosen)
        assert any(w in summary for w in (" tie on ", "no significant difference", "equivalent ("))
        assert odds.startswith("On average over the worlds")
    else:
        assert chosen.startswith(f"Choose {level[0]}")
        assert summary.startswith(f"{level[0]} leads on completeness")
        assert odds.startswith(f"{level[0]} is first on completeness")


# --- 9. the bottom line leads with the decision ------------------------------------------------


def test_the_bottom_line_leads_with_the_decision(sweep_out: Path, tmp_path: Path) -> None:
    """Two sentences (who leads on completeness, at what price, resting on which assumption),
    then the detail as bullets; on the slides, the decision alone in large type, then a slide
    of key assumptions and caveats."""
    from pptx import Presentation
    from pptx.util import Pt

    invoke("report", str(sweep_out), "-o", str(tmp_path / "r.html"), "--quiet")
    part = section((tmp_path / "r.html").read_text().replace("&#x27;", "'"), "Bottom line")
    decision = re.search(r"<p class='bottom'>(.*?)</p>", part)[1]
    sentences = re.split(r"(?<=[.)])\s+(?=[A-Z])", decision)
    assert len(sentences) == 2 and len(decision.split()) <= 60, decision
    assert sentences[0].startswith("centralized leads on completeness with ")
    assert "at the price of " in sentences[0] or "giving way on nothing weighed" in sentences[0]
    assert sentences[1].startswith("It rests on today's entry probability")
    assert len(re.findall(r"<li>", part)) >= 3
    deck = tmp_path / "d.pptx"
    invoke("report", str(sweep_out), "-o", str(deck), "--format", "pptx", "--quiet")
    first, second, *_ = Presentation(str(deck)).slides
    body = first.shapes[1].text_frame
    assert body.text == decision
    assert all(r.font.size >= Pt(24) for p in body.paragraphs for r in p.runs)
    assert second.shapes[0].text_frame.text == "Key assumptions and caveats"
    points = second.shapes[1].text_frame.text
    assert "ILLUSTRATIVE world of 12 NCBs" in points and "today's entry probability" in points


# --- 15. sweep --set and --worlds; a copied experiment finds its way back ----------------------


@pytest.mark.slow
def test_sweep_set_and_worlds_are_recorded_and_rerun(worlds_out: Path) -> None:
    import json

    manifest = json.loads((worlds_out / "manifest.json").read_text())
    assert manifest["command_line"] == {"set": {"horizon_days": 100}, "worlds": 3}
    assert manifest["set"] == {"records.sample_fraction": 0.3, "horizon_days": 100}
    assert manifest["worlds"] == 3 and manifest["scale"]["horizon_days"] == 100
    runs = sorted(p.stem for p in (worlds_out / "runs").glob("*.json"))
    assert len(runs) == 2 * 3
    rerun = invoke("rerun", str(worlds_out), runs[0]).stdout
    assert "match the stored run exactly" in rerun


def test_a_copied_experiment_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "mine" / "four.yaml"
    copy.parent.mkdir()
    copy.write_text((ROOT / "experiments" / "four-architectures.yaml").read_text())
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["sweep", str(copy), "--out", str(tmp_path / "o"),
                                       "--dry-run"])  # fmt: skip
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"looked for '{tmp_path / 'scenarios' / 'demo-default.yaml'}'" in result.stderr
    back = Path("..", "..", *Path(ROOT).relative_to(tmp_path.anchor).parts, "scenarios")
    relative = __import__("os").path.relpath(DEMO_DEFAULT, copy.parent)
    assert f"point it back with scenario: '{relative}'" in result.stderr, (result.stderr, back)


# --- 11. charts a decision maker reads ---------------------------------------------------------


def drawn_figure(results, name: str):  # noqa: ANN001, ANN201
    """A chart as the report draws it (rendered, so that its texts have their places)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.reporting.charts import CHARTS, render

    fig, _ = CHARTS[name](results)
    render(fig, "png")
    FigureCanvasAgg(fig).draw()
    return fig


def test_counts_are_written_not_offset_and_labels_do_not_overprint(tmp_path: Path) -> None:
    from sim.reporting import load_results

    scenario = merge(TWO_COUNTRIES, {
        "queries": {"per_country_per_day": 2_000_000, "sample_fraction": 0.00002},
        "outages": {"ncb": {"mtbf_days": 20, "mttr_hours": 12},
                    "hub": {"mtbf_days": 60, "mttr_hours": 8}},
        "horizon_days": 150,
    })  # fmt: skip
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario))
    invoke("run", str(file), "--out", str(tmp_path / "run"), "--quiet")
    results = load_results(tmp_path / "run")
    fig = drawn_figure(results, "outcomes_costs")
    for ax in fig.axes:
        assert ax.yaxis.get_offset_text().get_text() == "", ax.get_title()
        assert not any("e+" in t.get_text() for t in ax.get_yticklabels())
    staff = next(ax for ax in fig.axes if ax.get_title().startswith("Staff hours"))
    assert any("," in t.get_text() for t in staff.get_yticklabels())
    # the hub's outages shaded, the national nodes' a line: not one grey span per node outage
    over = drawn_figure(results, "over_time")
    spans = [p for ax in over.axes for p in ax.patches if p.get_gid() == "outage"]
    hub = results.outages[results.outages["store"] == "hub"]
    assert len(spans) == len(hub) * 2  # both panels
    assert any(line.get_gid() == "ncbs-down" for ax in over.axes for line in ax.lines)
    assert "share of the national nodes down each day" in over.texts[-1].get_text() or any(
        "national nodes down each day" in t.get_text() for t in over.texts
    )


def test_tradeoff_labels_and_region_labels_stay_clear(tmp_path: Path) -> None:
    """Where the best architectures cluster, their names share one label: no two labels
    overprint; the regions chart keeps its axis label inside the figure, clear of its title."""
    from sim.reporting import load_results

    out = tmp_path / "demo"
    invoke("demo", "--scenario", "small", "--horizon-days", "150", "--quiet", "--out", str(out))
    results = load_results(out)
    fig = drawn_figure(results, "tradeoff")
    renderer = fig.canvas.get_renderer()
    (ax,) = [a for a in fig.axes if a.texts]
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    assert sorted(n for t in ax.texts for n in t.get_text().split("\n")) == sorted(results.variants)
    regions = drawn_figure(results, "regions")
    renderer = regions.canvas.get_renderer()
    label = regions.axes[0].yaxis.label.get_window_extent(renderer)
    title = regions.texts[0].get_window_extent(renderer)
    assert label.y1 <= regions.bbox.y1 and not label.overlaps(title)


# --- 14. the README's tests: how long, which file, a quick subset ------------------------------


def test_the_readme_says_how_to_run_the_tests_and_how_long_they_take() -> None:
    """The Quick start holds two commands, the demo and the full suite as CI runs it; beside
    it, how long the suite takes, the quick subset (``-m "not slow"``) and how to see each
    test; pytest prints each file's name as it runs it (no ``-q`` in its options)."""
    import tomllib

    readme = (ROOT / "README.md").read_text()
    quick = readme[readme.index("## Quick start") : readme.index("## What it models")]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, flags=re.S)
    full = "python -m pip install -e '.[test]' && python -m pytest"
    assert commands[:2] == ["python -m pip install -e . && pdsa demo", full]
    assert [c for c in commands if "&&" in c] == commands[:2]  # two commands to start with
    assert full in (ROOT / ".ci" / "run").read_text().splitlines()[-1]
    assert 'python -m pytest -m "not slow"' in quick
    assert re.search(r"about \d+ minutes", quick) and "python -m pytest -v" in quick
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    assert "-q" not in options["ini_options"]["addopts"].split()
