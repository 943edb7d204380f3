"""The source of truth: every record's lifecycle at the NCB that owns it.

Lifecycles are drawn up front from named substreams that no architecture touches, so for one
seed every architecture sees the same creations, updates and deletions (common random numbers).
Version 0 is the creation, versions 1..k the updates (including review extensions), version
k+1 the deletion (if it happens before the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.config.schema import KindSpec, Surge
from sim.config.schema import Records as RecordsSpec
from sim.engine.dists import DAYS, Sampler
from sim.rng import Streams
from sim.world import DENIED, GLOBAL, WorldIndex

NO_FLAGS = np.empty(0, dtype=bool)


@dataclass(frozen=True)
class SourceRecords:
    """Every record's planned lifecycle: a value. Its arrays are made read-only on
    construction, so that any attempt to rewrite them in place fails at once (behaviour keeps
    what the owners did differently in an overlay of its own, ``sim.behaviour.overlay``)."""

    owner: np.ndarray
    kind: np.ndarray
    """Index into ``kind_names``."""
    kind_names: tuple[str, ...]
    sharing: np.ndarray
    """Where the record may travel: GLOBAL, REGIONAL or NATIONAL (what routing reads)."""
    scope: np.ndarray
    """Who may see it: ``sharing``, or DENIED + k for a global record denying list k."""
    created: np.ndarray
    deleted: np.ndarray
    """Deletion time at the source; ``inf`` when the record outlives the horizon."""
    last_version: np.ndarray
    """Highest version of the record; the deletion's version when it is deleted."""
    change_rec: np.ndarray
    change_version: np.ndarray
    change_time: np.ndarray
    """All changes, sorted by time."""
    change_review: np.ndarray
    """The change is a review extension (the owner reviewed the record and kept it)."""
    change_dormant: np.ndarray
    """A lapse at review that happens only if the review is missed (behaviour on)."""
    change_material: np.ndarray = field(default_factory=lambda: NO_FLAGS)
    """The change is material: it changes what an officer should do (a creation, a deletion, a
    material update); review extensions and administrative updates are not. Left out (hand-
    written records): every change is."""

    def __post_init__(self) -> None:
        if self.change_material.size == 0 < self.change_rec.size:
            object.__setattr__(self, "change_material", np.ones(self.change_rec.size, dtype=bool))
        if self.change_material.size != self.change_rec.size:
            raise ValueError("change_material must have one flag per change")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n_records(self) -> int:
        return int(self.owner.size)

    @property
    def n_changes(self) -> int:
        return int(self.change_rec.size)

    def is_deletion(self, rec: np.ndarray, version: np.ndarray) -> np.ndarray:
        return np.isfinite(self.deleted[rec]) & (version == self.last_version[rec])


