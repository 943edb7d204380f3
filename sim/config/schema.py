"""The scenario schema: frozen, validated value objects.

Every duration key carries its unit in its name (``_days``, ``_hours``, ``_seconds``); the
engine converts to days once, through :meth:`Dist.scaled`. Unknown keys are refused
(``extra="forbid"``) so a typo never silently falls back to a default.

Every number is finite and within a physical range (the constants below; the scenario
reference prints each key's range). Numbers are strict: ``true`` is not one server and the
text ``"10"`` is not ten, because a value YAML read differently from what the author meant
should be refused, not coerced. What a machine can hold is a separate question, answered by
:mod:`sim.sizing` before a run starts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from sim.textsafe import MAX_DESCRIPTION, name_problem

MAX_DAYS = 36_500.0
"""Longest span of simulated time in any key: a century."""
MAX_RATE_PER_DAY = 1e6
"""Most records or searches per NCB of weight 1 per day: a thousand times the busiest NCB."""
MAX_SEARCHES_PER_DAY = 1e9
"""Most searches per NCB of weight 1 per day: 50 times the world's 20 million a day."""
MAX_UPDATES_PER_RECORD_PER_DAY = 100.0
MAX_DURATION = 1e6
"""Largest distribution parameter, in the key's own unit (11.6 days in seconds, 114 years in
hours): a delay or service time beyond it is a typo, not an assumption."""
MAX_SIGMA = 5.0
"""Largest lognormal sigma: the mean is then 270,000 times the median."""
MIN_INTERVAL_DAYS = 1.0 / 1440.0
"""Shortest mean time between failures and batch sync interval: one minute."""
MAX_MTBF_DAYS = 1e9
MAX_WEIGHT = 1e4
MAX_FACTOR = 1e3
MAX_SERVERS = 100_000
MAX_BYTES = 1e9
"""Largest record, search or answer in bytes: beyond a gigabyte a size is a typo."""
MAX_PRICE = 1e9
"""Largest price of one unit (a server-year, an interface...): beyond a billion a typo."""
MIN_SAMPLE_FRACTION = 1e-6
"""Smallest simulated fraction of the real volume: counts are scaled back by its inverse."""
MAX_SEED = 2**63 - 1
WORLD_REGION = "all"
"""The region name the results give the whole world (``timeseries``, the explorer's region
choice): no country's region may take it."""

Probability = Annotated[float, Strict(), Field(ge=0, le=1)]
Rate = Annotated[float, Strict(), Field(ge=0, le=MAX_RATE_PER_DAY)]
"""Events per day."""
SearchRate = Annotated[float, Strict(), Field(ge=0, le=MAX_SEARCHES_PER_DAY)]
Days = Annotated[float, Strict(), Field(ge=0, le=MAX_DAYS)]
PositiveDays = Annotated[float, Strict(), Field(gt=0, le=MAX_DAYS)]
Interval = Annotated[float, Strict(), Field(ge=MIN_INTERVAL_DAYS, le=MAX_DAYS)]
Duration = Annotated[float, Strict(), Field(ge=0, le=MAX_DURATION)]
"""A time in the unit its key names (``_hours``, ``_seconds``, ``_days``)."""
PositiveDuration = Annotated[float, Strict(), Field(gt=0, le=MAX_DURATION)]
Weight = Annotated[float, Strict(), Field(gt=0, le=MAX_WEIGHT)]
Factor = Annotated[float, Strict(), Field(ge=0, le=MAX_FACTOR)]
Bytes = Annotated[float, Strict(), Field(gt=0, le=MAX_BYTES)]
Price = Annotated[float, Strict(), Field(ge=0, le=MAX_PRICE)]
"""Euros per unit."""


