"""The ``pdsa`` command line: one group, each command in :mod:`sim.commands`.

Configuration problems end as one line on stderr and exit status 2, before anything is run or
written. The simulation itself is imported only by the commands that run it.
"""

from __future__ import annotations

import click

from sim.commands.compare import compare
from sim.commands.demo import demo
from sim.commands.gains import gains
from sim.commands.report import plot, report
from sim.commands.rerun import rerun
from sim.commands.robustness import robustness
from sim.commands.run import run, validate
from sim.commands.scenarios import scenarios
from sim.commands.sensitivity import sensitivity
from sim.commands.sweep import sweep
from sim.explore.command import explore


@click.group(name="pdsa")
@click.version_option(package_name="pdsa", prog_name="pdsa")
def main() -> None:
    """Simulate police data-sharing architectures and compare what officers see."""


for command in (
    run, validate, demo, sweep, compare, robustness, gains, rerun, sensitivity, plot, report,
    scenarios, explore,
):  # fmt: skip
    main.add_command(command)

if __name__ == "__main__":
    main()
