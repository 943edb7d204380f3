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
