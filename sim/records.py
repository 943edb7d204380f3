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
from sim.engine.order import record_time_order, stable_order
from sim.rng import Streams
from sim.world import DENIED, GLOBAL, NATIONAL, WorldIndex

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
    review_days: tuple[float, ...] = ()
    """Per kind, days between the owner's reviews (``inf``: never reviewed); left out: no kind
    is reviewed, and no system removes a record by retention."""

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

    def review_period(self) -> np.ndarray:
        """Per record, days between its owner's reviews (``inf``: never reviewed)."""
        if not self.review_days:
            return np.full(self.n_records, np.inf)
        return np.asarray(self.review_days, dtype=float)[self.kind]


def draw_records(
    spec: RecordsSpec,
    world: WorldIndex,
    horizon: float,
    streams: Streams,
    lapse_after_days: float | None = None,
    keep_ghosts: bool = False,
    lives: Lives | None = None,
) -> SourceRecords:
    """Every record's lifecycle, from ``-prehistory_days`` to the horizon.

    ``lapse_after_days``: with behaviour on, each review extension gets a dormant deletion
    that many days after it, used if the owner misses the review. ``keep_ghosts``: also keep
    the shareable records deleted before day 0 whose copy a system that missed the deletion
    could still show at day 0 (until the record's next review date plus the retention grace),
    for architectures that can miss a deletion; otherwise the records deleted before day 0 are
    dropped. Every random quantity is drawn for every record before any is dropped, so the
    records both settings keep are drawn alike (common random numbers). ``lives``: what
    ``draw_lives`` gave for the same records, world, horizon and seed, when the caller kept it
    (the two settings' runs of one world draw them once)."""
    kinds = spec.kind_specs()
    lives = draw_lives(spec, world, horizon, streams) if lives is None else lives
    period = np.array([np.inf if k.review_days is None else k.review_days for k in kinds])
    kept = _kept(
        lives.created,
        lives.deleted,
        lives.age,
        period[lives.kind],
        lives.sharing,
        spec,
        keep_ghosts,
    )
    if not kept.all():
        lives = lives.subset(kept)
    changes = _change_log(lives, horizon, lapse_after_days)
    return SourceRecords(
        owner=lives.owner,
        kind=lives.kind.astype(np.int64),
        kind_names=tuple(k.name for k in kinds),
        sharing=lives.sharing,
        scope=lives.scope,
        created=lives.created,
        deleted=lives.deleted,
        last_version=changes.last_version,
        change_rec=changes.rec,
        change_version=changes.version,
        change_time=changes.time,
        change_review=changes.review,
        change_dormant=changes.dormant,
        change_material=changes.material,
        review_days=tuple(float(p) for p in period),
    )


@dataclass(frozen=True)
class Lives:
    """Every drawn record (index r) with its review extensions and updates, before the change
    log is assembled: what dropping records must renumber together."""

    owner: np.ndarray
    created: np.ndarray
    kind: np.ndarray
    sharing: np.ndarray
    scope: np.ndarray
    age: np.ndarray
    """Time from creation to deletion, whether or not the deletion falls before the horizon."""
    deleted: np.ndarray
    ext_rec: np.ndarray
    ext_time: np.ndarray
    upd_rec: np.ndarray
    upd_time: np.ndarray
    upd_material: np.ndarray

    def __post_init__(self) -> None:
        for f in fields(self):  # read-only, like SourceRecords: a world's runs share them
            getattr(self, f.name).flags.writeable = False

    def subset(self, kept: np.ndarray) -> Lives:
        """The records ``kept`` marks, renumbered 0..k-1, with their extensions and updates."""
        renumber = np.cumsum(kept) - 1
        ext, upd = kept[self.ext_rec], kept[self.upd_rec]
        return Lives(
            owner=self.owner[kept],
            created=self.created[kept],
            kind=self.kind[kept],
            sharing=self.sharing[kept],
            scope=self.scope[kept],
            age=self.age[kept],
            deleted=self.deleted[kept],
            ext_rec=renumber[self.ext_rec[ext]],
            ext_time=self.ext_time[ext],
            upd_rec=renumber[self.upd_rec[upd]],
            upd_time=self.upd_time[upd],
            upd_material=self.upd_material[upd],
        )


