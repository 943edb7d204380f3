"""A scenario and an experiment full of names an adversary would write (issue 25): HTML with a
script planted in it, Markdown links and emphasis, mathtext, spreadsheet formulas. Shared by
the tests of every output (terminal, CSV, charts, reports, the explorer in a browser).

A planted script sets ``window.__pwned``: a page in which it ran has that variable.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

PLANTED = "window.__pwned"
NAME = 'demo <img src=x onerror="window.__pwned=1"> $\\undefinedcmd$ *bold* =HYPERLINK("x")'
DESCRIPTION = (
    "<script>window.__pwned=2</script> [click](javascript:window.__pwned=3) $x^2$\n\n"
    "second paragraph | with a pipe"
)
REGIONS = ['<b onmouseover="window.__pwned=5">europe</b>', "=1+2", "$\\frac{a}{$"]
PLATFORM = "@SUM(1) <i>hub</i>"
CODES = ["-2+3", "<AAA>", "BBB"]
TEXT_VALUES = ['<img src=x onerror="window.__pwned=4">', "+SUM(A1)"]
"""The values of a text-valued uncertainty (country 0's region)."""
EXPERIMENT_NAME = "sweep <svg onload=window.__pwned=6> $\\alpha$ -cmd"

SCENARIO: dict[str, Any] = {
    "name": NAME,
    "description": DESCRIPTION,
    "seed": 5,
    "horizon_days": 60,
    "warmup_days": 10,
    "architecture": {"kind": "centralized"},
    "world": {
        "platforms": [{"name": PLATFORM}],
        "countries": [
            {"code": code, "region": region, "platforms": [PLATFORM]}
            for code, region in zip(CODES, REGIONS, strict=True)
        ],
    },
    "records": {
        "creation_per_country_per_day": 5,
        "lifetime_days": {"dist": "exponential", "mean": 20},
    },
    "links": {"ncb_to_hub": {"delay_hours": {"dist": "exponential", "mean": 24}}},
    "queries": {"per_country_per_day": 10},
}

EXPERIMENT: dict[str, Any] = {
    "name": EXPERIMENT_NAME,
    "description": DESCRIPTION,
    "scenario": "hostile.yaml",
    "seed": 2,
    "variants": {
        "centralized": {},
        "hybrid": {"architecture": {"kind": "hybrid", "sync": "batch", "sync_interval_days": 7}},
    },
    "uncertainties": {
        "design": "lhs",
        "worlds": 4,
        "parameters": {
            "world.countries.0.region": {"values": TEXT_VALUES},
            "links.ncb_to_hub.delay_hours.mean": {"range": [1, 48]},
        },
    },
}


def write(folder: Path) -> tuple[Path, Path]:
    """(scenario file, experiment file) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario, experiment = folder / "hostile.yaml", folder / "hostile-exp.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO, allow_unicode=True), encoding="utf-8")
    experiment.write_text(yaml.safe_dump(copy.deepcopy(EXPERIMENT)), encoding="utf-8")
    return scenario, experiment


def invoke(*args: object) -> Any:
    from click.testing import CliRunner

    from sim.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


def run_dir(scenario: Path, folder: Path) -> Path:
    """``pdsa run --out --plot`` of ``scenario`` in ``folder``."""
    out = folder / "run"
    result = invoke("run", scenario, "--out", out, "--plot", "--quiet")
    assert result.exit_code == 0, result.output
    return out


def sweep_dir(experiment: Path, folder: Path) -> Path:
    """``pdsa sweep --plot`` of ``experiment`` in this process, in ``folder``."""
    out = folder / "out"
    result = invoke("sweep", experiment, "--out", out, "--workers", "1", "--quiet", "--plot")
    assert result.exit_code == 0, result.output
    return out