def _name(value: str) -> str:
    """A name is one line of at most MAX_NAME characters (:mod:`sim.textsafe`): it is printed,
    drawn and shown wherever the results go."""
    problem = name_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _description(value: str) -> str:
    problem = name_problem(value, MAX_DESCRIPTION, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return value


Name = Annotated[str, Field(min_length=1), AfterValidator(_name)]
Description = Annotated[str, AfterValidator(_description)]


class Frozen(BaseModel):
    """Base of every schema object: immutable, strict about unknown keys, finite numbers."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


# --- distributions -------------------------------------------------------------------------


class Exponential(Frozen):
    dist: Literal["exponential"]
    mean: Duration

    def mean_value(self) -> float:
        return self.mean


class Lognormal(Frozen):
    """Lognormal given by its mean (in the key's unit) and the sigma of its logarithm."""

    dist: Literal["lognormal"]
    mean: PositiveDuration
    sigma: Annotated[float, Strict(), Field(ge=0, le=MAX_SIGMA)]

    def mean_value(self) -> float:
        return self.mean


class Fixed(Frozen):
    dist: Literal["fixed"]
    value: Duration

    def mean_value(self) -> float:
        return self.value


class Uniform(Frozen):
    dist: Literal["uniform"]
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"'high' must be >= 'low': {self.high} < {self.low}")
        return self

    def mean_value(self) -> float:
        return (self.low + self.high) / 2


Dist = Annotated[Exponential | Lognormal | Fixed | Uniform, Field(discriminator="dist")]

ZERO = Fixed(dist="fixed", value=0.0)


# --- architecture ------------------------------------------------------------------------


class ArchitectureBase(Frozen):
    if TYPE_CHECKING:
        kind: str  # each architecture declares its own Literal tag

    query_deadline_seconds: PositiveDuration = 30.0
    """How long a search waits for its answers; later answers count as missing."""

    def label(self) -> str:
        """The architecture in a few words, for tables, charts and lists (``hybrid batch
        7d``): its kind, and what sets it apart from the other settings of that kind."""
        return self.kind


class Centralized(ArchitectureBase):
    """NCBs send every change to the global hub; queries consult the hub."""

    kind: Literal["centralized"]


Routing = Literal["broadcast", "issuer", "index"]


class Federated(ArchitectureBase):
    """No copies: data stays with its owner's national node and searches fetch it on demand.

    ``routing`` says which nodes a search asks, as real federated searches do (the EU's Prüm
    exchanges, EUCARIS, the European Search Portal): each answer counts as it arrives, and the
    sources that stayed silent by the deadline are shown as such.
    """

    kind: Literal["federated"]
    routing: Routing = "broadcast"
    """broadcast: every search asks every other national node and returns what arrived by the
    deadline; issuer: a search for a kind whose record names its issuing country
    (``queries.kinds.<kind>.names_issuer``: travel documents, vehicles) asks that country's node
    only, other kinds are broadcast; index: the hub keeps a pointer index (which NCB owns a
    record) and a search asks it first, then only the owner it names."""
    index: StrictBool | None = Field(None, exclude=True)
    """Former spelling of ``routing: index``, still read: ``index: true`` means ``routing:
    index`` (a contradictory ``routing`` is refused); resolved scenarios hold ``routing``."""

    @model_validator(mode="before")
    @classmethod
    def _index_alias(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or data.get("index") is None:
            return data
        index, routing = data["index"], data.get("routing")
        if index is True and routing not in (None, "index"):
            raise ValueError(
                f"index: true means routing: index, which contradicts routing: {routing}"
                " (give routing alone)"
            )
        if index is False and routing == "index":
            raise ValueError("index: false contradicts routing: index (give routing alone)")
        return {**data, "routing": "index"} if index is True else data

    def label(self) -> str:
        return {
            "broadcast": "federated",
            "issuer": "federated by issuer",
            "index": "federated with index",
        }[self.routing]


class Hybrid(ArchitectureBase):
    """NCBs write to their regional platforms, which synchronise with the hub."""

    kind: Literal["hybrid"]
    sync: Literal["push", "batch"] = "push"
    """push: forward each change when applied; batch: every ``sync_interval_days``."""
    sync_interval_days: Interval = 1.0
    """Time between batches (``sync: batch``)."""
    redistribute: Literal["none", "region", "all"] = "none"
    """Whether the hub passes the global records it receives on to other platforms: none
    (the default), region (to the platforms with a member in the owner's INTERPOL region) or
    all (every platform the owner is not in). Officers query the hub as well as their
    platforms, so copies in other platforms add completeness only while the hub is down, and
    each copy is one more place to correct, protect and delete (principle 3, no duplication):
    a real hybrid keeps regional records regionally and reaches the rest through the hub, as
    ASEANAPOL's database searches INTERPOL's since 2007."""

    def label(self) -> str:
        every = f" {self.sync_interval_days:g}d" if self.sync == "batch" else ""
        copies = "" if self.redistribute == "none" else f", copies to {self.redistribute}"
        return f"hybrid {self.sync}{every}{copies}"


class SystemProbabilities(Frozen):
    hub: Probability = 1.0
    platform: Probability = 1.0


class SystemDelays(Frozen):
    hub: Dist = ZERO
    platform: Dist = ZERO


class Fragmented(ArchitectureBase):
    """Today's status quo: each record is keyed by hand into every system the NCB uses."""

    kind: Literal["fragmented"]
    entry_probability: SystemProbabilities = SystemProbabilities()
    """Chance a new record is keyed into the hub / a platform at all."""
    update_probability: SystemProbabilities = SystemProbabilities()
    """Chance an update or deletion is also made there (for a record that was entered)."""
    entry_delay_hours: SystemDelays = SystemDelays()
    """Manual keying delay, on top of the link's delay."""


Single = Annotated[Centralized | Federated | Hybrid | Fragmented, Field(discriminator="kind")]
"""One architecture for every record kind."""


class Mixed(ArchitectureBase):
    """An architecture per record kind, as the realistic options are mixed: travel documents
    through the hub (as SLTD is), notices through the regional platforms, biometrics asked of
    their owners hit/no-hit (as Prüm is). Each kind's records travel and are searched as under
    its own architecture; the mix's ``query_deadline_seconds`` holds for all of them."""

    kind: Literal["mixed"]
    by_kind: dict[str, Single] = Field(min_length=1)
    """Record kind (``records.kinds``) -> its architecture."""
    other: Single | None = None
    """The architecture of the kinds ``by_kind`` does not name (null: it must name them all)."""

    def parts(self, kinds: tuple[str, ...]) -> list[tuple[tuple[str, ...], ArchitectureBase]]:
        """(record kinds, architecture) of each part, the mix's deadline in each; kinds that
        share one setting are one part."""
        out: dict[str, tuple[list[str], ArchitectureBase]] = {}
        for name in kinds:
            spec = self.by_kind.get(name, self.other)
            assert spec is not None
            spec = spec.model_copy(update={"query_deadline_seconds": self.query_deadline_seconds})
            key = spec.model_dump_json()
            out.setdefault(key, ([], spec))[0].append(name)
        return [(tuple(names), spec) for names, spec in out.values()]

    def label(self) -> str:
        given = "; ".join(f"{k} {spec.label()}" for k, spec in self.by_kind.items())
        return f"mixed: {given}" + (f"; other {self.other.label()}" if self.other else "")


Architecture = Annotated[
    Centralized | Federated | Hybrid | Fragmented | Mixed, Field(discriminator="kind")
]

_ARCHITECTURE: TypeAdapter[Architecture] = TypeAdapter(Architecture)


def architecture_label(resolved: Mapping[str, Any] | None) -> str:
    """The label (see ``ArchitectureBase.label``) of an architecture given as resolved data,
    as summary files hold it; its bare kind if it does not validate (a file written by another
    version), ``run`` if there is none."""
    if not resolved:
        return "run"
    try:
        return _ARCHITECTURE.validate_python(resolved).label()
    except ValidationError:
        return str(resolved.get("kind", "run"))


STATUS_QUO = "fragmented"
"""The architecture kind of today's system: manual multiple entry."""


def default_baseline(kinds: Mapping[str, str | None]) -> str | None:
    """The variant every question is asked against: today's system (the first variant whose
    architecture is fragmented) when one is compared, else the first variant. ``kinds`` maps
    each variant, in order, to its architecture kind."""
    today = [variant for variant, kind in kinds.items() if kind == STATUS_QUO]
    return today[0] if today else next(iter(kinds), None)


# --- world -------------------------------------------------------------------------------


PlatformStatus = Literal["operational", "planned", "none"]


class Platform(Frozen):
    """A regional platform as it is: whether it runs, and, when it does, how much of its
    members' data is keyed into it and how often it is down (``sim/data/README.md`` gives the
    source or assumption of each preset value)."""

    name: Name
    """One line of at most 200 characters."""
    status: PlatformStatus = "operational"
    """operational: a working alert database its members write to and search; planned (a
    system adopted but not yet running, as AFRIPOL's AFSECOM) or none (a cooperation body
    without a shared database): no store, no route, no search; its members use the hub and
    their other platforms, and records scoped regionally are shared through operational
    platforms only."""
    entry_probability: Probability | None = None
    """Share of its members' records keyed into it today (the status quo, keyed by hand),
    overriding ``architecture.entry_probability.platform``; null: the architecture's."""
    outages: OutageSpec | None = None
    """Its own up and down times, overriding ``outages.platform``; null: the world's."""


def _region(value: str) -> str:
    if value == WORLD_REGION:
        message = "names the whole world in the results; name the region otherwise"
        raise ValueError(f"{value!r} {message}")
    return value


class Country(Frozen):
    code: Name
    """ISO 3166 alpha-3 code (any unique name)."""
    region: Annotated[Name, AfterValidator(_region)]
    """INTERPOL region: queriers are grouped by it in ``by_region``. Not ``all``, the name the
    results give the whole world."""
    platforms: tuple[str, ...] = ()
    """Regional platforms the NCB belongs to (names from world.platforms)."""
    weight: Weight = 1.0
    """Activity weight: scales record creation, queries and staff capacity."""


class MembershipChange(Frozen):
    """Countries to add to and remove from one platform of a preset."""

    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


class World(Frozen):
    """The countries and platforms, as explicit lists.

    ``preset`` and the modifiers after it are expanded into the lists by
    :mod:`sim.config.presets` before validation, so a validated World never holds them; they
    are declared here so that ``--set world.regions=[europe]`` and sweeps can name them, and are
    left out of the resolved scenario (``exclude=True``).
    """

    platforms: tuple[Platform, ...] = ()
    countries: tuple[Country, ...] = Field(min_length=1)
    preset: str | None = Field(None, exclude=True)
    regions: tuple[str, ...] | None = Field(None, exclude=True)
    remove_countries: tuple[str, ...] = Field((), exclude=True)
    remove_platforms: tuple[str, ...] = Field((), exclude=True)
    weights: dict[str, Weight] = Field(default_factory=dict, exclude=True)
    memberships: dict[str, MembershipChange] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="after")
    def _expanded(self) -> World:
        modifiers = ("regions", "remove_countries", "remove_platforms", "weights", "memberships")
        for key in ("preset", *modifiers):
            if getattr(self, key):
                raise ValueError(
                    f"{key}: world presets are expanded when a scenario is loaded"
                    " (sim.config.scenario_from_dict or load_scenario), not by the schema"
                )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> World:
        seen: set[str] = set()
        for i, c in enumerate(self.countries):
            if c.code in seen:
                raise ValueError(f"countries.{i}.code: duplicate country code {c.code!r}")
            seen.add(c.code)
        names = [p.name for p in self.platforms]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"platforms.{i}.name: duplicate platform {name!r}")
        for i, c in enumerate(self.countries):
            for j, p in enumerate(c.platforms):
                if p not in names:
                    raise ValueError(
                        f"countries.{i}.platforms.{j}: platform {p!r} is not defined"
                        f" in world.platforms (defined: {', '.join(names) or 'none'})"
                    )
        return self


