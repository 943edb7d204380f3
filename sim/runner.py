"""``run_one``: the single entry point every executor calls."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import platform
import time
from collections.abc import Callable, Sequence

import mesa
import numpy as np
import pandas as pd

from sim.config.loading import resolved_dict, scenario_sha256
from sim.config.schema import Scenario
from sim.engine.domains import DomainOutage, domain_outages
from sim.engine.outages import Availability
from sim.metrics import compute_metrics
from sim.model import DataSharingModel
from sim.results import RunResult, package_version
from sim.rng import Streams

PHASES = ("drawing", "simulating", "metrics")
"""The phases of a run, in order, as ``on_progress`` names them."""

OnProgress = Callable[[str, int, int], None]
"""``on_progress(phase, done, total)``: called as each phase starts (``done`` 0) and ends
(``done == total``), and after every simulated day (``total`` the number of days)."""


def quiet(phase: str, done: int, total: int) -> None:
    """The ``OnProgress`` that reports nothing."""


def run_one(
    scenario: Scenario, seed: int | None = None, on_progress: OnProgress | None = None
) -> RunResult:
    """Run one scenario with one seed (``scenario.seed`` when None) and measure it.

    ``on_progress`` follows the run's phases (see ``OnProgress``); it never changes results."""
    seed = scenario.seed if seed is None else int(seed)
    report = on_progress or quiet
    keep_freed_memory()
    started = time.perf_counter()
    # What lives before the run (modules, compiled kernels, a worker's drawn worlds: 300,000
    # objects) outlives it: the cyclic collector skips it while the run lasts (a full
    # collection 0.012 s instead of 0.2 s). The run itself makes few cycles, freed by the
    # collections below: automatic collections, counting its millions of allocations, only
    # cost time (2 % of a robustness world).
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        log, counts = simulate(scenario, seed, report)
        # The model just run leaves reference cycles (Mesa's agents and model) that only the
        # cyclic collector frees: free them before the metrics' large arrays (140 MB off the
        # benchmark's peak).
        gc.collect()
        report("metrics", 0, 1)
        bundle = compute_metrics(log)
        report("metrics", 1, 1)
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()
    return RunResult(
        metrics=bundle.metrics,
        by_region=bundle.by_region,
        by_kind=bundle.by_kind,
        counts=counts,
        timeseries=bundle.timeseries,
        visibility_curve=bundle.visibility_curve,
        daily=bundle.daily,
        outages=outage_table(log, domain_outages(scenario, Streams(seed))),
        seed=seed,
        scenario=resolved_dict(scenario),
        scenario_sha256=scenario_sha256(scenario),
        version=package_version() or "0+unknown",
        wall_seconds=time.perf_counter() - started,
    )


M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
"""glibc's ``mallopt`` parameters (``malloc.h``)."""
KEPT_BYTES = 2**31 - 1
"""Free memory at the top of the heap the process keeps rather than returns (the largest
value ``mallopt`` takes)."""