def draw_lives(spec: RecordsSpec, world: WorldIndex, horizon: float, streams: Streams) -> Lives:
    """Every record's random draws, each quantity from its own named substream: the same
    draws whatever ``draw_records`` then keeps."""
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
    age = np.minimum(lifetime, review_end)
    deleted = created + age
    deleted = np.where(deleted < horizon, deleted, np.inf)
    keep_ext = ext_time < np.minimum(deleted[ext_rec], horizon)
    scope = _denials(spec, sharing, streams.get("records.denials"))
    upd_rec, upd_time = _updates(
        kinds, kind, created, deleted, horizon, streams.get("records.updates")
    )
    upd_material = _material(kinds, kind[upd_rec], streams.get("records.material"))
    return Lives(
        owner=owner,
        created=created,
        kind=kind,
        sharing=sharing,
        scope=scope,
        age=age,
        deleted=deleted,
        ext_rec=ext_rec[keep_ext],
        ext_time=ext_time[keep_ext],
        upd_rec=upd_rec,
        upd_time=upd_time,
        upd_material=upd_material,
    )


@dataclass(frozen=True)
class _Changes:
    """The change log in time order (stable: a record's changes keep their version order)."""

    rec: np.ndarray
    version: np.ndarray
    time: np.ndarray
    review: np.ndarray
    dormant: np.ndarray
    material: np.ndarray
    last_version: np.ndarray


def _change_log(lives: Lives, horizon: float, lapse_after_days: float | None) -> _Changes:
    """Creations (version 0), updates and review extensions (1..k, in time order), deletions
    (k+1) and, with behaviour, the dormant lapses (version -1) a missed review would trigger."""
    n = lives.owner.size
    ext_rec, ext_time = lives.ext_rec, lives.ext_time
    upd_material = np.concatenate([lives.upd_material, np.zeros(ext_rec.size, dtype=bool)])
    upd_rec = np.concatenate([lives.upd_rec, ext_rec])
    upd_time = np.concatenate([lives.upd_time, ext_time])
    n_updates = np.bincount(upd_rec, minlength=n)
    upd_version = rank_within(upd_rec, upd_time) + 1
    last_version = n_updates + np.isfinite(lives.deleted)
    gone = np.flatnonzero(np.isfinite(lives.deleted))
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
    time = np.concatenate([lives.created, upd_time, lives.deleted[gone], lapse_time])
    is_review = np.r_[review, np.zeros(gone.size + lapse_rec.size, dtype=bool)]
    dormant = np.r_[
        np.zeros(n + upd_rec.size + gone.size, dtype=bool), np.ones(lapse_rec.size, dtype=bool)
    ]
    material = np.r_[
        np.ones(n, dtype=bool), upd_material, np.ones(gone.size + lapse_rec.size, dtype=bool)
    ]
    order = stable_order(time)
    return _Changes(
        rec=rec[order],
        version=version[order].astype(np.int64),
        time=time[order],
        review=is_review[order],
        dormant=dormant[order],
        material=material[order],
        last_version=last_version.astype(np.int64),
    )


def _kept(
    created: np.ndarray,
    deleted: np.ndarray,
    age: np.ndarray,
    period: np.ndarray,
    sharing: np.ndarray,
    spec: RecordsSpec,
    keep_ghosts: bool,
) -> np.ndarray:
    """The records a run needs: those still active at day 0 or created later and, with
    ``keep_ghosts``, the shareable ones deleted before day 0 that a system may still show then.

    A copy whose deletion was missed is removed at the record's first review date at or after
    its deletion (``age`` after creation: the lapse itself, or a later review), plus the grace;
    a kind never reviewed keeps such copies for ever."""
    kept = deleted >= 0
    if not keep_ghosts:
        return kept
    with np.errstate(invalid="ignore"):
        passed = np.maximum(np.ceil(age / period) - 1.0, 0.0)  # extended at each before
    removal = removed_at(created, period, passed, spec.retention_grace_days)
    return kept | ((sharing != NATIONAL) & (removal >= 0))


def removed_at(
    created: np.ndarray, period: np.ndarray, extensions: np.ndarray, grace: float
) -> np.ndarray:
    """The retention rule, the one place it is stated: a system holding a record with its
    first ``extensions`` review extensions (and no later one) removes it at the next review
    date plus ``grace`` (``inf`` for a kind never reviewed). Used for the copies a missed
    deletion leaves from before day 0 and for every store's removals after a run."""
    with np.errstate(invalid="ignore"):
        removal = created + (extensions + 1.0) * period + grace
    return np.where(np.isfinite(period), removal, np.inf)


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
    order = stable_order(times)
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
    order = record_time_order(rec, t)
    sorted_rec = rec[order]
    first = np.r_[True, sorted_rec[1:] != sorted_rec[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(rec.size), 0))
    rank = np.empty(rec.size, dtype=np.int64)
    rank[order] = np.arange(rec.size) - start
    return rank