# --- records -----------------------------------------------------------------------------


class Scope(Frozen):
    """Shares of new records by who may see them; must sum to 1."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )

    global_: Probability = Field(1.0, alias="global")
    regional: Probability = 0.0
    national: Probability = 0.0

    @model_validator(mode="after")
    def _sums_to_one(self) -> Scope:
        total = self.global_ + self.regional + self.national
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"scope proportions must sum to 1, got {total:g}")
        return self

    def shares(self) -> tuple[float, float, float]:
        return (self.global_, self.regional, self.national)


class RecordKind(Frozen):
    """A kind of record (wanted-person notice, travel document, vehicle...). Keys left out
    take the value given for all records under ``records``."""

    share: Probability
    lifetime_days: Dist | None = None
    updates_per_record_per_day: (
        Annotated[float, Strict(), Field(ge=0, le=MAX_UPDATES_PER_RECORD_PER_DAY)] | None
    ) = None
    scope: Scope | None = None
    review_days: Annotated[float, Strict(), Field(ge=1, le=MAX_DAYS)] | None = None
    extension_probability: Probability | None = None
    material_update_share: Probability | None = None


class Denial(Frozen):
    """A share of every owner's global records that the named countries may not see."""

    countries: tuple[str, ...] = Field(min_length=1)
    share: Probability


class Surge(Frozen):
    """Creations multiplied by ``factor`` for ``days`` from ``start_day`` (a crisis, a lull)."""

    start_day: Days
    """Simulation day it starts (counted from 0, warm-up included)."""
    days: PositiveDays
    factor: Factor
    """Multiple of the creation rate: 0 (a lull) to 1,000."""


class KindSpec(Frozen):
    """One kind with every value resolved (what the engine reads)."""

    name: str
    share: float
    lifetime_days: Dist
    updates_per_record_per_day: float
    scope: Scope
    review_days: float | None
    extension_probability: float
    material_update_share: float


