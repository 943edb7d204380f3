"""Progress while runs go: the phases a run reports, the lines printed when stderr is not a
terminal, and nothing with ``--quiet``. Reporting progress never changes a result."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.commands.progress import plain_line
from sim.runner import PHASES, run_one
from tests.helpers import TWO_COUNTRIES, merge, scenario

SHORT = {"horizon_days": 30, "warmup_days": 5}


def test_a_run_reports_its_phases_in_order_and_every_day():
    calls: list[tuple[str, int, int]] = []
    s = scenario(SHORT)
    reported = run_one(s, 2, lambda phase, done, total: calls.append((phase, done, total)))
    assert [c[0] for c in calls if c[1] == 0] == list(PHASES)
    days = [(done, total) for phase, done, total in calls if phase == "simulating"]
    assert days == [(d, 30) for d in range(31)]
    for phase in ("drawing", "metrics"):
        assert [c for c in calls if c[0] == phase] == [(phase, 0, 1), (phase, 1, 1)]
    assert reported.metrics == run_one(s, 2).metrics


def test_a_plain_line_extrapolates_the_days_left():
    """10 s for 5 of 20 days: 30 s to go at the same pace."""
    assert plain_line("x", "simulating", 5, 20, 10.0) == (
        "x: simulating day 5/20  elapsed 0:10  ETA 0:30"
    )
    assert plain_line("x", "metrics", 1, 1, 75.0) == "x: metrics done in 1:15"


def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(merge(TWO_COUNTRIES, SHORT)))
    return path


def test_run_prints_one_line_per_phase_off_a_terminal(tmp_path):
    result = CliRunner().invoke(main, ["run", str(scenario_file(tmp_path))])
    assert result.exit_code == 0, result.output
    ends = [line.split(":")[1].split()[0] for line in result.stderr.splitlines()]
    assert ends == list(PHASES)
    assert "completeness" in result.stdout


def test_quiet_prints_no_progress(tmp_path):
    result = CliRunner().invoke(main, ["run", str(scenario_file(tmp_path)), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.stdout == ""