@dataclass(frozen=True)
class Reviews:
    """What retention reads of the owners' reviews, the same in every system: each review
    extension (record, version) with the time a system removes the record if that extension
    reaches it late, and each record's removal after its last extension (``inf``: never)."""

    rec: np.ndarray
    version: np.ndarray
    deadline: np.ndarray
    lapse: np.ndarray

    @classmethod
    def of(cls, source: SourceRecords, grace: float) -> Reviews | None:
        """None where no record is ever reviewed."""
        period = source.review_period()
        if not np.isfinite(period).any():
            return None
        ext = np.flatnonzero(source.change_review)
        ext_rec = source.change_rec[ext]
        # The j-th extension late: the system held the first j - 1, so removed at review j.
        before = rank_within(ext_rec, source.change_time[ext]).astype(float)
        deadline = removed_at(source.created[ext_rec], period[ext_rec], before, grace)
        # After the record's K extensions, the (K+1)-th review brings none: removed then.
        n_extensions = np.bincount(ext_rec, minlength=source.n_records)
        lapse = removed_at(source.created, period, n_extensions.astype(float), grace)
        return cls(ext_rec, source.change_version[ext], deadline, lapse)


def retention_removals(
    source: SourceRecords,
    grace: float,
    rec: np.ndarray,
    version: np.ndarray,
    t: np.ndarray,
    reviews: Reviews | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """When a system that applied the changes ``(rec, version, t)`` removes records by
    retention: (record ids, ascending, and removal times), one row per record it removes.

    Every system enforces the owners' review dates (INTERPOL's Rules on the Processing of
    Data): at the j-th review date ``r_j = created + j R`` of a record, the system keeps it
    only if the owner's j-th extension (or any later version) has reached it by ``r_j +
    grace``; a record whose review brought no extension (it lapsed, was deleted earlier, or the
    owner missed the review) is removed at ``r_j + grace`` whatever it shows. A record that
    first reaches the system after such a deadline is removed on arrival. The removal is final:
    a late extension, or any later change, does not bring the record back (as a deletion's
    tombstone). Times are the run's own, prehistory included (not folded onto day 0).
    ``reviews``: ``Reviews.of(source, grace)``, when the caller has it (one per run, not per
    system)."""
    reviews = Reviews.of(source, grace) if reviews is None else reviews
    if rec.size == 0 or reviews is None:
        return np.empty(0, dtype=np.int64), np.empty(0)
    order = record_time_order(rec, t)
    rec, version, t = rec[order], version[order], t[order]
    first = np.full(source.n_records, np.inf)
    opens = np.flatnonzero(np.diff(rec, prepend=-1))
    first[rec[opens]] = t[opens]
    # Keys record * span + version: their running maximum is, within each record's rows, the
    # highest version the system has applied so far (earlier records' keys are all smaller).
    span = int(max(version.max(), source.last_version.max())) + 2
    reached = np.maximum.accumulate(rec * span + version)

    def time_reaching(r: np.ndarray, v: np.ndarray) -> np.ndarray:
        """When the system first applied a version >= v of record r (``inf``: never)."""
        pos = np.minimum(np.searchsorted(reached, r * span + v, side="left"), rec.size - 1)
        return np.where((rec[pos] == r) & (reached[pos] >= r * span + v), t[pos], np.inf)

    ext_rec, lapse = reviews.rec, reviews.lapse
    due = np.maximum(reviews.deadline, first[ext_rec])
    late = due < time_reaching(ext_rec, reviews.version)
    held = np.flatnonzero(np.isfinite(first) & np.isfinite(lapse))
    cand_rec = np.concatenate([ext_rec[late], held])
    cand_t = np.concatenate([due[late], np.maximum(lapse[held], first[held])])
    removal = np.full(source.n_records, np.inf)
    np.minimum.at(removal, cand_rec, cand_t)
    removed = np.flatnonzero(np.isfinite(removal))
    return removed, removal[removed]