class Records(Frozen):
    creation_per_country_per_day: Rate = 10.0
    """New records per NCB of weight 1 per day (Poisson), in the real volume."""
    lifetime_days: Dist = Exponential(dist="exponential", mean=365.0)
    """Time from creation to deletion by the owner."""
    updates_per_record_per_day: Annotated[
        float, Strict(), Field(ge=0, le=MAX_UPDATES_PER_RECORD_PER_DAY)
    ] = 0.0
    """Updates (new versions) per active record per day (Poisson)."""
    scope: Scope = Scope()
    """Shares of new records that are global, regional or national."""
    review_days: Annotated[float, Strict(), Field(ge=1, le=MAX_DAYS)] | None = None
    """Age at which the owner must review a record: deleted then unless extended. At least a
    day: each review is an event of every record."""
    extension_probability: Probability = 0.0
    """Chance the owner extends a record at each review (for one more review period)."""
    retention_grace_days: Days = 30.0
    """Every system removes a record this long after a review date unless the owner's extension
    has reached it by then (a late extension does not bring it back). Longer than any automated
    path (link delays, a weekly or monthly batch), so that only a missed or very late manual
    extension removes a live record; a missed deletion leaves its copy until the next review
    date plus this grace. [E] 30 days (plausible 7-90): INTERPOL asks the source 6 months before
    expiry, so a system has no reason to wait long for an extension."""
    material_update_share: Probability = 1.0
    """Share of updates that are material: they change what an officer should do (a status,
    an action, the cancellation of a hit); the rest are administrative (a corrected detail).
    Review extensions are always administrative. ``stale_rate`` counts material staleness
    only, ``stale_any_rate`` every version difference. 1: every update is material."""
    kinds: dict[str, RecordKind] = Field(default_factory=dict)
    denials: tuple[Denial, ...] = ()
    sample_fraction: Annotated[float, Strict(), Field(ge=MIN_SAMPLE_FRACTION, le=1)] = 1.0
    """Simulate this fraction of the real volume of records; counts are scaled back by its
    inverse, so at least one in a million."""
    surges: tuple[Surge, ...] = ()
    """Windows where creations run at a multiple of their rate (overlapping extras add up)."""
    prehistory_days: Days = 0.0
    """Records are also created this many days before day 0; those still active then are in
    the systems from the start. 0: every system starts empty (then use a long warm-up)."""

    @model_validator(mode="after")
    def _kind_names(self) -> Records:
        for name in self.kinds:
            problem = name_problem(name)
            if problem is not None:
                shown = repr(name if len(name) <= 40 else name[:37] + "...")
                raise ValueError(f"kinds: kind name {shown}: {problem}")
        return self

    @model_validator(mode="after")
    def _shares(self) -> Records:
        if self.kinds:
            total = sum(k.share for k in self.kinds.values())
            if not math.isclose(total, 1.0, abs_tol=1e-9):
                raise ValueError(f"kinds: shares must sum to 1, got {total:g}")
        denied = sum(d.share for d in self.denials)
        if denied > 1 + 1e-9:
            raise ValueError(f"denials: shares must sum to at most 1, got {denied:g}")
        return self

    def kind_specs(self) -> tuple[KindSpec, ...]:
        """Every kind with its values resolved; one kind ``record`` when none is given."""
        kinds = self.kinds or {"record": RecordKind(share=1.0)}
        return tuple(
            KindSpec(
                name=name,
                share=k.share,
                lifetime_days=k.lifetime_days or self.lifetime_days,
                updates_per_record_per_day=(
                    self.updates_per_record_per_day
                    if k.updates_per_record_per_day is None
                    else k.updates_per_record_per_day
                ),
                scope=k.scope or self.scope,
                review_days=k.review_days if k.review_days is not None else self.review_days,
                extension_probability=(
                    self.extension_probability
                    if k.extension_probability is None
                    else k.extension_probability
                ),
                material_update_share=(
                    self.material_update_share
                    if k.material_update_share is None
                    else k.material_update_share
                ),
            )
            for name, k in kinds.items()
        )


# --- links, stores, outages, queries ------------------------------------------------------


class Link(Frozen):
    """A link class: how long a record change takes to cross it, and a query message."""

    delay_hours: Dist = ZERO
    """Delay of each record change."""
    query_delay_seconds: Dist = ZERO
    """Delay of each query message, out and back."""


class Links(Frozen):
    ncb_to_hub: Link = Link()
    ncb_to_platform: Link = Link()
    platform_to_hub: Link = Link()
    hub_to_platform: Link = Link()
    ncb_to_ncb: Link = Link()


LINK_CLASSES = ("ncb_to_hub", "ncb_to_platform", "platform_to_hub", "hub_to_platform", "ncb_to_ncb")


class StoreSpec(Frozen):
    """A FIFO store; ``servers: null`` means as many servers as there is work (no queueing).

    Both keys describe the real store at real volume: the capacity metrics check ``servers``
    against the real peak search rate (``costs.capacity``). The engine's own queue serves the
    sampled changes and searches with the same servers, where at a sampled volume they never
    congest: congestion at world scale is what the capacity metrics report."""

    servers: Annotated[int, Strict(), Field(ge=1, le=MAX_SERVERS)] | None = None
    """Servers in parallel (real servers at real volume); null: as many as needed (no
    queueing)."""
    service_seconds: Dist = ZERO
    """Time to apply a change or answer a query (real server time per search)."""


class Stores(Frozen):
    hub: StoreSpec = StoreSpec()
    platform: StoreSpec = StoreSpec()
    ncb: StoreSpec = StoreSpec()


class ScheduledOutage(Frozen):
    """A forced down window, on top of the random ones: a planned stop or a stress test."""

    start_day: Days
    """Simulation day it starts (counted from 0, warm-up included)."""
    duration_hours: Annotated[float, Strict(), Field(gt=0, le=MAX_DAYS * 24)]
    only: tuple[str, ...] = ()
    """Platform names or country codes (NCB outages) it takes down; every store when empty."""


class OutageSpec(Frozen):
    """Alternating exponential up and down times, plus any scheduled down windows."""

    mtbf_days: Annotated[float, Strict(), Field(ge=MIN_INTERVAL_DAYS, le=MAX_MTBF_DAYS)]
    """Mean time between failures (exponential up times): at least a minute, since every
    failure is drawn one by one; a huge value means practically never."""
    mttr_hours: PositiveDuration
    """Mean time to repair (exponential down times)."""
    scheduled: tuple[ScheduledOutage, ...] = ()


Mtbf = Annotated[float, Strict(), Field(ge=MIN_INTERVAL_DAYS, le=MAX_MTBF_DAYS)]
"""A mean time between failures in days: at least a minute (every failure is drawn one by
one); a huge value means practically never."""


class FailureDomain(Frozen):
    """The stores that share a failure: a region's power grid or backbone, a data centre that
    hosts several systems, the hub's site. One event takes every member down at once.

    Members: the national node of every country of the ``regions`` and of the ``countries``,
    the store of each of the ``platforms`` that is operational (a planned platform has none),
    and the hub when ``hub`` is true. A region takes down its countries' national nodes only,
    not the platforms its countries use: name those in ``platforms``."""

    regions: tuple[str, ...] = ()
    """INTERPOL regions (``world.countries[*].region``): every national node in them."""
    countries: tuple[str, ...] = ()
    """Country codes: their national nodes."""
    platforms: tuple[str, ...] = ()
    """Platform names: their stores."""
    hub: StrictBool = False
    """The global hub (its site: the building, its power, its network)."""

    @model_validator(mode="after")
    def _not_empty(self) -> FailureDomain:
        if not (self.regions or self.countries or self.platforms or self.hub):
            raise ValueError("names no store: give regions, countries, platforms or hub: true")
        return self


