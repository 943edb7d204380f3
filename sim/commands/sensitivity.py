"""``pdsa sensitivity``: which uncertain parameters drive each metric, in numbers and in words.

Sobol' (first-order and total) or Morris indices per sampled parameter for a ``sample:`` sweep;
extra-trees feature scores per uncertainty for a sweep with ``uncertainties:``. After the table
(``table`` and ``markdown`` formats) one sentence per variant and metric ranks the parameters;
a warning on stderr says when the sample is too small for the indices printed (Sobol' indices
outside [0, 1], or intervals too wide to rank the parameters), with the number of runs needed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np
import pandas as pd

from sim.commands import echo, fail
from sim.commands.formatting import FORMATS, emit
from sim.commands.reading import checked_metrics, read_results
from sim.config import ConfigError

if TYPE_CHECKING:
    from sim.sweeps.experiment import Experiment

SOBOL_HALF_WIDTH = 0.05
"""Target half-width of the 95 % interval of a Sobol' index: fine enough to rank parameters
whose indices differ by a tenth."""
MORRIS_RELATIVE_HALF_WIDTH = 0.1
"""Target half-width of mu* intervals, as a share of the largest mu*."""
KEY = ["variant", "grid_point", "metric"]


@click.command()
@click.argument("out_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--metric", "metrics", multiple=True, help="Metric to analyse (repeatable).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def sensitivity(out_dir: Path, metrics: tuple[str, ...], fmt: str) -> None:
    """Which sampled parameters drive each metric: indices, a ranking in words, a warning when
    the sample is too small."""
    from sim.sweeps.rerun import plan_for_rerun

    runs, manifest = read_results(out_dir)
    try:
        experiment, _ = plan_for_rerun(out_dir)
    except ConfigError as error:
        fail(error)
    names = checked_metrics(runs, metrics, out_dir)
    if experiment.uncertainties is not None:
        from sim.sweeps.rerun import lacking_uncertainties

        lacking = lacking_uncertainties(experiment)
        table = feature_table(runs, manifest, names, out_dir, lacking)
        worlds = int(manifest.get("worlds") or 0)
        sentences = [
            feature_sentence(key, group, worlds, lacking.get(key[0].split(" ")[0], []))
            for key, group in table.groupby(KEY, sort=False)
        ]
        warnings: list[str] = []
    else:
        table, sentences, warnings = salib_table(runs, experiment, names, out_dir)
    emit(table, fmt)
    if fmt in ("table", "markdown"):
        echo("\n" + "\n".join(sentences))
    for warning in warnings:
        echo(f"warning: {warning}", err=True)


def salib_table(
    runs: pd.DataFrame, experiment: Experiment, names: list[str], out_dir: Path
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(SALib indices, a sentence per variant and metric, warnings) of a ``sample:`` sweep."""
    from sim.analysis import sensitivity as indices
    from sim.sweeps.design import grid_points
    from sim.sweeps.experiment import SENSITIVITY_METHODS

    sample = experiment.sample
    if sample is None or sample.method not in SENSITIVITY_METHODS:
        method = sample.method if sample else "none"
        message = f"needs an experiment with sample method sobol or morris, this one has {method}"
        fail(ConfigError(str(out_dir), "sample.method", message))
    n_grid = len(grid_points(experiment.grid))
    table = indices(runs, sample.method, sample.ranges, n_grid, names)
    per_base_point = n_grid * len(experiment.variants) * experiment.replications
    words = salib_sentence if sample.method == "sobol" else morris_sentence
    sentences = [words(key, group) for key, group in table.groupby(KEY, sort=False)]
    warning = (sobol_warning if sample.method == "sobol" else morris_warning)(
        table, sample.n, len(sample.ranges), per_base_point
    )
    return table, sentences, [warning] if warning else []


