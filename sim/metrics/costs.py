"""What an architecture costs at real volume: bandwidth per link class, storage per store kind,
staff hours per year (manual entry, updates, reviews and following up hits) per region and
per NCB size, the staff and servers that run the systems serving other countries, the
system-to-system interfaces it needs, and all of it in euros. The prices (record and message
sizes, hours per action, operations, money) are scenario assumptions (``costs``,
``behaviour.workload``); the volumes are the run's, scaled to real.

Every architecture is costed on one footing:

- **keying**: the national entry is counted in every architecture, once per change (it is the
  same everywhere); an automated feed (a message over a link, a synchronisation, an index fed
  by the national system) costs no keying; what is keyed by hand into another system (today's
  hub and platforms) counts once per system, wherever it happens;
- **operations**: the systems run for other countries (the hub, each platform, a national
  node that answers searches from abroad) each need staff around the clock and the servers
  their peak load needs; a national system serving its own country alone is the same in
  every architecture and counted in none;
- **interfaces**: each pair of systems that exchange automated messages of one purpose (a
  record feed, searches) is one interface, built once; in a federation every pair of national
  nodes is one more (each may be asked by every other), at its own price;
- **money**: servers, staff hours, GB carried and held, at the prices of ``costs.money``, and
  the interfaces' one-off cost spread over ``amortisation_years``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.staff import keying_hours, review_hours
from sim.log import CostLog, RunLog
from sim.metrics.capacity import capacity_metrics
from sim.metrics.held import holds_copies
from sim.metrics.intervals import Shown
from sim.metrics.layout import Grid
from sim.metrics.outcomes import DAYS_PER_YEAR
from sim.metrics.queries import searches_asked
from sim.topology import OWNERS, CacheThenOwner, Consult, OwnerAnswers, node_store

GB = 1e9

WEIGHT_CLASSES = (("small", 0.0, 0.75), ("medium", 0.75, 1.5), ("large", 1.5, 3.0))
"""NCB size classes by activity weight, ``[low, high)``; weights from 3 up are ``largest``
(the 2023 world's weights run from 0.2 to 5, median 1)."""


def prices(log: RunLog) -> CostLog:
    assert log.costs is not None
    return log.costs


def record_bytes(log: RunLog) -> np.ndarray:
    """Bytes of a record of each kind, and last the size of a record of no known kind."""
    spec = prices(log).prices
    sizes = [spec.record_bytes_by_kind.get(k, spec.record_bytes) for k in log.source.kind_names]
    return np.array([*sizes, spec.record_bytes])


def full_days(log: RunLog, days: Grid) -> np.ndarray:
    """The whole days of the window (day numbers), over which daily means are taken."""
    numbers = days.numbers
    return numbers[(days.day_hi - days.day_lo) >= 1.0 - 1e-12]


def bandwidth_per_day(log: RunLog, days: Grid) -> dict[str, float | None]:
    """GB a day on each link class: every change carries its record, every search a request
    and an answer; the mean over the window's whole days."""
    cost = prices(log)
    sizes = record_bytes(log)
    per_search = cost.prices.search_bytes + cost.prices.answer_bytes
    whole = full_days(log, days)
    out: dict[str, float | None] = {}
    for name, changes in cost.link_changes.items():
        daily = sizes @ changes + per_search * cost.link_searches[name]
        out[name] = float(daily[whole].mean()) / GB if whole.size else None
    return out


def storage_gb(log: RunLog, shown: dict[str, Shown]) -> dict[str, float]:
    """GB held on average over the window: by the hub, by the platforms together, and by the
    national nodes together (each its own records, in every architecture). A store that holds
    copies holds whole records, ghosts included; one that does not (an index) holds
    pointers."""
    cost = prices(log)
    sizes = record_bytes(log)[: len(log.source.kind_names)]
    src = log.source
    out = {"hub": 0.0, "platforms": 0.0}
    for name, store in log.stores.items():
        held = shown[name]
        years = held_record_days(held.start, held.end, log)
        if holds_copies(log, store):
            volume = float(np.bincount(src.kind[held.rec], years, sizes.size) @ sizes)
        else:
            volume = float(years.sum()) * cost.prices.pointer_bytes
        out["hub" if name == "hub" else "platforms"] += volume
    own = held_record_days(src.created, src.deleted, log)
    out["ncb"] = float(np.bincount(src.kind, own, sizes.size) @ sizes)
    window = log.horizon - log.warmup
    return {name: value * cost.record_weight / window / GB for name, value in out.items()}


def held_record_days(start: np.ndarray, end: np.ndarray, log: RunLog) -> np.ndarray:
    """Days of each interval inside the window."""
    return np.clip(np.minimum(end, log.horizon) - np.maximum(start, log.warmup), 0.0, None)


def staff_hours(log: RunLog, answered: np.ndarray) -> dict[str, np.ndarray]:
    """Staff hours per year at real volume of each NCB, by activity: keying new records
    (``entry``), updates and deletions (``updates``), reviews, and following up the hits its
    officers got (``answering``: ``answered`` hits and false hits a year of each NCB)."""
    cost = prices(log)
    src, work = log.source, cost.workload
    # Changes folded onto day 0 from before it (the prehistory) were done before the run.
    in_window = (src.change_time >= log.warmup) & (src.change_time < log.horizon)
    in_window &= src.change_time > 0
    rec, version = src.change_rec[in_window], src.change_version[in_window]
    owner = src.owner[rec]
    keyed = cost.manual_entries[in_window] * keying_hours(
        work, version == 0, src.is_deletion(rec, version)
    )
    reviews = review_hours(work, src.change_review[in_window])
    scale = cost.record_weight * DAYS_PER_YEAR / (log.horizon - log.warmup)
    n = log.world.n_countries

    def per_ncb(hours: np.ndarray) -> np.ndarray:
        return np.bincount(owner, hours, n) * scale

    hours = {
        "entry": per_ncb(np.where(version == 0, keyed, 0.0)),
        "updates": per_ncb(np.where(version > 0, keyed, 0.0)),
        "reviews": per_ncb(reviews.astype(float)),
        "answering": answered * work.hours_per_hit,
    }
    if cost.corrections is not None:  # a road map: its clean-up, zero without one
        owner, t = cost.corrections
        done = (t >= log.warmup) & (t < log.horizon)
        hours["reconciliation"] = (
            np.bincount(owner[done], minlength=n) * cost.correction_hours * scale
        )
    return hours


def staff_metrics(hours: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, float]:
    """Total staff hours a year of the NCBs ``rows``."""
    return {"staff_hours_per_year": float(sum(h[rows].sum() for h in hours.values()))}


def staff_families(hours: dict[str, np.ndarray], weight: np.ndarray) -> dict[str, Any]:
    """Hours a year by activity (every NCB), and per NCB of each size class (its mean)."""
    total = sum(hours.values())
    assert isinstance(total, np.ndarray)
    classes = [*WEIGHT_CLASSES, ("largest", 3.0, np.inf)]
    by_weight: dict[str, float | None] = {}
    for name, low, high in classes:
        members = (weight >= low) & (weight < high)
        by_weight[name] = float(total[members].mean()) if members.any() else None
    return {
        "staff_hours_per_year_by_activity": {k: float(v.sum()) for k, v in hours.items()},
        "staff_hours_per_ncb_per_year_by_weight": by_weight,
    }


def cost_metrics(
    log: RunLog,
    days: Grid,
    storage: dict[str, float] | None,
    outcomes: dict[str, np.ndarray],
    by_region: dict[str, dict[str, float | None]],
) -> dict[str, Any]:
    """Bandwidth, storage, capacity and staff hours at real volume (``by_region`` gains each
    region's staff hours)."""
    years = float((days.day_hi - days.day_lo).sum()) / DAYS_PER_YEAR
    answered = (outcomes["hits"] + outcomes["false_hits"]).sum(axis=(1, 2)) / years
    hours = staff_hours(log, answered)
    for r, name in enumerate(log.world.regions):
        by_region[name] |= staff_metrics(hours, np.flatnonzero(log.world.region_of == r))
    bandwidth = bandwidth_per_day(log, days)
    storage = storage or {}
    capacity = capacity_metrics(log)
    costs = (
        {
            "bandwidth_gb_per_day": bandwidth,
            "bandwidth_gb_per_day_total": total_of(bandwidth.values()),
            "storage_gb": storage,
            "storage_gb_total": total_of(storage.values()),
        }
        | capacity
        | staff_metrics(hours, np.arange(log.world.n_countries))
        | staff_families(hours, log.world.weight)
        | operations_metrics(log, capacity["servers_needed_total"])  # type: ignore[arg-type]
        | interface_metrics(log)
    )
    return costs | money_metrics(log, costs)


def systems_operated(log: RunLog) -> int:
    """Systems run for other countries: the hub and each platform that holds records or answers
    searches, and each national node that answers searches from abroad."""
    asked = searches_asked(log)
    central = sum(
        1
        for name, store in log.stores.items()
        if store.rec.size or asked.get(name if name == "hub" else f"platform.{name}", 0.0) > 0
    )
    nodes = sum(1 for code in log.world.codes if asked.get(f"ncb.{code}", 0.0) > 0)
    return central + nodes


def operations_metrics(log: RunLog, servers: float | None) -> dict[str, Any]:
    """Staff hours a year running the systems serving other countries: a 24/7 post per system,
    and the administration of the servers their peak load needs (None when the servers
    cannot be sized)."""
    spec = prices(log).prices.operations
    systems = systems_operated(log)
    hours = (
        None
        if servers is None
        else systems * spec.hours_per_system_year + servers * spec.hours_per_server_year
    )
    return {"systems_operated": float(systems), "operations_staff_hours_per_year": hours}


def interface_metrics(log: RunLog) -> dict[str, Any]:
    """System-to-system interfaces by purpose and in all, read from the plan: ``feeds``, the
    (sender, store) pairs its automated routes connect (an owner's national system, or the
    relaying store; a route keyed by hand is no interface); ``searches``, the (querier,
    store) pairs its consults connect (the store read, a pointer index or a cache asked
    first); ``node_pairs``, the pairs of national nodes that may ask each other where the
    owners answer (each pair once, whichever asks)."""
    found = {
        "feeds": float(len(feed_pairs(log))),
        "searches": float(len(search_pairs(log))),
        "node_pairs": float(node_pairs(log)),
    }
    return {"interfaces": found, "interfaces_total": float(sum(found.values()))}


def feed_pairs(log: RunLog) -> set[tuple[str, str]]:
    """(sender, store) of every automated route carrying some owner's records."""
    pairs: set[tuple[str, str]] = set()
    for route in log.plan.routes:
        if route.profile.manual is not None or not route.owners.any():
            continue
        if route.via is not None:
            pairs.add((route.via, route.target))
        else:
            owners = np.flatnonzero(route.owners)
            pairs |= {(node_store(log.world.codes[o]), route.target) for o in owners}
    return pairs


def asked_stores(consult: Consult) -> list[str]:
    """The stores a consult's searches ask: its target, or the index or cache asked first."""
    reading = consult.reading
    stores = [] if consult.target == OWNERS else [consult.target]
    if isinstance(reading, OwnerAnswers) and reading.gate is not None:
        stores.append(reading.gate)
    if isinstance(reading, CacheThenOwner):
        stores.append(reading.cache)
    return stores


def search_pairs(log: RunLog) -> set[tuple[int, str]]:
    """(querier, store) of every consult's searches."""
    pairs: set[tuple[int, str]] = set()
    for consult in log.plan.consults:
        queriers = np.flatnonzero(consult.queriers)
        pairs |= {(int(q), s) for s in asked_stores(consult) for q in queriers}
    return pairs


def node_pairs(log: RunLog) -> int:
    """Unordered pairs of distinct national nodes one of which may ask the other."""
    n = log.world.n_countries
    asks = np.zeros((n, n), dtype=bool)
    for consult in log.plan.consults:
        if isinstance(consult.reading, OwnerAnswers | CacheThenOwner):
            owners = np.ones(n, dtype=bool) if consult.owners is None else consult.owners
            asks[np.ix_(consult.queriers, owners)] = True
    either = asks | asks.T
    return int(np.triu(either, 1).sum())


def money_metrics(log: RunLog, costs: dict[str, Any]) -> dict[str, Any]:
    """Euros a year by item (servers, keying and answering staff, operations staff,
    bandwidth, storage, interfaces spread over their amortisation), their total, and the
    interfaces' one-off cost; None where an item cannot be priced (servers not sized)."""
    money = prices(log).prices.money
    staff = money.staff_hour
    found = costs["interfaces"]
    pairs = found.get("node_pairs", 0.0)
    one_off = (costs["interfaces_total"] - pairs) * money.interface + pairs * money.node_pair
    items = {
        "servers": scaled(costs["servers_needed_total"], money.server_year),
        "staff": scaled(costs["staff_hours_per_year"], staff),
        "operations": scaled(costs["operations_staff_hours_per_year"], staff),
        "bandwidth": scaled(
            costs["bandwidth_gb_per_day_total"], DAYS_PER_YEAR * money.gb_transferred
        ),
        "storage": scaled(costs["storage_gb_total"], money.gb_stored_year),
        "interfaces": one_off / money.amortisation_years,
    }
    return {
        "cost_per_year_by_item": items,
        "cost_per_year": total_of(items.values()),
        "interfaces_one_off_cost": one_off,
    }


def scaled(value: float | None, price: float) -> float | None:
    return None if value is None else float(value) * price


def total_of(values: Any) -> float | None:
    """The sum of values, None if one is missing."""
    values = list(values)
    return None if any(v is None for v in values) else float(sum(values))
