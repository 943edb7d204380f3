"""The plan of one run, routing as data: who sends which records where, who asks whom, and how
each message travels.

An architecture *produces* a plan once per run from the world and its settings
(``Strategy.plan``); the engine executes it and the metrics read it, so that what a store is
meant to hold, who consults it and how a search is answered are stated in one place. A plan
has two kinds of rows, as a queueing network has routing and arrivals (Ciw's per-node,
per-class routing, as data):

- **routes**: the changes of the records of some owners, kinds and scopes go to a target store,
  sent by the owner's NCB or passed on by a relaying store (``via``), at once or in batches,
  over a message profile, from one day to another;
- **consults**: the searches of some queriers, for some kinds, ask a target (a store, or the
  owners' own national nodes), which answers by a reading rule, over a message profile, from
  one day to another.

A *profile* says how a message travels: its link (delays, and the link class its messages are
counted under) and, for a system keyed by hand, the chance a record is entered at all, the
chance an update or deletion is also made there, and the keying delay. A *reading rule* says
what the target shows: what the store applied, the owner's live record, or a cache's copy
while it lasts and otherwise the owner. Everything a plan says is a value: a mix of
architectures per record kind is two plans' rows restricted to their kinds and concatenated,
and a change of architecture over time is rows with days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from sim.config.schema import LINK_CLASSES, ZERO, Dist, Scenario
from sim.world import GLOBAL, NATIONAL, REGIONAL, WorldIndex

HUB = "hub"
"""The global hub's store."""
OWNERS = "owners"
"""A consult's target when the owners answer from their own national systems."""
SHAREABLE = (GLOBAL, REGIONAL)
"""Scopes of the records that may leave their country."""
SCOPE_NAMES = {GLOBAL: "global", REGIONAL: "regional", NATIONAL: "national"}


def platform_store(name: str) -> str:
    """The store name of the platform ``name`` (``platform.SIS``)."""
    return f"platform.{name}"


def node_store(code: str) -> str:
    """The store name of a country's national node (``ncb.FRA``)."""
    return f"ncb.{code}"


def short_name(store: str) -> str:
    """How outputs name a store: ``hub``, or the platform's own name."""
    return store.removeprefix("platform.")


class PlanError(ValueError):
    """A plan that cannot be run as written (rows that contradict one another), or a run whose
    stores received changes that no row of its plan sends them."""


# --- how a message travels --------------------------------------------------------------------


@dataclass(frozen=True)
class Manual:
    """A system keyed by hand: a record is entered there at all with ``entry_probability``,
    each later update or deletion of an entered record is also made there with
    ``update_probability``, after a keying delay."""

    entry_probability: float = 1.0
    update_probability: float = 1.0
    keying_delay_hours: Dist = ZERO

    @property
    def misses_changes(self) -> bool:
        """An update or deletion may never be made there."""
        return self.update_probability < 1.0


@dataclass(frozen=True)
class Profile:
    """How a message travels: over which link (its delays and random stream), counted under
    which link class, and whether it is keyed by hand at the end."""

    link: str
    """The link's name: its own random stream (``link.<name>``). Profiles that name one link
    share its draws, so they must give it the same delays."""
    klass: str
    """The link class its messages are counted under (``ncb_to_hub``...): load, bandwidth."""
    change_delay_hours: Dist = ZERO
    query_delay_seconds: Dist = ZERO
    manual: Manual | None = None

    def keyed_by_hand(self, manual: Manual) -> Profile:
        return replace(self, manual=manual)


def link_profiles(scenario: Scenario) -> dict[str, Profile]:
    """The scenario's link classes as profiles (every pair of a class alike)."""
    specs = {name: getattr(scenario.links, name) for name in LINK_CLASSES}
    return {
        name: Profile(name, name, spec.delay_hours, spec.query_delay_seconds)
        for name, spec in specs.items()
    }


# --- what a target shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Shows:
    """The store shows what it has applied: never an older version over a newer one, nothing
    after a deletion (a tombstone), nothing after retention removed the record; with
    ``ttl_days``, each copy only that long after it was applied (a cache's copies expire)."""

    ttl_days: float | None = None


