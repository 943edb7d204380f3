"""How big a run will be, from its scenario alone, before anything is drawn.

The schema bounds each number to a physical range; this module answers the other question:
does the run fit this machine? A 100,000-day horizon once ran for minutes at 3.7 GB, an outage
every 1e-9 days never ended, and a billion searches a day ended in MemoryError. Each now has an
estimate first, and a run above the limit is refused with it (``--max-memory``, ``--yes``).

The estimate counts what the model holds: records (prehistory ones too, all drawn before the
ones gone by day 0 are dropped), record changes, their deliveries to the stores that keep
copies, sampled searches, outage windows, batch syncs and agent-days, and turns them into
bytes with coefficients measured on real runs (:data:`BYTES`). Each is an upper bound for
its count (lifetimes at their mean, every change reaching every copy), so the estimate errs
high.

Calibration: ``python experiments/memory_calibration.py`` measures the peak resident memory
of a fresh process running each of its cases and writing the run's sweep record and CSV
files (2-core, 23 GB development machine); :data:`BYTES` gives the figures.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from sim.architectures import run_plan
from sim.config.errors import ConfigError
from sim.config.schema import KindSpec, OutageSpec, Scenario
from sim.world import GLOBAL, WorldIndex

GIB = 1024**3
MIB = 1024**2
MAX_EVENTS = 2_000_000_000
"""Most events (see :attr:`Size.events`) accepted without ``--yes``: about an hour of one
core (the world scenarios, 1.2 million changes and 88,000 agent-days, are 13 million events
and take about 10 s)."""
STEP_EVENTS = 100

BYTES = {
    "base": 210 * MIB,
    "records_drawn": 310.0,
    "changes": 32.0,
    "deliveries": 65.0,
    "queries": 127.0,
    "outage_windows": 81_000.0,
    "agent_days": 432.0,
    "grid_cells": 165.0,
}
"""Bytes per counted item: the smallest coefficients that bound the peak memory of every
calibration run from above (a linear programme over the runs below), so that each term
stays an upper bound; ``base`` is the interpreter with numpy, pandas, SciPy, Mesa and SimPy.

Measured peak resident memory and the estimate (with :data:`MARGIN`), in MB::

    case                     measured  estimate      case                  measured  estimate
    tiny (2 NCBs, 30 days)        200       230      century (36,500 days)      287       330
    2.2M records                  912      1434      4.4M searches              732       842
    5.5M changes (updates)       1026      1180      federated, 100 NCBs        510       719
    hybrid, 5 platforms          1417      1630      60 NCBs, 11k outages      1205      2083
    fragmented, 5 platforms      1533      1763      30 NCBs, 11k outages       635      1638
    hub down 3,500 times          586       674      4 kinds, 2 denials        1490      1717
    world-2023-fragmented        1850      2906      world-2023-hybrid-push    2170      3731
    world-2023-federated          796      2723      world-2023-surge          1849      2911
    world-2023-hub-outage        2442      2808

