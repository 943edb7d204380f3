"""The size estimate (issue 12, finding 10): a run too large for the limit is refused before
anything is drawn, with its estimate, in one line; ``--max-memory`` and ``--yes`` move the
limit; a sweep is refused before any run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.sizing import GIB, MAX_EVENTS, MIB, memory_text, parse_memory, size_of
from tests.helpers import scenario
from tests.test_cli_errors import stub_runner  # noqa: F401 (a fixture)
from tests.test_sweep import write_experiment

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "scenarios" / "two-countries-centralized.yaml")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("4GB", 4 * GIB), ("512 MB", 512 * MIB), ("1.5g", int(1.5 * GIB)), ("2GiB", 2 * GIB)],
)
def test_memory_sizes(text: str, expected: int) -> None:
    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "-1GB", "0", "nanGB", "infGB", "4PB"])
def test_bad_memory_sizes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_memory(text)


def test_memory_text() -> None:
    assert [memory_text(n) for n in (300 * MIB, 4 * GIB, 5000 * GIB)] == [
        "300 MB",
        "4 GB",
        "4.88 TB",
    ]


def test_every_count_grows_with_what_drives_it() -> None:
    small = size_of(scenario())
    longer = size_of(scenario({"horizon_days": 800}))
    busier = size_of(scenario({"queries": {"per_country_per_day": 1000}}))
    outages = size_of(scenario({"outages": {"ncb": {"mtbf_days": 0.01, "mttr_hours": 1}}}))
    assert longer.records_drawn == 2 * small.records_drawn
    assert busier.queries == 100 * small.queries
    assert outages.outage_windows > 2 * 400 / 0.06 and outages.grid_cells > small.grid_cells
    for bigger in (longer, busier, outages):
        assert bigger.memory_bytes > small.memory_bytes


def test_a_billion_searches_is_refused_at_once_with_its_estimate(tmp_path: Path) -> None:
    """Before: queries.per_country_per_day at a billion ended in MemoryError; at the schema's
    most, a million a day, this run would still need about 100 GB."""
    out = tmp_path / "out"
    started = time.perf_counter()
    result = invoke("run", SCENARIO, "--set", "queries.per_country_per_day=1e6", "--out", str(out),
                    "--max-memory", "8GB")  # fmt: skip
    assert time.perf_counter() - started < 10
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith(f"{SCENARIO}: run too large: about ")
    assert "800,000,000 searches" in line and "above the 8 GB limit" in line
    assert line.endswith("raise the limit with --max-memory SIZE, or run anyway with --yes")
    assert not out.exists()


def test_max_memory_and_yes_move_the_limit(stub_runner) -> None:  # noqa: F811
    refused = invoke("run", SCENARIO, "--max-memory", "100MB", "--quiet")
    assert refused.exit_code == 2 and "above the 100 MB limit" in refused.stderr
    assert stub_runner == []
    assert invoke("run", SCENARIO, "--max-memory", "100MB", "--yes", "--quiet").exit_code == 0
    assert invoke("run", SCENARIO, "--max-memory", "64GB", "--quiet").exit_code == 0
    assert len(stub_runner) == 2
    bad = invoke("run", SCENARIO, "--max-memory", "lots")
    assert bad.exit_code == 2 and "'lots' is not a size such as 4GB" in bad.output


def test_too_many_events_is_refused_even_with_memory_to_spare(stub_runner) -> None:  # noqa: F811
    args = ["--set", "architecture={kind: hybrid, sync: batch, sync_interval_days: 0.0007}",
            "--set", "horizon_days=36500", "--set", "world.platforms=[{name: P}]",
            "--set", "world.countries.0.platforms=[P]", "--max-memory", "1000GB"]  # fmt: skip
    result = invoke("run", SCENARIO, *args)
    assert result.exit_code == 2
    assert "run too long: " in result.stderr and f"above {MAX_EVENTS:.2g} events" in result.stderr
    assert stub_runner == []


def test_demo_is_checked_too(stub_runner) -> None:  # noqa: F811
    result = invoke("demo", "--scenario", "small", "--max-memory", "50MB")
    assert result.exit_code == 2
    assert result.stderr.startswith("pdsa demo: run too large: about ")
    assert stub_runner == []


@pytest.mark.slow
def test_a_sweep_with_a_run_too_large_is_refused_before_any_run(tmp_path: Path) -> None:
    experiment = write_experiment(
        tmp_path, {"variants": {"small": {}, "huge": {"queries": {"per_country_per_day": 1e6}}}}
    )
    out = tmp_path / "out"
    result = invoke("sweep", str(experiment), "--out", str(out), "--max-memory", "4GB")
    assert result.exit_code == 2
    assert result.output.startswith(f"{experiment}: variants.huge: huge--p000--r000: run too large")
    assert not out.exists()
    listed = invoke("sweep", str(experiment), "--out", str(out), "--dry-run", "--yes")
    assert "size: largest run huge--p000--r000: about " in listed.output


def test_searches_are_counted_as_sampled() -> None:
    """A world-scale search rate simulated at a small fraction holds only the sampled searches
    (the world presets search 20 million times a day at 0.00065 %): the estimate scales the
    searches by ``queries.sample_fraction``, as the run does."""
    full = scenario({"queries": {"per_country_per_day": 1e6, "sample_fraction": 1.0}})
    sampled = scenario({"queries": {"per_country_per_day": 1e6, "sample_fraction": 1e-4}})
    assert size_of(sampled).queries == pytest.approx(size_of(full).queries * 1e-4)
    assert size_of(sampled).memory_bytes < size_of(full).memory_bytes


def test_the_world_scenarios_fit_the_default_limit() -> None:
    """Every shipped world scenario is accepted at the default limit of a 16 GB machine."""
    from sim.config import load_scenario

    for path in sorted((Path(__file__).parents[1] / "scenarios").glob("world-2023-*.yaml")):
        size = size_of(load_scenario(path))
        assert size.memory_bytes < 0.8 * 16 * GIB, (path.name, size.describe())
