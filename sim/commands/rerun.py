"""``pdsa rerun``: one run of a sweep again, checked bit for bit against the stored one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.commands import RUN_FAILED_EXIT, echo, fail
from sim.config import ConfigError


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_id")
def rerun(out_dir: Path, run_id: str) -> None:
    """Run one run of a sweep again and check its metrics match the stored ones."""
    from sim.sweeps.rerun import rerun as rerun_one

    try:
        stored, fresh, differ = rerun_one(out_dir, run_id)
    except ConfigError as error:
        fail(error)
    if fresh["status"] != stored["status"]:
        echo(
            f"{run_id}: status {fresh['status']} now, {stored['status']} stored ({fresh['error']})"
        )
        sys.exit(RUN_FAILED_EXIT)
    if differ:
        echo(f"{run_id}: {len(differ)} metric(s) differ from the stored run:")
        for name in differ:
            before, after = stored["metrics"].get(name), fresh["metrics"].get(name)
            echo(f"  {name}: stored {before!r}, now {after!r}")
        sys.exit(RUN_FAILED_EXIT)
    what = "all metrics" if fresh["status"] == "ok" else f"the same failure ({fresh['error']})"
    echo(f"{run_id}: seed {fresh['seed']}, {what} match the stored run exactly")