@functools.cache
def keep_freed_memory() -> bool:
    """Keep the memory large arrays free in the process's heap, for the next ones; once per
    process, from the first run on (True where applied).

    By default glibc gives each allocation above 32 MB its own mapping and unmaps it when it
    is freed, so the next array of that size (the next block of the segment sweep, the same
    arrays in the next run of a sweep's worker) faults its pages in again one by one, each
    zeroed by the kernel: 0.3 to 0.6 s of a robustness world's run of a few seconds. From the
    heap, and never trimmed below ``KEPT_BYTES``, freed memory is reused as it is. The peak
    resident memory of a run is the same (the heap grows to the same high-water mark); the
    process keeps it between runs. A no-op (False) under another C library; results never
    depend on it."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(libc.mallopt(M_TRIM_THRESHOLD, KEPT_BYTES))


WARM_UP_SCENARIO = {
    "name": "warm-up",
    "horizon_days": 4,
    "warmup_days": 1,
    "world": {
        "countries": [{"code": "AAA", "region": "europe"}, {"code": "BBB", "region": "europe"}]
    },
    "records": {"creation_per_country_per_day": 5},
    "stores": {"hub": {"servers": 2}},
    "outages": {"ncb": {"mtbf_days": 1, "mttr_hours": 2}},
    "queries": {"per_country_per_day": 5},
}
"""Two countries for four days: enough to call every compiled kernel once."""


def warm_up() -> None:
    """Load the compiled kernels (numba's on-disk cache) with two tiny runs, centralized and
    federated broadcast, so that a run timed against a limit does not pay for them."""
    from sim.config import scenario_from_dict

    for architecture in ({"kind": "centralized"}, {"kind": "federated", "routing": "broadcast"}):
        run_one(scenario_from_dict(WARM_UP_SCENARIO | {"architecture": architecture}), 1)


def simulate(scenario: Scenario, seed: int, report: OnProgress | None = None):
    """Run the model and keep only its log, so the model's memory is freed before metrics."""
    report = report or quiet
    report("drawing", 0, 1)
    model = DataSharingModel(scenario, seed)
    report("drawing", 1, 1)
    try:
        report("simulating", 0, model.n_days)
        model.run(lambda done, total: report("simulating", done, total))
        log = model.run_log()
        return log, run_counts(model, log)
    finally:
        mesa.Agent._ids.pop(model, None)  # Mesa keeps every model alive through this registry


def run_counts(model: DataSharingModel, log) -> dict[str, int]:
    """Counts scaled back to real volumes when records or searches were sampled; the ledger
    (``changes_*``, ``dropped_*``) stays in simulated units so that it balances exactly.
    ``records_created`` counts the records active on day 0 or created later, the same for every
    architecture; ``simulated_records`` also counts the prehistory's ghosts some architectures
    keep."""
    scale = 1.0 / model.scenario.records.sample_fraction
    ledger = log.ledger
    return {
        "records_created": round(int((model.source.deleted >= 0).sum()) * scale),
        "record_changes": round(log.source.n_changes * scale),
        "deliveries": round(ledger["changes_applied"] * scale),
        "queries": round(model.n_queries * log.queries.weight),
        "events_processed": model.events_processed,
        "simulated_records": log.source.n_records,
        "simulated_changes": log.source.n_changes,
        "simulated_queries": model.n_queries,
    } | ledger


OUTAGE_COLUMNS = ["store", "start_day", "end_day", "domain"]


def outage_table(log, domains: Sequence[DomainOutage] = ()) -> pd.DataFrame:
    """``outages.csv``: each store's down periods (``hub``, ``SIS``, ``ncb.FRA``), when it was
    down whatever the cause (its own outages and its failure domains' events merged),
    ``domain`` naming the domains whose events fall in the period (``;``-separated; empty for
    the store's own outages alone); then one row per domain event, ``store``
    ``domain.<name>``: the window every member of the domain shared."""
    named = [(name, s.store, s.availability) for name, s in log.stores.items()]
    named += [
        (f"ncb.{code}", f"ncb.{code}", a)
        for code, a in zip(log.world.codes, log.node_availability, strict=True)
    ]
    causes = domain_causes({store: a for _, store, a in named}, domains)
    rows = []
    for name, store, availability in named:
        for k, (start, end) in enumerate(zip(availability.starts, availability.ends, strict=True)):
            cause = ";".join(causes.get((store, k), []))
            rows.append(
                {"store": name, "start_day": float(start), "end_day": float(end), "domain": cause}
            )
    for domain in domains:
        for start, end in zip(domain.events.starts, domain.events.ends, strict=True):
            rows.append(
                {
                    "store": f"domain.{domain.name}",
                    "start_day": float(start),
                    "end_day": float(end),
                    "domain": domain.name,
                }
            )
    return pd.DataFrame(rows, columns=OUTAGE_COLUMNS)


def domain_causes(
    availability: dict[str, Availability], domains: Sequence[DomainOutage]
) -> dict[tuple[str, int], list[str]]:
    """(store, index of its down period) to the domains with an event in that period, in
    the scenario's order: each event lies inside one merged period of every member."""
    causes: dict[tuple[str, int], list[str]] = {}
    for domain in domains:
        for store in domain.members:
            windows = availability.get(store)
            if windows is None or not domain.events.has_outages:
                continue
            at = np.searchsorted(windows.starts, domain.events.starts, side="right") - 1
            for k in np.unique(at):
                causes.setdefault((store, int(k)), []).append(domain.name)
    return causes
