"""The source of truth: every record's lifecycle at the NCB that owns it.

Lifecycles are drawn up front from named substreams that no architecture touches, so for one
seed every architecture sees the same creations, updates and deletions (common random numbers).
Version 0 is the creation, versions 1..k the updates, version k+1 the deletion (if it happens
before the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import Records as RecordsSpec
from sim.engine.dists import DAYS, Sampler
from sim.rng import Streams
from sim.world import WorldIndex


@dataclass(frozen=True)
class SourceRecords:
    owner: np.ndarray
    scope: np.ndarray
    created: np.ndarray
    deleted: np.ndarray
    """Deletion time at the source; ``inf`` when the record outlives the horizon."""
    last_version: np.ndarray
    """Highest version of the record; the deletion's version when it is deleted."""
    change_rec: np.ndarray
    change_version: np.ndarray
    change_time: np.ndarray
    """All changes, sorted by time."""

    @property
    def n_records(self) -> int:
        return int(self.owner.size)

    @property
    def n_changes(self) -> int:
        return int(self.change_rec.size)

    def is_deletion(self, rec: np.ndarray, version: np.ndarray) -> np.ndarray:
        return np.isfinite(self.deleted[rec]) & (version == self.last_version[rec])


def draw_records(
    spec: RecordsSpec, world: WorldIndex, horizon: float, streams: Streams
) -> SourceRecords:
    owner, created = _creations(spec, world, horizon, streams.get("records.arrivals"))
    n = owner.size
    lifetime = Sampler(spec.lifetime_days, DAYS).draw(streams.get("records.lifetimes"), n)
    deleted = created + lifetime
    deleted = np.where(deleted < horizon, deleted, np.inf)
    scope = streams.get("records.scope").choice(3, size=n, p=_normalised(spec.scope.shares()))
    upd_rec, upd_time = _updates(spec, created, deleted, horizon, streams.get("records.updates"))
    n_updates = np.bincount(upd_rec, minlength=n)
    upd_version = _rank_within(upd_rec, upd_time) + 1
    last_version = n_updates + np.isfinite(deleted)
    gone = np.flatnonzero(np.isfinite(deleted))
    rec = np.concatenate([np.arange(n), upd_rec, gone])
    version = np.concatenate([np.zeros(n, dtype=np.int64), upd_version, last_version[gone]])
    time = np.concatenate([created, upd_time, deleted[gone]])
    order = np.argsort(time, kind="stable")
    return SourceRecords(
        owner=owner,
        scope=scope.astype(np.int8),
        created=created,
        deleted=deleted,
        last_version=last_version.astype(np.int64),
        change_rec=rec[order],
        change_version=version[order].astype(np.int64),
        change_time=time[order],
    )


def _normalised(p: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(p, dtype=float)
    return a / a.sum()


def _creations(
    spec: RecordsSpec, world: WorldIndex, horizon: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson creations per country at rate ``creation_per_country_per_day`` x weight."""
    rates = spec.creation_per_country_per_day * world.weight
    counts = rng.poisson(rates * horizon)
    owner = np.repeat(np.arange(world.n_countries), counts)
    times = rng.uniform(0.0, horizon, owner.size)
    order = np.argsort(times, kind="stable")
    return owner[order], times[order]


def _updates(
    spec: RecordsSpec,
    created: np.ndarray,
    deleted: np.ndarray,
    horizon: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson updates while each record is active (and before the horizon)."""
    rate = spec.updates_per_record_per_day
    if rate == 0 or created.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    end = np.minimum(deleted, horizon)
    counts = rng.poisson(rate * (end - created))
    rec = np.repeat(np.arange(created.size), counts)
    times = created[rec] + rng.uniform(0.0, 1.0, rec.size) * (end - created)[rec]
    return rec, times


def _rank_within(rec: np.ndarray, t: np.ndarray) -> np.ndarray:
    """0-based rank of each event among the events of the same record, by time."""
    if rec.size == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort((t, rec))
    sorted_rec = rec[order]
    first = np.r_[True, sorted_rec[1:] != sorted_rec[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(rec.size), 0))
    rank = np.empty(rec.size, dtype=np.int64)
    rank[order] = np.arange(rec.size) - start
    return rank
