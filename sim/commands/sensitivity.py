"""``pdsa sensitivity``: Sobol' or Morris indices of each metric per sampled parameter."""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands import fail
from sim.commands.formatting import FORMATS, emit
from sim.commands.reading import checked_metrics, read_results
from sim.config import ConfigError


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--metric", "metrics", multiple=True, help="Metric to analyse (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def sensitivity(out_dir: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Sobol (first-order, total) or Morris indices of each metric per sampled parameter."""
    from sim.analysis import sensitivity as indices
    from sim.sweeps.design import grid_points
    from sim.sweeps.experiment import SENSITIVITY_METHODS
    from sim.sweeps.rerun import plan_for_rerun

    runs, _ = read_results(out_dir)
    try:
        experiment, _ = plan_for_rerun(out_dir)
    except ConfigError as error:
        fail(error)
    sample = experiment.sample
    if sample is None or sample.method not in SENSITIVITY_METHODS:
        method = sample.method if sample else "none"
        message = f"needs an experiment with sample method sobol or morris, this one has {method}"
        fail(ConfigError(str(out_dir), "sample.method", message))
    names = checked_metrics(runs, metrics, out_dir)
    table = indices(runs, sample.method, sample.ranges, len(grid_points(experiment.grid)), names)
    emit(table, fmt)