@dataclass(frozen=True)
class OwnerAnswers:
    """The owner answers from its live record (no ghost, no stale version) when its national
    node is up and the answer is back within the deadline.

    ``ask``: whom a search asks, every other national node (``all``) or, for a kind whose
    record names it, the issuing country's alone (``issuer``). ``gate``: a store asked first
    (a pointer index), which must be up and show the record's pointer for its owner to be
    asked, over ``gate_profile``."""

    ask: str = "all"
    gate: str | None = None
    gate_profile: Profile | None = None


@dataclass(frozen=True)
class CacheThenOwner:
    """A cache answers with the copy it holds, each copy kept ``ttl_days`` after it was filled
    (however the record changed since); a search it cannot answer goes on to the owner, who
    answers from its live record as ``OwnerAnswers`` says (and may fill the cache)."""

    cache: str
    ttl_days: float
    cache_profile: Profile


Reading = Shows | OwnerAnswers | CacheThenOwner


# --- the rows -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Route:
    """Changes of the records of ``owners`` (a mask over the countries), of ``scopes`` and
    ``kinds`` (None: every kind), go to ``target``: sent by the owner's NCB (``via`` None) or
    passed on by the store ``via`` as it applies them, at once or every ``every_days``, over
    ``profile``, for changes leaving from ``start_day`` up to ``end_day``.

    ``pointers``: the target keeps a pointer (who owns the record), so only the changes that
    make or end a pointer travel: the creation, the review extensions and the deletion.
    ``pulled``: see below."""

    target: str
    owners: np.ndarray
    scopes: tuple[int, ...]
    profile: Profile
    via: str | None = None
    kinds: tuple[str, ...] | None = None
    pointers: bool = False
    every_days: float | None = None
    pulled: bool = False
    """The target pulls these changes from ``via`` when the architecture's own code says so (a
    cache refreshed on read): the engine leaves the route to it; what the target is meant to
    hold counts them all the same."""
    start_day: float = -math.inf
    end_day: float = math.inf
    part: str = ""
    """Which part of a composite plan the row belongs to (``mix0``, ``stage1/mix0``): the
    part's own code (a federation's searches) runs on its rows only."""

    def describe(self) -> str:
        sender = f"via {self.via}" if self.via else "from the owners' NCBs"
        return f"route to {self.target} {sender} over {self.profile.link}"


@dataclass(frozen=True, eq=False)
class Consult:
    """The searches of ``queriers`` (a mask over the countries) for records of ``kinds`` (None:
    every kind) and of ``owners`` (a mask; None: every owner), made from ``start_day`` up to
    ``end_day``, ask ``target`` (a store, or ``OWNERS``) over ``profile``; it answers as
    ``reading`` says. Rows for other owners may read by other rules (the owners of a wave
    that moved to a federation answer for their records; the others' are in the stores)."""

    target: str
    queriers: np.ndarray
    profile: Profile
    reading: Reading = field(default_factory=Shows)
    kinds: tuple[str, ...] | None = None
    owners: np.ndarray | None = None
    start_day: float = -math.inf
    end_day: float = math.inf
    part: str = ""
    """Which part of a composite plan the row belongs to (see ``Route.part``)."""

    def describe(self) -> str:
        return f"consult of {self.target} ({type(self.reading).__name__})"


def everyone(world: WorldIndex) -> np.ndarray:
    return np.ones(world.n_countries, dtype=bool)