def draw_records(
    spec: RecordsSpec,
    world: WorldIndex,
    horizon: float,
    streams: Streams,
    lapse_after_days: float | None = None,
) -> SourceRecords:
    """``lapse_after_days``: with behaviour on, each review extension gets a dormant deletion
    that many days after it, used if the owner misses the review."""
    kinds = spec.kind_specs()
    owner, created = _creations(
        spec, world, horizon, streams.get("records.arrivals"), streams.get("records.prehistory")
    )
    n = owner.size
    shares = np.array([k.share for k in kinds])
    kind = streams.get("records.kind").choice(len(kinds), size=n, p=shares / shares.sum())
    lifetime = np.empty(n)
    sharing = np.empty(n, dtype=np.int8)
    for k, ks in enumerate(kinds):
        mine = np.flatnonzero(kind == k)
        lifetime[mine] = Sampler(ks.lifetime_days, DAYS).draw(
            streams.get(f"records.lifetimes.{ks.name}"), mine.size
        )
        sharing[mine] = streams.get(f"records.scope.{ks.name}").choice(
            3, size=mine.size, p=_normalised(ks.scope.shares())
        )
    ext_rec, ext_time, review_end = _reviews(
        kinds, kind, created, lifetime, streams.get("records.reviews")
    )
    deleted = created + np.minimum(lifetime, review_end)
    deleted = np.where(deleted < horizon, deleted, np.inf)
    alive = deleted >= 0  # prehistory records already gone at day 0 never matter
    if not alive.all():
        renumber = np.cumsum(alive) - 1
        owner, created, kind = owner[alive], created[alive], kind[alive]
        sharing, deleted = sharing[alive], deleted[alive]
        kept = alive[ext_rec]
        ext_rec, ext_time = renumber[ext_rec[kept]], ext_time[kept]
        n = owner.size
    keep_ext = ext_time < np.minimum(deleted[ext_rec], horizon)
    ext_rec, ext_time = ext_rec[keep_ext], ext_time[keep_ext]
    scope = _denials(spec, sharing, streams.get("records.denials"))
    upd_rec, upd_time = _updates(
        kinds, kind, created, deleted, horizon, streams.get("records.updates")
    )
    upd_material = _material(kinds, kind[upd_rec], streams.get("records.material"))
    upd_material = np.concatenate([upd_material, np.zeros(ext_rec.size, dtype=bool)])
    upd_rec, upd_time = np.concatenate([upd_rec, ext_rec]), np.concatenate([upd_time, ext_time])
    n_updates = np.bincount(upd_rec, minlength=n)
    upd_version = rank_within(upd_rec, upd_time) + 1
    last_version = n_updates + np.isfinite(deleted)
    gone = np.flatnonzero(np.isfinite(deleted))
    review = np.r_[
        np.zeros(n + upd_rec.size - ext_rec.size, dtype=bool), np.ones(ext_rec.size, dtype=bool)
    ]
    lapse_rec, lapse_time = np.empty(0, dtype=np.int64), np.empty(0)
    if lapse_after_days is not None:
        lapse_time = ext_time + lapse_after_days
        lapse_rec = ext_rec[lapse_time < horizon]
        lapse_time = lapse_time[lapse_time < horizon]
    rec = np.concatenate([np.arange(n), upd_rec, gone, lapse_rec])
    version = np.concatenate(
        [np.zeros(n, dtype=np.int64), upd_version, last_version[gone], np.full(lapse_rec.size, -1)]
    )
    time = np.concatenate([created, upd_time, deleted[gone], lapse_time])
    is_review = np.r_[review, np.zeros(gone.size + lapse_rec.size, dtype=bool)]
    dormant = np.r_[
        np.zeros(n + upd_rec.size + gone.size, dtype=bool), np.ones(lapse_rec.size, dtype=bool)
    ]
    material = np.r_[
        np.ones(n, dtype=bool), upd_material, np.ones(gone.size + lapse_rec.size, dtype=bool)
    ]
    order = np.argsort(time, kind="stable")
    return SourceRecords(
        owner=owner,
        kind=kind.astype(np.int64),
        kind_names=tuple(k.name for k in kinds),
        sharing=sharing,
        scope=scope,
        created=created,
        deleted=deleted,
        last_version=last_version.astype(np.int64),
        change_rec=rec[order],
        change_version=version[order].astype(np.int64),
        change_time=time[order],
        change_review=is_review[order],
        change_dormant=dormant[order],
        change_material=material[order],
    )