class DomainEvent(Frozen):
    """A forced outage of a whole failure domain: a stress test, or a known event replayed."""

    start_day: Days
    """Simulation day it starts (counted from 0, warm-up included)."""
    duration_hours: Annotated[float, Strict(), Field(gt=0, le=MAX_DAYS * 24)]


class CorrelatedOutage(Frozen):
    """Outages that take every member of a failure domain down at once, on top of each
    store's own (independent) outages: alternating up times, exponential of mean
    ``mtbf_days``, and down times drawn from ``duration_hours`` (random stream
    ``outage.domain.<name>``), plus the ``scheduled`` events. A member is down whenever its
    own outages or any of its domains' events say so."""

    name: str = Field(min_length=1, max_length=80)
    """Names the domain in ``outages.csv`` and its random stream; unique."""
    domain: FailureDomain
    """The stores one event takes down: the national node of every country of ``regions``
    and of ``countries``, the store of each operational platform of ``platforms`` (a planned
    platform has none), the hub when ``hub: true``; nothing else. A region does not take down
    the platforms its countries use unless they are named."""
    mtbf_days: Mtbf | None = None
    """Mean time between the domain's failures (exponential up times); null: only the
    scheduled events."""
    duration_hours: Dist | None = None
    """How long each random event lasts (any distribution; required with ``mtbf_days``)."""
    scheduled: tuple[DomainEvent, ...] = ()
    """Forced events of the whole domain, on top of the random ones."""

    def summary(self) -> str:
        """``regions africa; platforms WAPIS: one every 120 days, lasting 18 hours on average;
        scheduled: day 165 for 72 hours``: the domain in a line, for tables and reports."""
        spec = self.domain
        parts = [
            f"{section} {', '.join(getattr(spec, section))}"
            for section in ("regions", "countries", "platforms")
            if getattr(spec, section)
        ] + (["the hub"] if spec.hub else [])
        events = []
        if self.mtbf_days is not None and self.duration_hours is not None:
            events.append(
                f"one every {self.mtbf_days:g} days, lasting"
                f" {self.duration_hours.mean_value():g} hours on average"
            )
        if self.scheduled:
            forced = ", ".join(
                f"day {e.start_day:g} for {e.duration_hours:g} hours" for e in self.scheduled
            )
            events.append(f"scheduled: {forced}")
        return f"{'; '.join(parts)}: {'; '.join(events)}"

    @model_validator(mode="after")
    def _has_events(self) -> CorrelatedOutage:
        if self.mtbf_days is None and not self.scheduled:
            raise ValueError("no events: give mtbf_days and duration_hours, or scheduled")
        if self.mtbf_days is not None and self.duration_hours is None:
            raise ValueError("duration_hours: required with mtbf_days")
        if self.duration_hours is not None and not self.duration_hours.mean_value() > 0:
            raise ValueError("duration_hours: the mean must be above 0")
        return self


class Outages(Frozen):
    hub: OutageSpec | None = None
    platform: OutageSpec | None = None
    ncb: OutageSpec | None = None
    correlated: tuple[CorrelatedOutage, ...] = ()
    """Failure domains whose members go down together (a region's grid, a shared site),
    besides the independent outages above."""

    @model_validator(mode="after")
    def _unique_domains(self) -> Outages:
        names = [c.name for c in self.correlated]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"correlated.{i}.name: duplicate domain {name!r}")
        return self


class SearchKind(Frozen):
    """The searches for one record kind."""

    share: Probability
    """Share of all searches whose subject is of this kind."""
    names_issuer: bool = False
    """A search of this kind names the country that issued the record (a travel document, a
    vehicle registration): with ``routing: issuer`` it asks that country's node only."""
    on_record_share: Probability | None = None
    """Share of the searches of this kind whose subject has a record active with another
    country's NCB (null: ``queries.on_record_share``)."""
    deleted_search_ratio: Factor | None = None
    """How often the subject of a record its owner deleted is searched, relative to the
    subject of an active record (null: ``queries.deleted_search_ratio``)."""


class Queries(Frozen):
    per_country_per_day: SearchRate = 10.0
    """Searches per NCB of weight 1 per day, at real volume (Poisson)."""
    sample_fraction: Annotated[float, Strict(), Field(ge=MIN_SAMPLE_FRACTION, le=1)] = 1.0
    """Simulate this fraction of the searches (latency, availability, answer share); every
    count (messages, search load) is scaled back to real volume."""
    kinds: dict[str, SearchKind] = Field(default_factory=dict)
    """Shares of searches by the kind of their subject (names from ``records.kinds``, or
    ``record`` when it has none); must sum to 1, and a kind left out is never searched. Empty:
    in proportion to the kinds' shares of record creations, none naming its issuer."""
    hit_fraction: Probability = 0.01
    """Share of searches matching a record (federated index: the owner is then asked)."""
    on_record_share: Probability = 7.5e-5
    """Share of searches whose subject has a record active with another country's NCB (a
    stolen passport presented, a wanted person checked), for the kinds that do not give their
    own: the hits, missed hits and stale hits per year follow it in proportion. Default: the
    SLTD's 2023 hit rate (232,423 hits in 3.6 billion searches) over the share of travel
    documents today's systems show (scenarios/README.md); [E] for other kinds, 1e-5 to 1e-3."""
    deleted_search_ratio: Factor = 1.0
    """How often the subject of a record its owner has deleted (a recovered passport, a person
    no longer wanted) is searched, relative to the subject of an active record, for the kinds
    that do not give their own: each search of it where the deleted record is still shown is
    a false hit, and false hits follow this ratio in proportion. [E] 1: the subject's travel
    does not depend on its record; plausible 0.1 to 1,000 (a passport back in its holder's
    hands crosses borders far more often than a stolen one: scenarios/README.md)."""

    @model_validator(mode="after")
    def _shares(self) -> Queries:
        total = sum(k.share for k in self.kinds.values())
        if self.kinds and not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"kinds: shares must sum to 1, got {total:g}")
        return self


# --- costs -----------------------------------------------------------------------------------


class Capacity(Frozen):
    """What a store must answer at the peak: the target a planner sizes it for, and how much
    busier the busiest hour is than the day's mean (the simulated searches are spread evenly
    over the day, so the peak is an assumption, not a measure)."""

    target_p95_seconds: PositiveDuration = 0.5
    """95th percentile of a search's time at a store (waiting and service, the network apart)
    that the store must keep under at the peak. [E] a border check answers in about a second
    end to end; 0.2-2 s."""
    peak_to_mean: Annotated[float, Field(ge=1)] = 1.5
    """The busiest hour's search rate at each store over its mean rate of the day. [E] a
    store serving many time zones is flatter than one country's day; 1 (even) to 3."""