def members(world: WorldIndex, platform: int) -> np.ndarray:
    return world.membership[:, platform].copy()


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topology:
    """One run's plan: its routes and consults, in the order they are executed."""

    routes: tuple[Route, ...] = ()
    consults: tuple[Consult, ...] = ()

    def __add__(self, other: Topology) -> Topology:
        """Both plans' rows (an architecture per record kind: each restricted to its kinds)."""
        return Topology(self.routes + other.routes, self.consults + other.consults)

    def for_kinds(self, kinds: Sequence[str]) -> Topology:
        """The same rows, holding only for records and searches of ``kinds``."""

        def narrowed(own: tuple[str, ...] | None) -> tuple[str, ...]:
            return tuple(kinds) if own is None else tuple(k for k in own if k in kinds)

        return Topology(
            tuple(replace(r, kinds=narrowed(r.kinds)) for r in self.routes),
            tuple(replace(c, kinds=narrowed(c.kinds)) for c in self.consults),
        )

    def between(self, start_day: float, end_day: float) -> Topology:
        """The same rows, holding only from ``start_day`` up to ``end_day``."""
        return Topology(
            tuple(
                replace(r, start_day=max(r.start_day, start_day), end_day=min(r.end_day, end_day))
                for r in self.routes
            ),
            tuple(
                replace(c, start_day=max(c.start_day, start_day), end_day=min(c.end_day, end_day))
                for c in self.consults
            ),
        )

    # --- what the engine and the metrics ask of it -------------------------------------------

    def for_owners(self, owners: np.ndarray) -> Topology:
        """The same rows, holding only for the records of ``owners`` (a mask): routes carry
        only their changes, consults return only their records; rows left with no owner go."""
        routes = tuple(replace(r, owners=r.owners & owners) for r in self.routes)
        consults = tuple(
            replace(c, owners=owners.copy() if c.owners is None else c.owners & owners)
            for c in self.consults
        )
        return Topology(
            tuple(r for r in routes if r.owners.any()),
            tuple(c for c in consults if c.owners is not None and c.owners.any()),
        )

    def tagged(self, part: str) -> Topology:
        """The same rows, marked as the part ``part`` (their own parts inside it)."""

        def joined(own: str) -> str:
            return f"{part}/{own}" if own else part

        return Topology(
            tuple(replace(r, part=joined(r.part)) for r in self.routes),
            tuple(replace(c, part=joined(c.part)) for c in self.consults),
        )

    def part(self, part: str) -> Topology:
        """The rows of the part ``part`` (and of the parts inside it); all rows for ``""``."""

        def inside(own: str) -> bool:
            return not part or own == part or own.startswith(part + "/")

        return Topology(
            tuple(r for r in self.routes if inside(r.part)),
            tuple(c for c in self.consults if inside(c.part)),
        )

    def targets(self) -> list[str]:
        """Stores some route sends changes to, in order of first mention."""
        return list(dict.fromkeys(r.target for r in self.routes))

    def caches(self) -> list[str]:
        """Stores a consult reads as a cache (filled by the architecture, not by routes)."""
        return list(
            dict.fromkeys(
                c.reading.cache for c in self.consults if isinstance(c.reading, CacheThenOwner)
            )
        )

    def gates(self) -> list[str]:
        """Stores a search asks first to find the owners (pointer indexes)."""
        return list(
            dict.fromkeys(
                c.reading.gate
                for c in self.consults
                if isinstance(c.reading, OwnerAnswers) and c.reading.gate is not None
            )
        )

    def holds_copies(self, store: str) -> bool:
        """Whether ``store`` holds copies of records (not pointers): exposure and storage."""
        copies = any(r.target == store and not r.pointers for r in self.routes)
        return copies or store in self.caches()

    def misses_changes(self) -> bool:
        """Some system is keyed by hand and may miss an update or a deletion, so that it can
        show a record its owner deleted until retention removes it."""
        return any(
            r.profile.manual is not None and r.profile.manual.misses_changes for r in self.routes
        )

    def profiles(self) -> list[Profile]:
        """Every profile a row uses, once, in order of first use."""
        used: list[Profile] = []
        rows: list[Route | Consult] = [*self.routes, *self.consults]
        for row in rows:
            for profile in row_profiles(row):
                if profile not in used:
                    used.append(profile)
        return used

    def sync_intervals(self) -> list[float]:
        """The distinct batch intervals of the routes passed on in batches."""
        return sorted({r.every_days for r in self.routes if r.every_days is not None})

    def meant(
        self,
        store: str,
        owner: np.ndarray,
        kind: np.ndarray,
        sharing: np.ndarray,
        kind_names: Sequence[str],
    ) -> np.ndarray:
        """Per record (owner, kind, sharing), whether some route sends it to ``store`` at some
        time (what the store is meant to hold): its routes' ``route_table`` combined, then read
        once per record."""
        tables = [route_table(route, kind_names) for route in self.routes if route.target == store]
        if not tables:
            return np.zeros(owner.size, dtype=bool)
        return np.logical_or.reduce(tables)[owner, kind, sharing]


