"""What an experiment may not say, refused before anything runs, each with one line naming
the key path in full (and the other key when two collide).

- **Keys varied in two places.** The grid, the sample and the uncertainties are applied one
  after the other, so a key varied in two of them (or a key and the mapping holding it, or
  one key in two uncertainties) keeps only the last value set: the other is dead while its
  column still records values, and a grid's points only repeat.
- **The seed as a key.** Each run's seed comes from the experiment's ``seed``; ``seed`` in a
  grid, a sample or an uncertainty is overwritten by it and only multiplies the runs.
- **Columns that collide.** The runs table holds bookkeeping columns, every metric, a column
  per grid or sampled key and one per uncertainty: an uncertainty named like any other
  column would overwrite it. Variants are columns of the summary tables (levers side by
  side), so a variant may not take those names either, nor a table's own index column.
- **Values outside their key's bounds as written.** Every listed value and both ends of every
  range are checked against the schema in each variant that has the key, so an experiment is
  refused or accepted whatever values the draws happen to land on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.catalogue import CATALOGUE, FAMILIES
from sim.config import ConfigError, scenario_from_dict, set_dotted, validate_path
from sim.config.errors import cut, excerpt
from sim.config.overrides import key_type

if TYPE_CHECKING:
    from sim.sweeps.experiment import Experiment

BOOKKEEPING = (
    "run_id", "variant", "point_id", "world", "replication", "seed", "status", "error",
    "wall_seconds",
)  # fmt: skip
"""The runs table's own columns (``runs.csv``, ``runs.parquet``)."""
SEED = "seed"
TABLE_WORDS = ("uncertainty", "lever", "parameter", "metric")
"""Index columns of the robustness and sensitivity tables, whose other columns are the
levers (a variant named ``uncertainty`` stopped ``pdsa robustness`` with a ValueError)."""


def column_problem(name: str) -> str | None:
    """Why a column named ``name`` would collide in the runs table, or None."""
    if name in BOOKKEEPING:
        return f"is a column of the runs table ({', '.join(BOOKKEEPING)})"
    if name in CATALOGUE or name.partition(".")[0] in FAMILIES:
        return "is a metric's name, a column of the runs table"
    return None


@dataclass(frozen=True)
class Varied:
    """A scenario key the experiment varies: where the file says so and for whom."""

    at: str
    path: str
    variants: frozenset[str] | None = None
    """The variants a scoped grid applies to; None: every variant."""

    def meets(self, other: Varied) -> bool:
        """Whether both set the same key (or one a mapping holding the other's key) for
        some variant."""
        nested = self.path.startswith(other.path + ".") or other.path.startswith(self.path + ".")
        if not (self.path == other.path or nested):
            return False
        return (
            self.variants is None or other.variants is None or bool(self.variants & other.variants)
        )


def varied(experiment: Experiment) -> list[Varied]:
    """Every key varied by the grid, the sample and the uncertainties, in that order (the
    order they are applied in)."""
    out = [
        Varied(f"grid.{path}", path, frozenset(scope) if (scope := experiment.grid_scope.get(path))
               else None)
        for path in experiment.grid
    ]  # fmt: skip
    out += [Varied(f"sample.ranges.{p}", p) for p in (experiment.sample.ranges if experiment.sample
                                                        else {})]  # fmt: skip
    for u in experiment.uncertainties.parameters if experiment.uncertainties else ():
        at = f"uncertainties.parameters.{u.name}"
        out += [Varied(at if s.path == u.name else f"{at}.keys.{s.path}", s.path) for s in u.keys]
    return out


def check_experiment(experiment: Experiment) -> None:
    """Raise :class:`ConfigError` for the first key varied twice, seed varied, or column
    collision (see the module docstring)."""
    keys = varied(experiment)
    for key in keys:
        if key.path == SEED:
            message = (
                "the seed is not varied as a key: every run's seed comes from the experiment's"
                " 'seed' (each replication and world has its own); vary 'replications' instead"
            )
            raise ConfigError(experiment.file, key.at, message)
    for i, later in enumerate(keys):
        for earlier in keys[:i]:
            if later.meets(earlier):
                raise ConfigError(experiment.file, later.at, overlap_message(later, earlier))
    check_columns(experiment)
    check_variant_names(experiment)