The estimate errs high by design: at most 3.4 times the measure (federated, whose metrics
hold less than the others'), 1.15 to 1.6 times for most.
"""
MARGIN = 1.15
"""Headroom over the fitted bound: seeds, library versions and allocators vary."""


def physical_memory() -> int | None:
    """This machine's memory in bytes, when the platform says."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def default_max_memory(concurrent_runs: int = 1) -> int:
    """80 % of this machine's memory, shared by the runs that go on at once (4 GB when the
    platform does not say): the most a run may be estimated to need without ``--max-memory``."""
    total = physical_memory()
    share = 0.8 * total / max(1, concurrent_runs) if total else 4 * GIB
    return int(share)


@dataclass(frozen=True)
class Size:
    """What one run will hold, counted from its scenario (upper bounds)."""

    records_drawn: float
    """Simulated records drawn, prehistory included (held until those gone by day 0 drop)."""
    changes: float
    """Record changes: creations, updates, review extensions, deletions."""
    deliveries: float
    """Changes times the stores that apply them (the hub, platforms)."""
    queries: float
    outage_windows: float
    syncs: float
    agent_days: float
    grid_cells: float
    """Exact integrals kept per (owner, scope, kind) at every day edge and every up/down edge
    of every store and national node: the metrics' largest arrays when outages are frequent."""

    @property
    def events(self) -> float:
        """Work in units of one record change: an agent's day or a batch sync is a Python
        step, worth about :data:`STEP_EVENTS` changes handled as arrays."""
        vectorised = self.changes + self.deliveries + self.queries + self.outage_windows
        return vectorised + STEP_EVENTS * (self.syncs + self.agent_days)

    @property
    def memory_bytes(self) -> float:
        counted = {
            "records_drawn": self.records_drawn,
            "changes": self.changes,
            "deliveries": self.deliveries,
            "queries": self.queries,
            "outage_windows": self.outage_windows,
            "agent_days": self.agent_days,
            "grid_cells": self.grid_cells,
        }
        return MARGIN * (BYTES["base"] + sum(BYTES[name] * n for name, n in counted.items()))

    def describe(self) -> str:
        """``about 5.2 GB peak memory and 3.1e+09 events (12,000,000 records, ...)``."""
        parts = [
            f"{self.records_drawn:,.0f} records",
            f"{self.changes:,.0f} changes",
            f"{self.queries:,.0f} searches",
        ]
        if self.outage_windows >= 1e5:
            parts.append(f"{self.outage_windows:,.0f} outage windows")
        if self.syncs >= 1e5:
            parts.append(f"{self.syncs:,.0f} syncs")
        return (
            f"about {memory_text(self.memory_bytes)} peak memory and {self.events:.2g} events"
            f" ({', '.join(parts)})"
        )

    def refusal(self, max_memory: float) -> str | None:
        """Why the run is too large for ``max_memory`` bytes, or None when it fits."""
        if self.memory_bytes > max_memory:
            limit = f"the {memory_text(max_memory)} limit"
            return f"run too large: {self.describe()}, above {limit}"
        if self.events > MAX_EVENTS:
            return f"run too long: {self.describe()}, above {MAX_EVENTS:.2g} events"
        return None


HOW_TO_PROCEED = "raise the limit with --max-memory SIZE, or run anyway with --yes"


def memory_text(n_bytes: float) -> str:
    """``512 MB``, ``4 GB``, ``4.88 TB``: binary units, as ``--max-memory`` takes them."""
    for unit, size in (("TB", 1024**4), ("GB", GIB)):
        if n_bytes >= size:
            return f"{n_bytes / size:.3g} {unit}"
    return f"{n_bytes / MIB:.0f} MB"


def parse_memory(text: str) -> int:
    """``4GB``, ``512 MB``, ``1.5g``, ``2T`` as bytes (binary units); raises ValueError."""
    units = {"": 1, "k": 1024, "m": MIB, "g": GIB, "t": 1024**4}
    cleaned = text.strip().lower().removesuffix("b").removesuffix("i")
    number, unit = cleaned.rstrip("kmgt").strip(), cleaned[len(cleaned.rstrip("kmgt")) :]
    value = float(number)  # ValueError for anything else
    if unit not in units or not math.isfinite(value) or value <= 0:
        raise ValueError(text)
    return int(value * units[unit])


def size_of(scenario: Scenario) -> Size:
    """The counts of :class:`Size` for one run of ``scenario``."""
    world, records, horizon = scenario.world, scenario.records, scenario.horizon_days
    weight = sum(c.weight for c in world.countries)
    per_day = records.creation_per_country_per_day * weight * records.sample_fraction
    created = per_day * (horizon + surge_days(scenario))
    drawn = created + per_day * records.prehistory_days
    alive_at_start = per_day * sum(
        k.share * min(records.prehistory_days, mean_lifetime(k)) for k in records.kind_specs()
    )
    changes = (created + alive_at_start) * changes_per_record(records.kind_specs(), horizon)
    searches = scenario.queries
    queries = searches.per_country_per_day * weight * horizon * searches.sample_fraction
    windows = outage_windows(scenario)
    groups = len(world.countries) * (3 + len(records.denials)) * len(records.kind_specs())
    return Size(
        records_drawn=drawn,
        changes=changes,
        deliveries=changes * copies(scenario),
        queries=queries,
        outage_windows=sum(windows.values()),
        syncs=syncs(scenario),
        agent_days=math.ceil(horizon) * (len(world.countries) + len(world.platforms) + 1),
        grid_cells=groups * (math.ceil(horizon) + 2 * sum(windows.values())),
    )


def cycle_days(spec: OutageSpec | None) -> float | None:
    return None if spec is None else spec.mtbf_days + spec.mttr_hours / 24.0


def surge_days(scenario: Scenario) -> float:
    """Extra days of creation the surges add (a factor f for d days adds (f - 1) d)."""
    horizon = scenario.horizon_days
    return sum(
        max(0.0, s.factor - 1) * max(0.0, min(s.start_day + s.days, horizon) - s.start_day)
        for s in scenario.records.surges
    )


def mean_lifetime(kind: KindSpec) -> float:
    return kind.lifetime_days.mean_value()


def changes_per_record(kinds: tuple[KindSpec, ...], horizon: float) -> float:
    """Creation, deletion, updates and review extensions of a record over its life in the run
    (its mean lifetime, cut at the horizon)."""
    total = 0.0
    for kind in kinds:
        active = min(mean_lifetime(kind), horizon)
        reviews = active / kind.review_days if kind.review_days else 0.0
        p = kind.extension_probability
        if p < 1:  # extensions before the first lapse: geometric, mean p / (1 - p)
            reviews = min(reviews, p / (1 - p) + 1)
        total += kind.share * (2 + kind.updates_per_record_per_day * active + reviews)
    return total


def copies(scenario: Scenario) -> float:
    """Stores that apply each change, at most: per owner, the routes of the architecture's
    plan that carry its global records (sent by it or passed on), averaged over the owners."""
    world = WorldIndex.from_schema(scenario.world, scenario.records.denials)
    plan = run_plan(scenario, world)
    carried = [r.owners for r in plan.routes if GLOBAL in r.scopes]
    if not carried:
        return 0.0
    return float(np.sum(carried, axis=0).mean())


def outage_windows(scenario: Scenario) -> dict[str, float]:
    """Down windows drawn for the hub, the platforms and the national nodes: one per mean
    up-and-down cycle over the horizon, plus the scheduled ones."""
    stores = {
        "hub": 1,
        "platform": len(scenario.world.platforms),
        "ncb": len(scenario.world.countries),
    }
    windows = dict.fromkeys(stores, 0.0)
    for kind, count in stores.items():
        spec = getattr(scenario.outages, kind)
        cycle = cycle_days(spec)
        if spec is not None and cycle is not None:
            windows[kind] = count * (scenario.horizon_days / cycle + len(spec.scheduled))
    return windows


def syncs(scenario: Scenario) -> float:
    arch = scenario.architecture
    if arch.kind != "hybrid" or arch.sync != "batch":
        return 0.0
    return scenario.horizon_days / arch.sync_interval_days * max(1, len(scenario.world.platforms))


def check_size(
    scenario: Scenario, limit: float | None, file: str | None = None, hint: str = HOW_TO_PROCEED
) -> Size:
    """The run's size; raises :class:`ConfigError` with the estimate and ``hint`` when it is
    above ``limit`` bytes (or the event limit). ``limit`` None accepts any size (``--yes``)."""
    size = size_of(scenario)
    reason = None if limit is None else size.refusal(limit)
    if reason is not None:
        raise ConfigError(file, "", f"{reason}; {hint}")
    return size


def shared_limit_hint(workers: int) -> str:
    """What to do about a run above the default limit of a sweep on ``workers`` processes."""
    return (
        f"the default limit is 80 % of this machine's memory shared by {workers} workers: use"
        " fewer --workers, set --max-memory SIZE (per run), or run anyway with --yes"
    )