def route_table(route: Route, kind_names: Sequence[str]) -> np.ndarray:
    """``[owner, kind, sharing]``: whether ``route`` carries such records (at some time)."""
    return (
        route.owners[:, None, None]
        & kind_mask(route.kinds, kind_names)[None, :, None]
        & scope_mask(route.scopes)[None, None, :]
    )


def row_profiles(row: Route | Consult) -> list[Profile]:
    profiles = [row.profile]
    if isinstance(row, Consult):
        reading = row.reading
        if isinstance(reading, OwnerAnswers) and reading.gate_profile is not None:
            profiles.append(reading.gate_profile)
        if isinstance(reading, CacheThenOwner):
            profiles.append(reading.cache_profile)
    return profiles


def kind_mask(kinds: tuple[str, ...] | None, kind_names: Sequence[str]) -> np.ndarray:
    """Per kind index, whether the row holds for it."""
    if kinds is None:
        return np.ones(len(kind_names), dtype=bool)
    return np.array([name in kinds for name in kind_names], dtype=bool)


def scope_mask(scopes: Iterable[int]) -> np.ndarray:
    """Per sharing value (GLOBAL, REGIONAL, NATIONAL), whether the route carries it."""
    mask = np.zeros(NATIONAL + 1, dtype=bool)
    mask[list(scopes)] = True
    return mask


# --- views: what each querier consults ---------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """A span of time in which a view's queriers consult the same rows (indices into the
    plan's consults)."""

    start: float
    end: float
    rows: tuple[int, ...]


@dataclass(frozen=True)
class View:
    """Queriers who, for the records of the same kinds and owners, consult the same rows at
    every time."""

    queriers: np.ndarray
    """Country indices, ascending."""
    kinds: np.ndarray
    """Kind indices."""
    phases: tuple[Phase, ...]
    owners: np.ndarray | None = None
    """Owner indices whose records the view covers; None: every owner."""


def querier_groups(plan: Topology, n_countries: int) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """Queriers grouped by the consult rows that name them (whatever the kind or the day), in
    order of their first querier: the order searches are sent in."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for q in range(n_countries):
        rows = tuple(i for i, c in enumerate(plan.consults) if c.queriers[q])
        if rows:
            groups.setdefault(rows, []).append(q)
    return [(np.array(qs, dtype=np.int64), rows) for rows, qs in groups.items()]


def views(plan: Topology, n_countries: int, kind_names: Sequence[str]) -> list[View]:
    """Every (querier, kind, owner) in exactly one view, with the rows it consults over
    time."""
    out: list[View] = []
    masks = [kind_mask(c.kinds, kind_names) for c in plan.consults]
    for queriers, rows in querier_groups(plan, n_countries):
        by_rows: dict[tuple[int, ...], list[int]] = {}
        for k in range(len(kind_names)):
            mine = tuple(i for i in rows if masks[i][k])
            if mine:
                by_rows.setdefault(mine, []).append(k)
        for mine, kinds in by_rows.items():
            for owners, held in owner_groups(plan, mine, n_countries):
                kind_index = np.array(kinds, dtype=np.int64)
                out.append(View(queriers, kind_index, phases(plan, held), owners))
    return out


def owner_groups(
    plan: Topology, rows: tuple[int, ...], n_countries: int
) -> list[tuple[np.ndarray | None, tuple[int, ...]]]:
    """The owners split by which of ``rows`` hold for their records: (owner indices, or None
    for every owner when no row names owners, the rows)."""
    named = [i for i in rows if plan.consults[i].owners is not None]
    if not named:
        return [(None, rows)]
    groups: dict[tuple[int, ...], list[int]] = {}
    for o in range(n_countries):
        held = tuple(i for i in rows if _holds_for(plan.consults[i], o))
        if held:
            groups.setdefault(held, []).append(o)
    return [(np.array(os, dtype=np.int64), held) for held, os in groups.items()]


def _holds_for(consult: Consult, owner: int) -> bool:
    return consult.owners is None or bool(consult.owners[owner])


def phases(plan: Topology, rows: tuple[int, ...]) -> tuple[Phase, ...]:
    """The spans between the rows' start and end days, with the rows that hold in each."""
    consults = [plan.consults[i] for i in rows]
    edges = sorted({c.start_day for c in consults} | {c.end_day for c in consults})
    out = []
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        holding = tuple(
            i for i, c in zip(rows, consults, strict=True) if c.start_day <= start < c.end_day
        )
        if holding:
            out.append(Phase(start, end, holding))
    return tuple(out)