def overlap_message(later: Varied, earlier: Varied) -> str:
    if later.path == earlier.path:
        what = f"{cut(later.path, 80)} is also varied by {earlier.at}"
    elif later.path.startswith(earlier.path + "."):
        what = f"{cut(later.path, 80)} lies inside {earlier.at}, which sets it whole"
    else:
        what = f"it sets the whole of {earlier.at}"
    return (
        f"{what}; a key varied in two places keeps only the last value set and the other is"
        " dead (its points or column would only repeat): vary each key in one place"
    )


def check_columns(experiment: Experiment) -> None:
    """Each uncertainty's column (its key, or its group's name) must be new to the runs table."""
    factors = {path: at for path, at in factor_columns(experiment)}
    for u in experiment.uncertainties.parameters if experiment.uncertainties else ():
        at = f"uncertainties.parameters.{u.name}"
        problem = column_problem(u.name)
        if problem is None and u.name in factors:
            problem = f"is also the column of {factors[u.name]}"
        if problem is not None:
            message = f"the name {excerpt(u.name, 80)} {problem}; name the group otherwise"
            raise ConfigError(experiment.file, at, message)


def check_variant_names(experiment: Experiment) -> None:
    """A variant's name must not be a column its tables already have (see the module
    docstring), an uncertainty's or a varied key's."""
    others = dict(factor_columns(experiment))
    others |= {name: f"uncertainties.parameters.{name}" for name in experiment.uncertainty_names}
    for variant in experiment.variants:
        problem = column_problem(variant)
        if problem is None and variant in TABLE_WORDS:
            problem = "heads a column of the robustness and sensitivity tables"
        if problem is None and variant in others:
            problem = f"is also the name of {others[variant]}"
        if problem is not None:
            message = f"the name {excerpt(variant, 80)} {problem}; name the variant otherwise"
            raise ConfigError(experiment.file, f"variants.{variant}", message)


def factor_columns(experiment: Experiment) -> list[tuple[str, str]]:
    sample = list(experiment.sample.ranges) if experiment.sample else []
    return [(p, f"grid.{p}") for p in experiment.grid] + [(p, f"sample.ranges.{p}") for p in sample]


# --- values as written ----------------------------------------------------------------------


def written_values(experiment: Experiment) -> list[tuple[str, str, list[Any]]]:
    """(where the file says it, key, every value it may take as written): both ends of each
    range, every listed value; for the sample and the uncertainties (a grid's values are all
    run, so the plan checks them anyway)."""
    out: list[tuple[str, str, list[Any]]] = []
    for path, (low, high) in (experiment.sample.ranges if experiment.sample else {}).items():
        out.append((f"sample.ranges.{path}", path, [low, high]))
    for u in experiment.uncertainties.parameters if experiment.uncertainties else ():
        at = f"uncertainties.parameters.{u.name}"
        for spec in u.keys:
            where = at if spec.path == u.name else f"{at}.keys.{spec.path}"
            if spec.values:
                out.append((f"{where}.values", spec.path, list(spec.values)))
            else:
                out.append((f"{where}.range", spec.path, [spec.low, spec.high]))
    return out


def check_written_values(experiment: Experiment, raws: Mapping[str, dict[str, Any]]) -> None:
    """Every value a sampled key may take, as written, set alone in every variant's scenario
    that has the key and validated: a range partly outside its key's bounds is refused whatever
    the draws (before, it passed or not depending on where they landed)."""
    valid = {variant: raw for variant, raw in raws.items() if is_valid(raw)}  # others: the plan
    for at, path, values in written_values(experiment):  # says what is wrong with them
        for variant, raw in valid.items():
            if not has(raw, path):
                continue
            for value in values:
                problem = value_problem(raw, path, value)
                if problem is not None:
                    message = f"outside what {path} takes under variant {variant!r}: {problem}"
                    raise ConfigError(experiment.file, at, message)


def is_valid(raw: Mapping[str, Any]) -> bool:
    try:
        scenario_from_dict(raw)
    except ConfigError:
        return False
    return True


def has(raw: Mapping[str, Any], path: str) -> bool:
    try:
        validate_path(path, raw)
    except ConfigError:
        return False
    return True


def value_problem(raw: Mapping[str, Any], path: str, value: Any) -> str | None:
    """What the schema says of ``value`` at ``path`` in ``raw``, or None if it is valid there.
    A whole-number end of an integer key is set as an integer (as the draws are)."""
    if key_type(path, raw) is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        scenario_from_dict(set_dotted(raw, path, value))
    except ConfigError as exc:
        if not (exc.key_path == path or exc.key_path.startswith(path + ".")):
            return f"{exc.key_path}: {exc.message}"
        return exc.message
    return None