class Operations(Frozen):
    """Staff who run the systems that serve other countries around the clock: the hub, each
    platform, and a national node that answers searches from abroad (a national system serving
    its own country alone is the same in every architecture and counted in none)."""

    hours_per_system_year: Duration = 8760.0
    """Operations staff hours a year per system operated for other countries. [E] one post
    staffed 24/7 (8,760 hours, about five full-time staff) for monitoring, incidents and
    releases; 4,380-26,280 (half a post on call to three posts)."""
    hours_per_server_year: Duration = 50.0
    """Administration hours a year per server needed (patches, capacity, hardware). [E]
    20-200 (one administrator for 10-100 servers)."""


class Money(Frozen):
    """Prices, in euros, that put the run's resources in one currency so that a budget can be
    set beside a gain: every price an assumption with a plausible range (scenarios/README.md)."""

    server_year: Price = 10_000.0
    """A server for a year: hardware or cloud, licences, housing, maintenance. [E]
    3,000-30,000."""
    staff_hour: Price = 40.0
    """An hour of NCB or operations staff, fully loaded. [E] 10-80: salaries differ widely
    among 196 member countries."""
    gb_transferred: Price = 0.05
    """A GB carried over the networks (I-24/7, regional networks). [E] 0.01-0.2."""
    gb_stored_year: Price = 1.0
    """A GB held for a year, replicated and backed up in a secure data centre. [E] 0.2-5."""
    interface: Price = 200_000.0
    """One system-to-system interface (a record feed, a store's search service), specified,
    built, tested and certified once (both sides). [E] 50,000-1,000,000."""
    node_pair: Price = 20_000.0
    """Connecting one pair of national nodes on a common search protocol: agreeing, testing
    and evaluating the pair (each node's own side is built once, in its servers). [E]
    5,000-200,000."""
    amortisation_years: Annotated[float, Strict(), Field(gt=0, le=100)] = 5.0
    """Years over which an interface's one-off cost is spread in ``cost_per_year``. [E] 3-10."""


class Costs(Frozen):
    """What the traffic, the copies, the capacity and the running of the systems cost:
    message and record sizes (the bandwidth and storage metrics), the capacity target, the
    operations staff, and the prices of the money view. Staff hours per action are in
    ``behaviour.workload``."""

    record_bytes: Bytes = 2000.0
    """Size of a record (a change message carries one, a copy holds one), for kinds not in
    ``record_bytes_by_kind``. [E]"""
    record_bytes_by_kind: dict[str, Bytes] = Field(default_factory=dict)
    """Size of a record of each kind (names from ``records.kinds``). [E] a travel document or
    a vehicle about 1-2 kB of fields; a notice tens of kB with its photograph."""
    search_bytes: Bytes = 500.0
    """A search message (the request). [E]"""
    answer_bytes: Bytes = 1000.0
    """An answer message, hit or no hit. [E]"""
    pointer_bytes: Bytes = 100.0
    """A pointer held by an index (which NCB owns a record). [E]"""
    capacity: Capacity = Capacity()
    operations: Operations = Operations()
    money: Money = Money()


# --- behaviour (off by default) ------------------------------------------------------------


class Workload(Frozen):
    """Staff time of each NCB: manual actions wait in a first-come backlog.

    The hours per action are the price of the work whether or not behaviour is enabled: the
    staff-hour metrics (``staff_hours_per_year``) read them in every run; ``enabled`` switches
    only the feedbacks (backlogs, lapses, trust, sharing)."""

    staff_hours_per_day: Duration = 8.0
    """Capacity of an NCB of weight 1 (scaled by the country's weight)."""
    hours_per_hit: Duration = 1.0
    """Following up a hit (true or false) at the NCB whose officer got it: confirming the
    record with its owner and passing the answer to the border. [E] 0.5-2 hours."""
    hours_per_entry: Duration = 0.25
    """Keying a new record into one system."""
    hours_per_update: Duration = 0.1
    hours_per_deletion: Duration = 0.05
    hours_per_review: Duration = 0.2
    review_grace_days: Days = 30.0
    """A review not done this long after the review date is missed: the record lapses."""
    smoothing_days: Days = 14.0
    """Days over which the arriving work is averaged (exponentially) before the staff's fluid
    backlog takes it in: a sampled change stands for many real ones, and spreading their work
    keeps the backlog from moving in lumps. A numerical choice, not an assumption about NCBs:
    longer at lower sampling fractions (7-30 days; 0 takes each day's work as it comes)."""


class Trust(Frozen):
    """Trust of an NCB in each channel it queries, moved by what its own lookups return.

    Per lookup: a ghost hit multiplies trust by (1 - ghost_penalty), a stale answer by
    (1 - stale_penalty), a timeout by (1 - timeout_penalty); a correct answer moves it a share
    ``recovery`` of the way to 1.
    """

    initial: Probability = 0.8
    ghost_penalty: Probability = 0.05
    stale_penalty: Probability = 0.02
    timeout_penalty: Probability = 0.03
    recovery: Probability = 0.01
    observations_per_day: Rate = 5.0
    """Lookup outcomes a day an NCB of weight 1 takes into its trust (its officers' noticed
    hits, misses and timeouts; scaled by the country's weight). The sampled lookups estimate
    which outcomes they are, so trust moves the same at any sampling of the searches.
    Assumption: 1-20 is plausible."""
    memory_days: PositiveDays = 365.0
    """A lookup searches a subject among the records created in this many past days."""


class Reluctance(Frozen):
    """How much less an NCB shares under each architecture than through federated queries
    (data-sovereignty reluctance): its sharing propensity is multiplied by (1 - value)."""

    centralized: Probability = 0.1
    hybrid: Probability = 0.05
    fragmented: Probability = 0.05
    federated: Probability = 0.0


class Sharing(Frozen):
    """Sharing propensity: the share of new global records an NCB shares beyond its region
    (the rest stays on its regional platforms, or at home when it has none).

    Each day: p += trust_rate (trust - p) + peer_rate (peers - p), where trust is the NCB's
    mean trust in its channels and peers the share of new records the other NCBs of its region
    shared over the last ``peer_window_days`` (conditional cooperation).
    """

    initial: Probability = 1.0
    trust_rate: Probability = 0.02
    peer_rate: Probability = 0.05
    peer_window_days: PositiveDays = 30.0
    reluctance: Reluctance = Reluctance()


