"""The report (HTML and Markdown) and the ``pdsa plot`` / ``pdsa report`` commands."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from sim.cli import main
from sim.reporting import load_results
from sim.reporting.charts import CHARTS, STANDARD_CHARTS
from sim.reporting.outcome_text import outcome_sentences
from sim.reporting.report import executive_summary, write_report
from tests.test_reporting import NOTHING_TO_SHOW


def test_report_from_sweep_with_a_failed_run_lists_it(sweep_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    text = write_report(load_results(sweep_dir), tmp_path / "r.html").read_text()
    failed = text[text.index("<h2>Failed runs</h2>") :]
    assert "fragmented--p001--r002" in failed and "RuntimeError: boom" in failed
    shown = len(STANDARD_CHARTS) - len(NOTHING_TO_SHOW["sweep"])
    assert text.count("<img ") == shown
    assert text.count("data:image/png;base64,") == shown
    assert not re.search(r"""(src|href)=['"]?(https?:|//)""", text), "external resource"
    for section in ("Executive summary", "Metrics", "Key assumptions", "What the metrics mean",
                    "Provenance"):  # fmt: skip
        assert f"<h2>{section}</h2>" in text
    assert "1 run(s) failed" in text


def test_summary_names_leader_with_interval_or_no_difference(sweep_dir: Path) -> None:  # noqa: F811
    results = load_results(sweep_dir)
    sentences = executive_summary(results)
    assert "3 replication(s)" in sentences[0]
    counts = outcome_sentences(results)
    body = sentences[1 : len(sentences) - len(counts)]
    assert any("leads on completeness" in s and "95 % interval" in s for s in body)
    assert all(
        ("95 % interval" in s)
        or (" tie on " in s)
        or ("no significant" in s)
        or (": never." in s)
        or ("are equivalent (" in s and "materiality" not in s and "their order is noise" in s)
        for s in body
    ), body


def test_summary_counts_each_variant_with_its_interval(sweep_dir: Path) -> None:  # noqa: F811
    """The outcomes and costs in counts, after the leaders: the baseline first, then every
    other variant with its 95 % interval in brackets."""
    results = load_results(sweep_dir)
    counts = outcome_sentences(results)
    assert executive_summary(results)[-len(counts) :] == counts
    assert counts[0].startswith("Missed hits (the record is there")
    for sentence in counts:
        assert f"{results.baseline} about" in sentence or "today about" in sentence
        others = [v for v in results.variants if v != results.baseline]
        assert all(re.search(rf"{re.escape(v)}: [\d.,]+ \[", sentence) for v in others), sentence


def test_single_run_report_says_no_interval(run_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    text = write_report(load_results(run_dir), tmp_path / "r.html").read_text()
    assert "None: every run completed." in text
    assert "95 % interval" not in text


def test_markdown_report_writes_figures_beside_it(sweep_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    out = write_report(load_results(sweep_dir), tmp_path / "r.md", "md")
    text = out.read_text()
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert len(links) == len(STANDARD_CHARTS) - len(NOTHING_TO_SHOW["sweep"])
    assert all((tmp_path / link).stat().st_size > 0 for link in links)
    assert all((tmp_path / link).with_suffix(".csv").is_file() for link in links)
    assert "fragmented--p001--r002" in text


def test_cli_plot_and_report(sweep_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    runner = CliRunner()
    result = runner.invoke(main, ["plot", str(sweep_dir), "--out", str(tmp_path / "p"),
                                  "--chart", "load", "--format", "svg"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["load.csv", "load.svg"]
    result = runner.invoke(main, ["report", str(sweep_dir), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and (tmp_path / "r.html").stat().st_size > 50_000


def test_cli_rejects_a_directory_that_is_not_results(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "neither a sweep" in result.output
    assert not any(tmp_path.iterdir())


def test_run_plot_writes_charts(tmp_path: Path) -> None:
    scenario = Path(__file__).parents[1] / "scenarios" / "two-countries-hybrid-batch.yaml"
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(scenario), "--out", str(out), "--plot",
                                       "--quiet"])  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = {f"{n}.png" for n in STANDARD_CHARTS if n not in NOTHING_TO_SHOW["run"]}
    assert {p.name for p in (out / "plots").glob("*.png")} == shown
    assert CliRunner().invoke(main, ["run", str(scenario), "--plot"]).exit_code == 2


def test_chart_names_of_the_cli_match_the_charts() -> None:
    from sim.commands.report import chart_names

    assert chart_names() == list(CHARTS)


def test_the_report_reads_only_the_worlds_daily_series_and_says_the_same(
    sweep_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``pdsa report`` and ``pdsa plot`` read the daily series' world rows alone (what they
    draw; the robustness experiment's report peaked at 6.5 GB reading every region's): the
    same report, byte for byte but for the time it was written, and the same series as the
    full table's world rows, from parquet or from CSV."""
    import pandas as pd

    full, world = load_results(sweep_dir), load_results(sweep_dir, world_series=True)
    assert set(full.timeseries["region"]) != {"all"} and set(world.timeseries["region"]) == {"all"}
    expected = full.timeseries[full.timeseries["region"] == "all"].reset_index(drop=True)
    pd.testing.assert_frame_equal(world.timeseries.reset_index(drop=True), expected)
    texts = [
        write_report(r, tmp_path / f"{name}.html").read_text()
        for name, r in (("full", full), ("world", world))
    ]
    written = re.compile(r"<th>report written</th><td>[^<]*</td>")
    assert written.sub("", texts[0]) == written.sub("", texts[1])
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    for path in sweep_dir.iterdir():
        if path.is_file() and path.name != "timeseries.parquet":
            (csv_dir / path.name).write_bytes(path.read_bytes())
    full.timeseries.to_csv(csv_dir / "timeseries.csv", index=False)
    from_csv = load_results(csv_dir, world_series=True).timeseries
    assert set(from_csv["region"]) == {"all"} and len(from_csv) == len(expected)