# --- checks ----------------------------------------------------------------------------------


def check(
    plan: Topology, stores: Sequence[str], n_countries: int, kind_names: Sequence[str]
) -> None:
    """Refuse a plan the engine or the metrics would run silently wrong, naming the rows: an
    unknown store, two rows that would send the same change to one store twice, a pointer
    route passed on by a store, a search that would be answered by two reading rules at once."""
    known = set(stores)
    for i, route in enumerate(plan.routes):
        for store in (route.target, route.via):
            if store is not None and store not in known:
                raise PlanError(f"routes[{i}] ({route.describe()}): no store {store!r}")
        if route.pointers and route.via is not None:
            raise PlanError(
                f"routes[{i}] ({route.describe()}): pointers are sent by their owners only"
            )
        if route.every_days is not None and route.via is None:
            raise PlanError(
                f"routes[{i}] ({route.describe()}): only a relaying store sends in batches"
            )
        if route.owners.shape != (n_countries,):
            raise PlanError(f"routes[{i}]: owners must be a mask of {n_countries} countries")
    for i, consult in enumerate(plan.consults):
        named = [consult.target] if consult.target != OWNERS else []
        reading = consult.reading
        if isinstance(reading, OwnerAnswers) and reading.gate is not None:
            named.append(reading.gate)
        if isinstance(reading, CacheThenOwner):
            named.append(reading.cache)
        for store in named:
            if store not in known:
                raise PlanError(f"consults[{i}] ({consult.describe()}): no store {store!r}")
        if (consult.target == OWNERS) == isinstance(reading, Shows):
            raise PlanError(
                f"consults[{i}] ({consult.describe()}): a store shows what it applied; only the"
                " owners answer live"
            )
        if consult.queriers.shape != (n_countries,):
            raise PlanError(f"consults[{i}]: queriers must be a mask of {n_countries} countries")
    _no_double_routes(plan, kind_names)
    _one_reading_at_a_time(plan, n_countries, kind_names)


def _no_double_routes(plan: Topology, kind_names: Sequence[str]) -> None:
    """Two rows with one target and one sender must not both carry a change."""
    for i, a in enumerate(plan.routes):
        for j in range(i + 1, len(plan.routes)):
            b = plan.routes[j]
            if (a.target, a.via) != (b.target, b.via):
                continue
            both = (
                (a.owners & b.owners).any()
                and (kind_mask(a.kinds, kind_names) & kind_mask(b.kinds, kind_names)).any()
                and (scope_mask(a.scopes) & scope_mask(b.scopes)).any()
                and max(a.start_day, b.start_day) < min(a.end_day, b.end_day)
            )
            if both:
                raise PlanError(
                    f"routes[{i}] and routes[{j}] ({a.describe()}) both carry some changes:"
                    " each would be sent twice"
                )


def _one_reading_at_a_time(plan: Topology, n_countries: int, kind_names: Sequence[str]) -> None:
    """A search is answered by stores (together), or by the owners under one rule."""
    for view in views(plan, n_countries, kind_names):
        for phase in view.phases:
            rules = [plan.consults[i].reading for i in phase.rows]
            live = [i for i, r in zip(phase.rows, rules, strict=True) if not isinstance(r, Shows)]
            if live and len(phase.rows) > 1:
                raise PlanError(
                    f"consults {list(phase.rows)}: a search answered by the owners"
                    f" (consults[{live[0]}]) cannot also read other rows at the same time"
                )