class Behaviour(Frozen):
    """Agents that behave: workload and backlog, trust, sharing propensity, reviews. Off by
    default; when off the model is exactly the same as without this section."""

    enabled: StrictBool = False
    workload: Workload = Workload()
    trust: Trust = Trust()
    sharing: Sharing = Sharing()


# --- settings by region, platform and country ----------------------------------------------


class LinkOverride(Frozen):
    """A link's delays where they differ from the world's; a key left out keeps the world's."""

    delay_hours: Dist | None = None
    query_delay_seconds: Dist | None = None


class NodeLinks(Frozen):
    """The links an NCB's messages travel: to the hub, to its platforms, and, for a search
    another NCB asks it, between national nodes (the node asked)."""

    ncb_to_hub: LinkOverride | None = None
    ncb_to_platform: LinkOverride | None = None
    ncb_to_ncb: LinkOverride | None = None


class PlatformLinks(Frozen):
    """The links of one platform: its members' messages to it, and its synchronisation with
    the hub both ways."""

    ncb_to_platform: LinkOverride | None = None
    platform_to_hub: LinkOverride | None = None
    hub_to_platform: LinkOverride | None = None


class Keying(Frozen):
    """Keying by hand into a system (today's status quo) where it differs from the world's."""

    entry_probability: Probability | None = None
    update_probability: Probability | None = None
    entry_delay_hours: Dist | None = None


class NodeKeying(Frozen):
    hub: Keying = Keying()
    platform: Keying = Keying()


class NodeSettings(Frozen):
    """Settings of the NCBs of a region or of one country: their links, their national nodes'
    availability and capacity, their keying into the hub and the platforms, their staff."""

    links: NodeLinks = NodeLinks()
    outages: OutageSpec | None = None
    """Their national nodes' up and down times, overriding ``outages.ncb``."""
    store: StoreSpec | None = None
    """Their national nodes' servers and service times, overriding ``stores.ncb``."""
    entry: NodeKeying = NodeKeying()
    staff_hours_per_day: Duration | None = None
    """Staff time of an NCB of weight 1, overriding ``behaviour.workload.staff_hours_per_day``."""


class PlatformSettings(Frozen):
    """Settings of one platform: its links, availability, capacity and keying by hand."""

    links: PlatformLinks = PlatformLinks()
    outages: OutageSpec | None = None
    store: StoreSpec | None = None
    entry: Keying = Keying()


class Settings(Frozen):
    """Settings that differ by region, platform or country, overriding the world-wide values.
    The most specific wins: a country's over a platform's over its region's over the world's
    (the platform's own data in ``world.platforms`` counts as the platform's, below
    ``settings.platforms``). Which settings apply where:

    - an NCB's links to the hub and to a platform, and a national node asked by another NCB:
      country, then (to a platform) that platform, then region, then ``links``;
    - a national node's outages, capacity and staff: country, region, the world's;
    - keying into the hub: country, region, ``architecture``; into a platform: country, the
      platform (``settings.platforms``, then ``world.platforms``), region, ``architecture``;
    - a platform's outages, capacity and synchronisation links: the platform, the world's.
    """

    regions: dict[str, NodeSettings] = Field(default_factory=dict)
    platforms: dict[str, PlatformSettings] = Field(default_factory=dict)
    countries: dict[str, NodeSettings] = Field(default_factory=dict)


# --- migration in waves --------------------------------------------------------------------


class Wave(Frozen):
    """The NCBs that move on one day: every country of ``regions`` and the ``countries``."""

    day: Days
    """Simulation day the wave moves (counted from 0, warm-up included)."""
    regions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


class Stage(Frozen):
    """One step of a road map: the architecture its waves move to."""

    to: Architecture
    waves: tuple[Wave, ...] = Field(min_length=1)


MAX_TRANSFER_PER_DAY = 1e9
"""Most records an NCB of weight 1 hands over in a day: beyond it a rate is a typo."""


class Bulk(Frozen):
    """Records already held when a wave moves are handed over in bulk to the systems of the
    architecture it moves to: every active record of the wave's NCBs, oldest first, as a
    backlog at a rate (N records at rate r take N / r days)."""

    records_per_day: Annotated[float, Strict(), Field(gt=0, le=MAX_TRANSFER_PER_DAY)]
    """Records an NCB of weight 1 hands over a day, in the real volume (scaled by its weight
    and by ``records.sample_fraction`` in the run). [E]"""


class Reconcile(Frozen):
    """A clean-up when a wave moves: every system holding the wave's records is corrected
    where it shows a record its owner has deleted (a ghost) or an older version than the
    owner's (stale), record by record at a rate, each correction a staff cost."""

    records_per_day: Annotated[float, Strict(), Field(gt=0, le=MAX_TRANSFER_PER_DAY)]
    """Corrections an NCB of weight 1 makes a day, in the real volume. [E]"""
    hours_per_record: Duration = 0.05
    """Staff time per correction (finding the copy, deleting or updating it). [E] 0.02-0.25."""


class Migration(Frozen):
    """A road map: the NCBs move, wave by wave, from the scenario's ``architecture`` through
    each stage's. A country's records travel and are searched as its own current architecture
    says (the systems of every stage run in parallel while waves move); ``bulk`` and
    ``reconcile`` say what becomes of the records the systems already held (neither: they are
    left to age out, removed by retention)."""

    stages: tuple[Stage, ...] = ()
    bulk: Bulk | None = None
    reconcile: Reconcile | None = None


# --- the scenario ------------------------------------------------------------------------