def _material(
    kinds: tuple[KindSpec, ...], kind: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per update (of a record of kind ``kind``), whether it is material: with the kind's
    ``material_update_share``, one draw per update from its own stream."""
    share = np.array([k.material_update_share for k in kinds])
    return rng.random(kind.size) < share[kind]


def _normalised(p: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(p, dtype=float)
    return a / a.sum()


def _creations(
    spec: RecordsSpec,
    world: WorldIndex,
    horizon: float,
    rng: np.random.Generator,
    prehistory_rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson creations per country at rate ``creation_per_country_per_day`` x weight x the
    simulated fraction of real volumes, from ``-prehistory_days`` (own stream) to the horizon."""
    rates = spec.creation_per_country_per_day * world.weight * spec.sample_fraction
    counts = rng.poisson(rates * horizon)
    owner = np.repeat(np.arange(world.n_countries), counts)
    times = rng.uniform(0.0, horizon, owner.size)
    for surge in spec.surges:  # no draws at all when there is no surge
        owner, times = _surged(owner, times, rates, surge, horizon, rng)
    if prehistory_rng is not None and spec.prehistory_days > 0:
        before = prehistory_rng.poisson(rates * spec.prehistory_days)
        early = np.repeat(np.arange(world.n_countries), before)
        owner = np.concatenate([owner, early])
        times = np.concatenate(
            [times, prehistory_rng.uniform(-spec.prehistory_days, 0.0, early.size)]
        )
    order = np.argsort(times, kind="stable")
    return owner[order], times[order]


def _surged(
    owner: np.ndarray,
    times: np.ndarray,
    rates: np.ndarray,
    surge: Surge,
    horizon: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Creations with the rate inside the surge's window multiplied by its factor.

    A factor above 1 adds Poisson(rate x (factor - 1) x window) creations spread uniformly over
    the window (so overlapping surges add their extras); below 1 thins the window's creations,
    keeping each with probability ``factor``."""
    start, end = surge.start_day, min(surge.start_day + surge.days, horizon)
    if end <= start or surge.factor == 1:
        return owner, times
    if surge.factor < 1:
        inside = (times >= start) & (times < end)
        keep = ~inside | (rng.uniform(size=times.size) < surge.factor)
        return owner[keep], times[keep]
    counts = rng.poisson(rates * (surge.factor - 1) * (end - start))
    extra = np.repeat(np.arange(rates.size), counts)
    extra_times = rng.uniform(start, end, extra.size)
    return np.concatenate([owner, extra]), np.concatenate([times, extra_times])


def _reviews(
    kinds: tuple[KindSpec, ...],
    kind: np.ndarray,
    created: np.ndarray,
    lifetime: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Review extensions and the age at which a record lapses at review.

    At ages R, 2R, ... the owner extends the record with probability p (an update, version + 1)
    or lets it lapse (deleted). The number of extensions before the first lapse is geometric:
    P(K = k) = p^k (1 - p). Returns (extension record ids, extension times, lapse age)."""
    n = created.size
    review_end = np.full(n, np.inf)
    ext_rec, ext_time = [np.empty(0, dtype=np.int64)], [np.empty(0)]
    for k, ks in enumerate(kinds):
        if ks.review_days is None:
            continue
        mine = np.flatnonzero(kind == k)
        p, period = ks.extension_probability, ks.review_days
        if p >= 1.0:
            extensions = np.full(mine.size, np.iinfo(np.int64).max // 4)
        else:
            extensions = rng.geometric(1.0 - p, size=mine.size) - 1
        review_end[mine] = np.where(p >= 1.0, np.inf, (extensions + 1) * period)
        reached = np.minimum(extensions, np.floor(lifetime[mine] / period)).astype(np.int64)
        rec = np.repeat(mine, reached)
        j = np.arange(rec.size) - np.repeat(np.cumsum(reached) - reached, reached) + 1
        ext_rec.append(rec)
        ext_time.append(created[rec] + j * period)
    return np.concatenate(ext_rec), np.concatenate(ext_time), review_end


def _denials(spec: RecordsSpec, sharing: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mark shares of global records as denying each listed group of countries."""
    scope = sharing.astype(np.int64)
    if not spec.denials:
        return scope
    shares = np.array([d.share for d in spec.denials])
    u = rng.random(scope.size)
    edges = np.cumsum(shares)
    which = np.searchsorted(edges, u, side="right")
    denied = (scope == GLOBAL) & (which < len(spec.denials))
    scope[denied] = DENIED + which[denied]
    return scope


def _updates(
    kinds: tuple[KindSpec, ...],
    kind: np.ndarray,
    created: np.ndarray,
    deleted: np.ndarray,
    horizon: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson updates while each record is active (and before the horizon)."""
    rate = np.array([k.updates_per_record_per_day for k in kinds])[kind]
    if created.size == 0 or not rate.any():
        return np.empty(0, dtype=np.int64), np.empty(0)
    end = np.minimum(deleted, horizon)
    counts = rng.poisson(rate * (end - created))
    rec = np.repeat(np.arange(created.size), counts)
    times = created[rec] + rng.uniform(0.0, 1.0, rec.size) * (end - created)[rec]
    return rec, times


def day_bounds(times: np.ndarray, n_days: int) -> np.ndarray:
    """Where each day's rows of ``times`` (sorted) start, and where the last day's end: the
    rows of day d are ``bounds[d]`` to ``bounds[d + 1] - 1``. Day 0 also takes the
    prehistory (times before 0). The model routes each day's rows together."""
    bounds = np.searchsorted(times, np.arange(n_days + 1), side="left")
    bounds[0] = 0
    return bounds


def rank_within(rec: np.ndarray, t: np.ndarray) -> np.ndarray:
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