def feature_table(
    runs: pd.DataFrame,
    manifest: dict[str, Any],
    names: list[str],
    out_dir: Path,
    lacking: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Feature scores per lever, grid point (0: the sweep's worlds pooled) and metric, with
    the lever's noise floor (the best score of pure-noise columns scored alongside) and
    whether it has no value in any world; an uncertainty the lever's scenario lacks has no
    score."""
    from sim.robustness import RobustnessError, drivers, levers_without_values, sweep_names

    uncertainties, grid = sweep_names(manifest)
    rows = []
    for metric in names:
        try:
            scores, noise = drivers(runs, metric, uncertainties, grid, lacking=lacking)
            missing = set(levers_without_values(runs, metric, grid))
        except RobustnessError as error:
            fail(ConfigError(str(out_dir), "", str(error)))
        for lever in scores.columns:
            for parameter, score in scores[lever].items():
                rows.append([lever, 0, metric, parameter, score, noise[lever], lever in missing])
    return pd.DataFrame(rows, columns=[*KEY, "parameter", "score", "noise_floor", "no_value"])


def label(key: tuple) -> str:
    variant, grid_point, metric = key
    return f"{metric} under {variant}" + (f" (grid point {grid_point})" if grid_point else "")


def ranked_words(names: list[str], values: list[str]) -> str:
    pairs = [f"{n} ({v})" for n, v in zip(names, values, strict=True)]
    return pairs[0] if len(pairs) == 1 else ", then ".join(pairs)


def salib_sentence(key: tuple, group: pd.DataFrame) -> str:
    if group["ST"].isna().all():
        return f"{label(key)}: no index (the metric does not vary, or runs failed)."
    ranked = group.sort_values("ST", ascending=False)
    values = [f"total {r.ST:.2f} ± {r.ST_conf:.2f}" for r in ranked.itertuples()]
    lead = ranked.iloc[0]
    share = "most of" if lead["ST"] >= 0.5 else "the largest share of"
    return (
        f"{label(key)}: {lead['parameter']} explains {share} the variance;"
        f" ranked by total index: {ranked_words(list(ranked['parameter']), values)}."
    )


def morris_sentence(key: tuple, group: pd.DataFrame) -> str:
    if group["mu_star"].isna().all():
        return f"{label(key)}: no index (the metric does not vary, or runs failed)."
    ranked = group.sort_values("mu_star", ascending=False)
    values = [f"mu* {r.mu_star:.3g} ± {r.mu_star_conf:.2g}" for r in ranked.itertuples()]
    return (
        f"{label(key)}: ranked by mean absolute elementary effect:"
        f" {ranked_words(list(ranked['parameter']), values)}."
    )


def feature_sentence(key: tuple, group: pd.DataFrame, worlds: int, lacking: list[str]) -> str:
    """The uncertainties scoring above the noise floor, ranked; the others are noise and are
    not named, nor those the lever does not even have."""
    if group["no_value"].all():
        return f"{label(key)}: no value in any world (nothing to count under this lever)."
    if group["score"].isna().all():
        return f"{label(key)}: does not vary across the worlds."
    floor = float(group["noise_floor"].iloc[0])
    ranked = group[group["score"] > floor].sort_values("score", ascending=False)
    noise = f"noise floor {floor:.0%}, the best score of pure-noise columns scored alongside"
    lacks = f"; it has no {', '.join(lacking)}" if lacking else ""
    if ranked.empty:
        return (
            f"{label(key)}: no uncertainty scores above the noise ({noise}) over {worlds}"
            f" worlds{lacks}."
        )
    values = [f"{s:.0%}" for s in ranked["score"]]
    return (
        f"{label(key)}: ranked by extra-trees feature score over {worlds} worlds (shares of"
        f" 100 %), those above the {noise}: {ranked_words(list(ranked['parameter']), values)}"
        f"{lacks}."
    )


def power_of_two_above(n: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(1.0, n))))


def sobol_warning(table: pd.DataFrame, n: int, d: int, per_base_point: int) -> str | None:
    """Indices outside [0, 1] or intervals wider than ±0.05: too few base points. The
    interval's half-width falls as 1/sqrt(N), so N must grow by (width / target)²."""
    values = table[["S1", "ST"]].to_numpy(dtype=float)
    widths = table[["S1_conf", "ST_conf"]].to_numpy(dtype=float)
    if not np.isfinite(widths).any():
        return None
    widest = float(np.nanmax(widths))
    outside = bool(np.nanmin(values) < 0 or np.nanmax(values) > 1)
    if widest <= SOBOL_HALF_WIDTH and not outside:
        return None
    needed = power_of_two_above(n * max(1.0, (widest / SOBOL_HALF_WIDTH) ** 2))
    runs = needed * (d + 2) * per_base_point
    what = "indices outside [0, 1] and " if outside else ""
    return (
        f"the sample is too small for these Sobol' indices: {what}95 % intervals up to"
        f" ±{widest:.2f} with n = {n} base points; about n = {needed} ({runs:,} runs) would"
        f" bring them to ±{SOBOL_HALF_WIDTH}. Read the indices as a rough ranking at most."
    )


def morris_warning(table: pd.DataFrame, r: int, d: int, per_base_point: int) -> str | None:
    """mu* intervals wider than a tenth of the largest mu*: too few trajectories."""
    largest = float(np.nanmax(table["mu_star"].to_numpy(dtype=float), initial=0.0))
    widest = float(np.nanmax(table["mu_star_conf"].to_numpy(dtype=float), initial=0.0))
    if largest <= 0 or widest <= MORRIS_RELATIVE_HALF_WIDTH * largest:
        return None
    relative = widest / largest
    needed = math.ceil(r * (relative / MORRIS_RELATIVE_HALF_WIDTH) ** 2)
    runs = needed * (d + 1) * per_base_point
    return (
        f"the sample is too small for these Morris indices: mu* intervals up to {relative:.0%}"
        f" of the largest mu* with {r} trajectories; about {needed} trajectories ({runs:,} runs)"
        f" would bring them to {MORRIS_RELATIVE_HALF_WIDTH:.0%}."
    )