class Scenario(Frozen):
    name: Name = "unnamed"
    """One line of at most 200 characters, like every name in a scenario (regions, platforms,
    country codes, record kinds): it is printed, drawn and shown as written, never as markup."""
    description: Description = ""
    """At most 5,000 characters; paragraphs allowed, no other control character."""
    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = 0
    """Seed of every random substream (``--seed`` overrides it)."""
    horizon_days: PositiveDays = 365.0
    """Simulated days. Before a run, its size is estimated from this and the rates, and a run
    too large for the machine is refused (``--max-memory``)."""
    warmup_days: Days = 0.0
    """Days left out of every measure (the system starts empty)."""
    architecture: Architecture = Centralized(kind="centralized")
    world: World
    records: Records = Records()
    links: Links = Links()
    stores: Stores = Stores()
    outages: Outages = Outages()
    queries: Queries = Queries()
    behaviour: Behaviour = Behaviour()
    costs: Costs = Costs()
    settings: Settings = Settings()
    """Settings by region, platform and country (the most specific wins)."""
    migration: Migration = Migration()
    """A road map from ``architecture`` to others, by waves of NCBs (none by default)."""

    @model_validator(mode="after")
    def _waves_name_the_world(self) -> Scenario:
        regions = sorted({c.region for c in self.world.countries})
        codes = [c.code for c in self.world.countries]
        for i, stage in enumerate(self.migration.stages):
            moved: set[str] = set()
            for j, wave in enumerate(stage.waves):
                at = f"migration.stages.{i}.waves.{j}"
                for k, name in enumerate(wave.regions):
                    if name not in regions:
                        raise ValueError(
                            f"{at}.regions.{k}: {not_in_world(name, 'regions', regions)}"
                        )
                for k, name in enumerate(wave.countries):
                    if name not in codes:
                        raise ValueError(
                            f"{at}.countries.{k}: {not_in_world(name, 'countries', codes)}"
                        )
                members = set(wave.countries) | {
                    c.code for c in self.world.countries if c.region in wave.regions
                }
                if not members:
                    raise ValueError(f"{at}: names no country (give regions or countries)")
                twice = sorted(members & moved)
                if twice:
                    raise ValueError(f"{at}: {', '.join(twice[:5])} already moved in this stage")
                moved |= members
        for code in codes if self.migration.stages else ():
            days = [d for d in self.migration_days(code)]
            if days != sorted(days):
                raise ValueError(
                    f"migration.stages: {code} would move to a later stage before an earlier one"
                    f" (days {', '.join(f'{d:g}' for d in days)})"
                )
        return self

    def migration_days(self, code: str) -> list[float]:
        """The days country ``code`` moves, stage after stage (stages it skips left out)."""
        region = next(c.region for c in self.world.countries if c.code == code)
        return [
            wave.day
            for stage in self.migration.stages
            for wave in stage.waves
            if code in wave.countries or region in wave.regions
        ]

    @model_validator(mode="after")
    def _mix_names_the_kinds(self) -> Scenario:
        arch = self.architecture
        if not isinstance(arch, Mixed):
            return self
        names = [k.name for k in self.records.kind_specs()]
        for name in arch.by_kind:
            if name not in names:
                guess = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                hint = (
                    f"; did you mean {guess[0]!r}?"
                    if guess
                    else f" (records.kinds: {', '.join(names)})"
                )
                raise ValueError(f"architecture.by_kind.{name}: not a record kind{hint}")
        missing = [n for n in names if n not in arch.by_kind]
        if missing and arch.other is None:
            raise ValueError(
                f"architecture.by_kind: no architecture for {', '.join(missing)}"
                " (name them, or give architecture.other)"
            )
        return self

    @model_validator(mode="after")
    def _settings_name_the_world(self) -> Scenario:
        named = {
            "regions": sorted({c.region for c in self.world.countries}),
            "platforms": [p.name for p in self.world.platforms],
            "countries": [c.code for c in self.world.countries],
        }
        for section, known in named.items():
            for name in getattr(self.settings, section):
                if name not in known:
                    raise ValueError(
                        f"settings.{section}.{name}: {not_in_world(name, section, known)}"
                    )
        return self

    @model_validator(mode="after")
    def _denied_countries_exist(self) -> Scenario:
        codes = {c.code for c in self.world.countries}
        for i, denial in enumerate(self.records.denials):
            for j, code in enumerate(denial.countries):
                if code not in codes:
                    raise ValueError(
                        f"records.denials.{i}.countries.{j}: country {code!r} is not in"
                        " world.countries"
                    )
        return self

    @model_validator(mode="after")
    def _scheduled_outages_name_stores(self) -> Scenario:
        names = {
            "platform": {p.name for p in self.world.platforms},
            "ncb": {c.code for c in self.world.countries},
        }
        for kind, known in names.items():
            spec = getattr(self.outages, kind)
            for i, window in enumerate(spec.scheduled if spec else ()):
                for j, name in enumerate(window.only):
                    if name not in known:
                        raise ValueError(
                            f"outages.{kind}.scheduled.{i}.only.{j}: {name!r} is not a"
                            f" {'platform' if kind == 'platform' else 'country'} of the world"
                        )
        return self

    @model_validator(mode="after")
    def _domains_name_the_world(self) -> Scenario:
        named = {
            "regions": sorted({c.region for c in self.world.countries}),
            "countries": [c.code for c in self.world.countries],
            "platforms": [p.name for p in self.world.platforms],
        }
        for i, outage in enumerate(self.outages.correlated):
            for section, known in named.items():
                for j, name in enumerate(getattr(outage.domain, section)):
                    if name not in known:
                        raise ValueError(
                            f"outages.correlated.{i}.domain.{section}.{j}:"
                            f" {name!r} is {not_in_world(name, section, known)}"
                        )
        return self

    @model_validator(mode="after")
    def _searched_kinds_exist(self) -> Scenario:
        names = [k.name for k in self.records.kind_specs()]
        for name in self.queries.kinds:
            if name not in names:
                raise ValueError(
                    f"queries.kinds.{name}: not a record kind (records.kinds: {', '.join(names)})"
                )
        return self

    @model_validator(mode="after")
    def _sized_kinds_exist(self) -> Scenario:
        names = [k.name for k in self.records.kind_specs()]
        for name in self.costs.record_bytes_by_kind:
            if name not in names:
                raise ValueError(
                    f"costs.record_bytes_by_kind.{name}: not a record kind"
                    f" (records.kinds: {', '.join(names)})"
                )
        return self

    @model_validator(mode="after")
    def _window(self) -> Scenario:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days: {self.warmup_days:g} must be < horizon_days ({self.horizon_days:g})"
            )
        return self


def not_in_world(name: str, section: str, known: list[str]) -> str:
    """``not a region of the world; did you mean 'africa'?``"""
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    what = {"regions": "a region", "platforms": "a platform", "countries": "a country"}[section]
    hint = (
        f"; did you mean {guess[0]!r}?"
        if guess
        else f" (the world's: {', '.join(known[:12])}{'...' if len(known) > 12 else ''})"
    )
    return f"not {what} of the world{hint}"
