"""The metric catalogue: one entry per metric, read by everything that names, computes, ranks
or shows one.

A metric's label, unit, definition, which way is better and how it is formed live here and
nowhere else: the metrics compute the record ratios from ``ratio``, the tables list the
``headline`` metrics in catalogue order, the comparisons rank by ``higher_is_better``, and the
report and the charts print ``label`` and ``definition``. Families of metrics keyed by a link
class or a store (``messages_per_day.ncb_to_hub``, ``utilisation.hub``) have one entry each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

Aggregate = Literal[
    "ratio", "quantile", "query share", "query mean", "mean", "count", "per search", "capacity"
]
"""How a metric is formed from a run's logs, and so how its parts combine:

- ``ratio``: a ratio of exact time integrals (``ratio`` names them); regions, kinds and days
  are ratios of their own integrals, never averages of ratios;
- ``quantile``: a weighted quantile of a sample (lags in hours);
- ``query share`` / ``query mean``: a share or mean over the sampled searches;
- ``mean``: a time or activity-weighted mean (behaviour, exposure);
- ``count``: a count per unit of time at real volume;
- ``per search``: a count per 1,000 searches (outcomes over the searches that had them);
- ``capacity``: what a store needs or does at the real peak (servers, a percentile there).
"""


@dataclass(frozen=True)
class Tie:
    """How far apart two values of a metric may be and still be equivalent for a decision:
    within ``absolute`` (in the stored unit: a share as a fraction) or within ``relative``
    of the larger magnitude, whichever is wider. Below it, a difference is noise between
    equals, not a ranking."""

    absolute: float = 0.0
    relative: float = 0.0
    reason: str = ""

    def width(self, a: float, b: float) -> float:
        """The threshold for the pair ``a``, ``b``."""
        return max(self.absolute, self.relative * max(abs(a), abs(b)))

    def equivalent(self, a: float, b: float) -> bool:
        """Within the threshold; a *never* (infinite, a lag percentile among the records never
        visible) is equivalent only to another never, however wide a relative threshold."""
        if not (math.isfinite(a) and math.isfinite(b)):
            return a == b
        return abs(a - b) <= self.width(a, b)

    def __str__(self) -> str:
        parts = [f"{self.absolute:g}"] if self.absolute else []
        parts += [f"{100 * self.relative:g}%"] if self.relative else []
        return " or ".join(parts) or "0"


DEFAULT_TIE = Tie(
    relative=0.05,
    reason="a twentieth of the larger value: the default for a metric the catalogue gives no"
    " threshold of its own",
)


@dataclass(frozen=True)
class MetricSpec:
    """One metric, in a strategist's words and in the code's."""

    name: str
    label: str
    unit: str
    """The unit it is shown in; shares are stored in [0, 1] and shown as ``%``."""
    definition: str
    higher_is_better: bool
    aggregate: Aggregate
    share: bool = False
    """A share in [0, 1]."""
    headline: bool = False
    """Shown in the run and demo tables, and compared by default."""
    ratio: tuple[tuple[str, ...], str] | None = None
    """For ``ratio`` metrics: (integrals summed in the numerator, integral in the denominator),
    names of the record integrals of :mod:`sim.metrics.visibility`."""
    shortlist: bool = False
    """One of the few metrics a decision turns on: what ``pdsa compare`` shows by default."""
    never_quantile: float | None = None
    """For a lag percentile: its quantile. A run whose share of records never visible exceeds
    ``1 - never_quantile`` has no value (stored as null): the percentile is *never*, the worst
    value there is, not a missing one."""
    tie: Tie = DEFAULT_TIE
    """Materiality: how close two values are equivalent (``MATERIALITY``)."""

    @property
    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})"

    @property
    def display_scale(self) -> float:
        """Factor from the stored value to the shown one (shares as percentages)."""
        return 100.0 if self.share else 1.0


def _share(
    name: str,
    label: str,
    definition: str,
    *,
    higher_is_better: bool = False,
    aggregate: Aggregate = "ratio",
    headline: bool = False,
    ratio: tuple[tuple[str, ...], str] | None = None,
    shortlist: bool = False,
) -> MetricSpec:
    """A share in [0, 1], shown as a percentage."""
    return MetricSpec(
        name, label, "%", definition, higher_is_better, aggregate, True, headline, ratio, shortlist
    )


_ENTRIES: tuple[MetricSpec, ...] = (
    _share(
        "completeness",
        "Completeness",
        "Of the live records an officer is entitled to see, the share a search actually returns."
        " 100 % means nothing the owner has entered is missing at the border.",
        higher_is_better=True,
        headline=True,
        shortlist=True,
        ratio=(("vis_act",), "act"),
    ),
    _share(
        "coverage",
        "Coverage",
        "Like completeness, but counting every live record, including those the owner has"
        " restricted from this officer.",
        higher_is_better=True,
        headline=True,
        ratio=(("vis_act",), "allact"),
    ),
    _share(
        "ghost_rate",
        "Ghost rate",
        "Of the records a search returns, the share already deleted or cancelled by the owner:"
        " a person no longer wanted, a passport already recovered.",
        headline=True,
        ratio=(("ghost",), "vis"),
    ),
    _share(
        "stale_rate",
        "Stale rate",
        "Of the records a search returns, the share showing a version older than the owner's"
        " latest material update: one that changes what the officer should do (a status, an"
        " action, the cancellation of a hit). Administrative updates (a review extension, a"
        " corrected detail) do not count; `stale_any_rate` counts them too.",
        headline=True,
        ratio=(("stale",), "vis"),
    ),
    _share(
        "stale_any_rate",
        "Stale rate, any update",
        "Of the records a search returns, the share showing an out-of-date version, whether the"
        " owner's later update was material or administrative.",
        headline=True,
        ratio=(("stale_any",), "vis"),
    ),
    _share(
        "inconsistency_rate",
        "Inconsistency rate",
        "Ghost rate plus stale rate: the share of returned records that would mislead the"
        " officer (deleted at the source, or missing a material update).",
        headline=True,
        shortlist=True,
        ratio=(("ghost", "stale"), "vis"),
    ),
    _share(
        "conflict_rate",
        "Conflict rate",
        "Of the records a search returns, the share on which the systems consulted disagree"
        " (one shows it, another not, or different versions): the same record does not say the"
        " same thing regionally and globally.",
        headline=True,
        ratio=(("conflict",), "vis"),
    ),
    MetricSpec(
        "lag_p50_hours",
        "Median time to visibility",
        "hours",
        "Half of new shareable records reach an officer in another country within this time."
        " Counted over every (record, entitled officer) pair, records never entered where the"
        " officer looks included: empty (never) when half of them never get there.",
        higher_is_better=False,
        aggregate="quantile",
        headline=True,
        never_quantile=0.5,
    ),
    MetricSpec(
        "lag_p95_hours",
        "95th percentile time to visibility",
        "hours",
        "95 % of new shareable records reach an officer in another country within this time,"
        " counted over every (record, entitled officer) pair: empty (never) when more than 5 %"
        " never get there (never entered where the officer looks, or deleted first).",
        higher_is_better=False,
        aggregate="quantile",
        headline=True,
        shortlist=True,
        never_quantile=0.95,
    ),
    MetricSpec(
        "lag_p99_hours",
        "99th percentile time to visibility",
        "hours",
        "99 % of new shareable records reach an officer in another country within this time,"
        " counted over every (record, entitled officer) pair: empty (never) when more than 1 %"
        " never get there.",
        higher_is_better=False,
        aggregate="quantile",
        headline=True,
        never_quantile=0.99,
    ),
    _share(
        "never_visible_fraction",
        "Never visible",
        "Share of (new shareable record, entitled officer in another country) pairs where the"
        " record never reaches a system the officer consults: never entered there, or deleted"
        " before it arrives. Records still on their way when the run ends are left out.",
        aggregate="quantile",
        headline=True,
    ),
    MetricSpec(
        "query_latency_mean_seconds",
        "Mean search time",
        "seconds",
        "Average time from a search at the border to the last answer that came back before the"
        " deadline, over the searches answered at all (timeouts apart: see the timeout share).",
        higher_is_better=False,
        aggregate="query mean",
        headline=True,
    ),
    MetricSpec(
        "query_latency_p50_seconds",
        "Median search time",
        "seconds",
        "Half of the searches answered at all have their last answer within this time.",
        higher_is_better=False,
        aggregate="query mean",
        headline=True,
    ),
    MetricSpec(
        "query_latency_p95_seconds",
        "95th percentile search time",
        "seconds",
        "95 % of the searches answered at all have their last answer within this time.",
        higher_is_better=False,
        aggregate="query mean",
        headline=True,
        shortlist=True,
    ),
    _share(
        "query_availability",
        "Search availability",
        "Share of searches answered at all before the deadline: the officer's own national"
        " system was up and at least one of the systems it must consult answered (the hub or"
        " one of the officer's platforms; under federated routing another country's node, the"
        " issuing country's node, or the index).",
        higher_is_better=True,
        aggregate="query share",
        headline=True,
        shortlist=True,
    ),
    _share(
        "answer_share_mean",
        "Answers received",
        "Of the systems a search asked, the share whose answer came back before the deadline,"
        " averaged over the searches sent: a broadcast to every national node answers in part"
        " whenever some of them are down.",
        higher_is_better=True,
        aggregate="query mean",
        headline=True,
    ),
    _share(
        "query_timeout_share",
        "Searches with a silent source",
        "Share of searches sent in which at least one system asked had not answered by the"
        " deadline: the officer waits the whole deadline and is told which sources stayed"
        " silent.",
        aggregate="query share",
    ),
    MetricSpec(
        "exposure",
        "Copies held",
        "copies per live record",
        "How many systems hold a copy of each live record: more copies mean more places to"
        " correct, protect and delete.",
        higher_is_better=False,
        aggregate="mean",
        headline=True,
    ),
    # --- outcomes at the border and costs, at real volume -------------------------------------
    MetricSpec(
        "hits_per_year",
        "Hits",
        "hits/year",
        "Searches a year whose subject is on record with another country's NCB and that the"
        " officer's systems show: a stolen passport flagged at the border. From the exact"
        " integrals and the search volume, with the share of searches about a subject on"
        " record an assumption (queries.on_record_share).",
        higher_is_better=True,
        aggregate="count",
        headline=True,
    ),
    MetricSpec(
        "missed_hits_per_year",
        "Missed hits",
        "missed hits/year",
        "Searches a year whose subject's record is active with its owner and may be seen by the"
        " officer, but the systems consulted do not show it or do not answer in time: a stolen"
        " passport that passes the border unflagged.",
        higher_is_better=False,
        aggregate="count",
        headline=True,
        shortlist=True,
    ),
    MetricSpec(
        "false_hits_per_year",
        "False hits",
        "false hits/year",
        "Searches a year that show a record its owner has deleted or cancelled: an officer acts"
        " on a cancelled alert. Assumes a deleted record's subject is searched"
        " queries.deleted_search_ratio times as often as an active record's (in proportion).",
        higher_is_better=False,
        aggregate="count",
        headline=True,
        shortlist=True,
    ),
    MetricSpec(
        "stale_hits_per_year",
        "Stale hits",
        "stale hits/year",
        "Hits a year on a record shown in an outdated version (as the stale rate counts it):"
        " the officer acts on information the owner has since changed.",
        higher_is_better=False,
        aggregate="count",
        headline=True,
    ),
    MetricSpec(
        "searches_per_year",
        "Searches",
        "searches/year",
        "Searches a year at real volume (the queriers' rates times the measured window).",
        higher_is_better=False,
        aggregate="count",
    ),
    MetricSpec(
        "hits_per_1000_searches",
        "Hits per 1,000 searches",
        "per 1,000 searches",
        "Hits per 1,000 searches (the SLTD's 2023 figure: 0.065).",
        higher_is_better=True,
        aggregate="per search",
    ),
    MetricSpec(
        "missed_hits_per_1000_searches",
        "Missed hits per 1,000 searches",
        "per 1,000 searches",
        "Missed hits per 1,000 searches.",
        higher_is_better=False,
        aggregate="per search",
    ),
    MetricSpec(
        "false_hits_per_1000_searches",
        "False hits per 1,000 searches",
        "per 1,000 searches",
        "False hits per 1,000 searches.",
        higher_is_better=False,
        aggregate="per search",
    ),
    MetricSpec(
        "stale_hits_per_1000_searches",
        "Stale hits per 1,000 searches",
        "per 1,000 searches",
        "Stale hits per 1,000 searches.",
        higher_is_better=False,
        aggregate="per search",
    ),
    MetricSpec(
        "busiest_store_peak_per_second",
        "Peak load on the busiest store",
        "searches/s",
        "Searches a second the busiest store or national node must answer in a busy minute of"
        " the busiest hour (99th percentile of a minute at the mean rate times"
        " costs.capacity.peak_to_mean), at real volume.",
        higher_is_better=False,
        aggregate="count",
        headline=True,
    ),
    MetricSpec(
        "servers_needed_total",
        "Servers needed",
        "servers",
        "Servers the hub, the platforms and the national nodes need together to keep the 95th"
        " percentile of a search's time at each under costs.capacity.target_p95_seconds at the"
        " peak (M/G/c with the stores' service times; n/a without a service time or when the"
        " service alone is slower than the target).",
        higher_is_better=False,
        aggregate="capacity",
        headline=True,
        shortlist=True,
    ),
    MetricSpec(
        "stores_beyond_target",
        "Stores too slow for the target",
        "stores",
        "Stores and national nodes with searches whose service time alone is slower than"
        " costs.capacity.target_p95_seconds at the 95th percentile: no number of servers meets"
        " the target there, so servers_needed_total has no value and counts as failing a"
        " threshold on it (sim.robustness.UNBOUNDED).",
        higher_is_better=False,
        aggregate="capacity",
    ),
    MetricSpec(
        "staff_hours_per_year",
        "Staff hours",
        "hours/year",
        "NCB staff hours a year for keying records into each system by hand, updating and"
        " deleting them there, reviewing them and following up hits (hours per action in"
        " behaviour.workload; counted whether or not behaviour is enabled).",
        higher_is_better=False,
        aggregate="count",
        headline=True,
        shortlist=True,
    ),
    MetricSpec(
        "bandwidth_gb_per_day_total",
        "Bandwidth",
        "GB/day",
        "Data sent over every link class a day: each record change with its record, each"
        " search with its answer (sizes in costs).",
        higher_is_better=False,
        aggregate="count",
        headline=True,
    ),
    MetricSpec(
        "storage_gb_total",
        "Storage",
        "GB",
        "Data held on average by the hub, the platforms and the national nodes: copies times"
        " record size (ghost copies included), pointers in an index.",
        higher_is_better=False,
        aggregate="mean",
        headline=True,
    ),
    MetricSpec(
        "operations_staff_hours_per_year",
        "Operations staff",
        "hours/year",
        "Staff hours a year running the systems that serve other countries: one post around"
        " the clock per system (the hub, each platform, each national node answering searches"
        " from abroad) and the administration of the servers their peak load needs"
        " (costs.operations).",
        higher_is_better=False,
        aggregate="capacity",
        headline=True,
    ),
    MetricSpec(
        "systems_operated",
        "Systems operated",
        "systems",
        "Systems run for other countries: the hub and the platforms that hold records or"
        " answer searches, and the national nodes that answer searches from abroad.",
        higher_is_better=False,
        aggregate="capacity",
    ),
    MetricSpec(
        "interfaces_total",
        "Interfaces",
        "interfaces",
        "System-to-system interfaces the architecture needs, each built once: a pair of"
        " systems exchanging record feeds automatically, or searches, and in a federation"
        " every pair of national nodes. Keying by hand needs none.",
        higher_is_better=False,
        aggregate="capacity",
        headline=True,
    ),
    MetricSpec(
        "interfaces_one_off_cost",
        "Interfaces, one-off cost",
        "EUR",
        "The interfaces at costs.money.interface each (a pair of national nodes at"
        " costs.money.node_pair): built once, before the system runs.",
        higher_is_better=False,
        aggregate="capacity",
    ),
    MetricSpec(
        "cost_per_year",
        "Cost a year",
        "EUR/year",
        "Servers, keying, answering and operations staff, data carried and held, at the"
        " prices of costs.money (assumptions, each with its range), with the interfaces'"
        " one-off cost spread over costs.money.amortisation_years.",
        higher_is_better=False,
        aggregate="count",
        headline=True,
    ),
    # --- behaviour (present only when behaviour is enabled) ---------------------------------
    _share(
        "trust",
        "Trust in the channels",
        "How far NCBs trust the systems they search, moved down by ghost hits, stale answers"
        " and timeouts and back up by correct answers (agent behaviour only).",
        higher_is_better=True,
        aggregate="mean",
    ),
    _share(
        "propensity",
        "Willingness to share",
        "Share of new records NCBs share beyond their region, pulled by their trust and by what"
        " their neighbours share (agent behaviour only).",
        higher_is_better=True,
        aggregate="mean",
    ),
    MetricSpec(
        "backlog_delay_days",
        "Staff backlog",
        "days",
        "Days from when a record should be keyed in, updated, deleted or reviewed to when staff"
        " get to it (agent behaviour only; the daily series).",
        higher_is_better=False,
        aggregate="mean",
    ),
    MetricSpec(
        "backlog_delay_mean_days",
        "Mean staff backlog",
        "days",
        "Average days from when manual work is due to when staff finish it.",
        higher_is_better=False,
        aggregate="mean",
    ),
    MetricSpec(
        "backlog_delay_p95_days",
        "95th percentile staff backlog",
        "days",
        "95 % of manual work is finished within this many days of being due.",
        higher_is_better=False,
        aggregate="quantile",
    ),
    _share(
        "backlog_unfinished_fraction",
        "Work never finished",
        "Share of manual work due in the window that staff never finish (no staff time at all).",
        aggregate="mean",
    ),
    MetricSpec(
        "staff_hours_per_record",
        "Staff hours per record",
        "hours",
        "Staff hours spent on keying, updating, deleting and reviewing, per record created.",
        higher_is_better=False,
        aggregate="mean",
    ),
    _share(
        "capacity_used",
        "Staff capacity used",
        "Share of the NCBs' staff hours taken by keying, updating, deleting and reviewing.",
        aggregate="mean",
    ),
    _share(
        "reviews_missed_fraction",
        "Reviews missed",
        "Share of records due for review that lapsed because staff could not review them in time.",
        aggregate="mean",
    ),
)

_POINT = "half a percentage point of the records an officer may see"
_ANSWERS = "one answer in a thousand"
_COUNT = "a twentieth of the larger count, and fewer than two a week world-wide"
_SHIFT = "an hour, or a tenth: below the rhythm of a shift"
_FELT = "half a second, which an officer at a check of about a second does not feel"

MATERIALITY: dict[str, Tie] = {
    "completeness": Tie(0.005, reason=_POINT),
    "coverage": Tie(0.005, reason=_POINT),
    "ghost_rate": Tie(0.001, reason=_ANSWERS),
    "stale_rate": Tie(0.001, reason=_ANSWERS),
    "stale_any_rate": Tie(0.001, reason=_ANSWERS),
    "inconsistency_rate": Tie(0.001, reason=_ANSWERS),
    "conflict_rate": Tie(0.001, reason=_ANSWERS),
    "lag_p50_hours": Tie(1.0, 0.1, _SHIFT),
    "lag_p95_hours": Tie(1.0, 0.1, _SHIFT),
    "lag_p99_hours": Tie(1.0, 0.1, _SHIFT),
    "never_visible_fraction": Tie(0.001, reason="one (record, officer) pair in a thousand"),
    "query_latency_mean_seconds": Tie(0.5, reason=_FELT),
    "query_latency_p50_seconds": Tie(0.5, reason=_FELT),
    "query_latency_p95_seconds": Tie(0.5, reason=_FELT),
    "query_availability": Tie(0.001, reason="one search in a thousand"),
    "answer_share_mean": Tie(0.001, reason=_ANSWERS),
    "query_timeout_share": Tie(0.001, reason="one search in a thousand"),
    "exposure": Tie(0.1, reason="a tenth of a copy per record: one system in ten more or less"),
    "hits_per_year": Tie(100.0, 0.005, "half a percent of the hits, or a hundred a year"),
    "missed_hits_per_year": Tie(100.0, 0.05, _COUNT),
    "false_hits_per_year": Tie(100.0, 0.05, _COUNT),
    "stale_hits_per_year": Tie(100.0, 0.05, _COUNT),
    "searches_per_year": Tie(relative=0.001, reason="a thousandth: the same searches"),
    "hits_per_1000_searches": Tie(relative=0.005, reason="half a percent of the hits"),
    "missed_hits_per_1000_searches": Tie(relative=0.05, reason="a twentieth"),
    "false_hits_per_1000_searches": Tie(relative=0.05, reason="a twentieth"),
    "stale_hits_per_1000_searches": Tie(relative=0.05, reason="a twentieth"),
    "busiest_store_peak_per_second": Tie(relative=0.1, reason="a tenth: within the peak's guess"),
    "servers_needed_total": Tie(2.0, 0.1, "two servers, or a tenth: within the peak's guess"),
    "stores_beyond_target": Tie(reason="stores are counted, not estimated: any difference"),
    "staff_hours_per_year": Tie(8760.0, 0.05, "a twentieth, or five full-time staff"),
    "bandwidth_gb_per_day_total": Tie(relative=0.1, reason="a tenth: within the sizes' guess"),
    "storage_gb_total": Tie(relative=0.1, reason="a tenth: within the sizes' guess"),
    "operations_staff_hours_per_year": Tie(8760.0, 0.05, "a twentieth, or one 24/7 post"),
    "systems_operated": Tie(reason="systems are counted, not estimated: any difference"),
    "interfaces_total": Tie(reason="interfaces are counted, not estimated: any difference"),
    "interfaces_one_off_cost": Tie(relative=0.05, reason="a twentieth"),
    "cost_per_year": Tie(100_000.0, 0.05, "a twentieth, or 100,000 euros"),
    "trust": Tie(0.01, reason="a point of trust"),
    "propensity": Tie(0.01, reason="a point of the records shared"),
    "backlog_delay_days": Tie(1.0, 0.1, "a day, or a tenth"),
    "backlog_delay_mean_days": Tie(1.0, 0.1, "a day, or a tenth"),
    "backlog_delay_p95_days": Tie(1.0, 0.1, "a day, or a tenth"),
    "backlog_unfinished_fraction": Tie(0.001, reason="one action in a thousand"),
    "staff_hours_per_record": Tie(relative=0.05, reason="a twentieth"),
    "capacity_used": Tie(0.01, reason="a point of the staff's time"),
    "reviews_missed_fraction": Tie(0.001, reason="one review in a thousand"),
}
"""Every catalogue metric's materiality threshold, with its reason: two levers whose values
are within it are equivalent for a decision (``--tie METRIC=VALUE`` overrides it). Members
of a family (per link, store, kind, item) take :data:`DEFAULT_TIE`."""

CATALOGUE: dict[str, MetricSpec] = {
    spec.name: replace(spec, tie=MATERIALITY.get(spec.name, DEFAULT_TIE)) for spec in _ENTRIES
}

HEADLINE_METRICS: tuple[str, ...] = tuple(s.name for s in CATALOGUE.values() if s.headline)
"""Scalar metrics, in the order tables show them."""

SHORTLIST_METRICS: tuple[str, ...] = tuple(s.name for s in _ENTRIES if s.shortlist)
"""The few metrics a decision turns on, in catalogue order: ``pdsa compare`` by default."""

NEVER_QUANTILES: dict[str, float] = {
    s.name: s.never_quantile for s in _ENTRIES if s.never_quantile is not None
}
"""Lag percentile -> its quantile: a run without a value there is *never*, not missing."""

RATIO_METRICS: tuple[MetricSpec, ...] = tuple(s for s in CATALOGUE.values() if s.ratio is not None)
"""The record metrics computed as ratios of time integrals."""

LINK_LABELS = {
    "ncb_to_hub": "NCB to hub",
    "ncb_to_platform": "NCB to regional platform",
    "platform_to_hub": "platform to hub",
    "hub_to_platform": "hub to platform",
    "ncb_to_ncb": "NCB to NCB",
}

OUTCOME_FAMILIES = (
    "hits_per_year_by_kind",
    "missed_hits_per_year_by_kind",
    "false_hits_per_year_by_kind",
    "stale_hits_per_year_by_kind",
)
"""The outcomes per record kind: ``missed_hits_per_year_by_kind.travel_documents``."""

COST_FAMILIES = (
    "bandwidth_gb_per_day",
    "storage_gb",
    "search_load_peak_per_second",
    "servers_needed",
    "search_p95_at_peak_seconds",
    "staff_hours_per_year_by_activity",
    "staff_hours_per_ncb_per_year_by_weight",
    "interfaces",
    "cost_per_year_by_item",
)
"""Costs per link class, store kind, store, activity or NCB size class."""

FAMILIES = (
    "messages_per_day",
    "utilisation",
    "search_load_per_second",
    *OUTCOME_FAMILIES,
    *COST_FAMILIES,
)
"""Metrics that are dictionaries in a run's results, one value per link class or store, and
flat columns ``family.key`` in a sweep's tables."""


def metric_spec(name: str) -> MetricSpec:
    """The catalogue entry of ``name``, including the members of a family; an unknown name
    gets a neutral entry (its own name, no unit, lower is better) rather than an error, so a
    results file from a newer version still reads."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    family, _, key = name.partition(".")
    if family == "messages_per_day":
        return MetricSpec(
            name,
            f"Messages per day, {LINK_LABELS.get(key, key)}",
            "messages/day",
            "Messages sent over this class of link per day: record changes, and searches with"
            " their answers.",
            higher_is_better=False,
            aggregate="count",
        )
    if family == "search_load_per_second":
        return search_load_spec(name, key)
    if family in OUTCOME_FAMILIES or family in COST_FAMILIES:
        return family_spec(name, family, key)
    if family == "utilisation":
        return MetricSpec(
            name,
            f"Utilisation of {key}",
            "%",
            "Share of time the store's servers are busy.",
            higher_is_better=False,
            aggregate="mean",
            share=True,
        )
    return MetricSpec(name, name, "", "", higher_is_better=False, aggregate="mean")


def search_load_spec(name: str, key: str) -> MetricSpec:
    """``search_load_per_second.<store>``: the hub, a platform by name, or the national nodes'
    mean (``ncb_mean``) and busiest (``ncb_busiest``)."""
    where = {
        "ncb_mean": ("a national node, on average", "Mean over the national nodes of the"),
        "ncb_busiest": ("the busiest national node", "On the national node with most, the"),
    }.get(key, (f"the {key}", f"On the {key}, the") if key == "hub" else (key, f"On {key}, the"))
    return MetricSpec(
        name,
        f"Searches answered per second by {where[0]}",
        "searches/s",
        f"{where[1]} searches it must answer per second at real volume, averaged over the"
        " measured window: a broadcast puts every search on every national node, issuer routing"
        " only the searches for its own documents and vehicles.",
        higher_is_better=False,
        aggregate="count",
    )


STORE_WORDS = {
    "hub": "the hub",
    "platforms": "the platforms together",
    "ncb": "the national nodes together",
    "ncb_busiest": "the busiest national node",
    "ncb_total": "the national nodes together",
}

ACTIVITY_WORDS = {
    "entry": "keying new records into each system",
    "updates": "keying updates and deletions",
    "reviews": "reviewing records",
    "answering": "following up hits",
}


INTERFACE_WORDS = {
    "feeds": "record feeds (a system sending another its changes)",
    "searches": "searches (a querier's system asking a store)",
    "node_pairs": "pairs of national nodes that may ask each other",
}

COST_ITEM_WORDS = {
    "servers": "servers",
    "staff": "NCB staff keying, reviewing and following up hits",
    "operations": "operations staff",
    "bandwidth": "data carried",
    "storage": "data held",
    "interfaces": "interfaces, spread over their amortisation",
}


def family_spec(name: str, family: str, key: str) -> MetricSpec:
    """A member of an outcome or cost family: its family's words, for this kind, link class,
    store, activity or size class."""
    where = STORE_WORDS.get(key, key)
    if family in OUTCOME_FAMILIES:
        base = CATALOGUE[family.removesuffix("_by_kind")]
        return MetricSpec(
            name,
            f"{base.label}, {key.replace('_', ' ')}",
            base.unit,
            f"{base.definition} Searches about {key.replace('_', ' ')} only.",
            base.higher_is_better,
            "count",
        )
    specs: dict[str, tuple[str, str, str, Aggregate]] = {
        "bandwidth_gb_per_day": (
            f"Bandwidth, {LINK_LABELS.get(key, key)}",
            "GB/day",
            "Data sent over this class of link a day: record changes with their records,"
            " searches with their answers.",
            "count",
        ),
        "storage_gb": (
            f"Storage, {where}",
            "GB",
            "Data held on average: copies (ghosts included) times record size; an index's"
            " pointers.",
            "mean",
        ),
        "search_load_peak_per_second": (
            f"Peak searches per second, {where}",
            "searches/s",
            "Searches a second in a busy minute (99th percentile) of the busiest hour, at"
            " real volume.",
            "count",
        ),
        "servers_needed": (
            f"Servers needed, {where}",
            "servers",
            "Servers keeping the 95th percentile of a search's time there under the target at"
            " the peak (M/G/c).",
            "capacity",
        ),
        "search_p95_at_peak_seconds": (
            f"95th percentile search time at the peak, {where}",
            "seconds",
            "Waiting and service at the store in the busiest hour with the servers configured"
            " (n/a: the queue grows without bound, or no searches).",
            "capacity",
        ),
        "staff_hours_per_year_by_activity": (
            f"Staff hours, {ACTIVITY_WORDS.get(key, key)}",
            "hours/year",
            "NCB staff hours a year spent on this activity, all NCBs together.",
            "count",
        ),
        "staff_hours_per_ncb_per_year_by_weight": (
            f"Staff hours per NCB, {key} NCBs",
            "hours/year",
            "Mean staff hours a year of one NCB of this size (activity weight: small under"
            " 0.75, medium to 1.5, large to 3, largest from 3).",
            "mean",
        ),
        "interfaces": (
            f"Interfaces, {INTERFACE_WORDS.get(key, key)}",
            "interfaces",
            "System-to-system interfaces of this purpose, each built once.",
            "capacity",
        ),
        "cost_per_year_by_item": (
            f"Cost a year, {COST_ITEM_WORDS.get(key, key)}",
            "EUR/year",
            "Euros a year spent on this item, at the prices of costs.money.",
            "count",
        ),
    }
    label, unit, definition, aggregate = specs[family]
    return MetricSpec(name, label, unit, definition, False, aggregate)


def materiality(metric: str) -> Tie:
    """The materiality threshold of ``metric`` (its family's default for a member)."""
    return metric_spec(metric).tie


def better_higher(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better (the one rule every ranking uses)."""
    return metric_spec(metric).higher_is_better


# --- how every output shows a value ------------------------------------------------------------
# One rule for the tables, the report, the charts' labels and the explorer: a share in percent
# with one decimal from 1 up, two significant figures below 1 (never a bare 0 for something that
# is not zero), ``0`` only when exactly zero, thousands separated, ``never`` for a percentile
# among the records never visible (stored as +inf once read as never), ``n/a`` for nothing to
# count.

NEVER = "never"
MISSING = "n/a"


def number_text(value: float, share: bool = False) -> str:
    """A value already in display units (a share as a percentage): ``98.3``, ``0.0022``,
    ``0.50``, ``487,587``, ``17.9``, ``3.63``, ``0``; ``never`` for +inf, ``n/a`` for NaN."""
    if value is None or math.isnan(value):
        return MISSING
    if math.isinf(value):
        return NEVER if value > 0 else MISSING
    magnitude = abs(value)
    if value == 0:
        return "0"
    if magnitude < 1:
        if share and magnitude >= 0.1:
            return f"{value:.2f}"
        text = f"{value:#.2g}"  # two significant figures, a trailing zero kept (1.0, 0.50)
        return f"{value:.2g}" if "e" in text else text.rstrip(".")
    if share:
        return f"{value:.1f}"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"


def value_number(value: Any) -> float:
    """A stored value as a float: None and anything not numeric are NaN."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def value_text(metric: str, value: Any) -> str:
    """A stored value of ``metric`` in display units, without its unit (``98.3`` for 0.983)."""
    spec = metric_spec(metric)
    return number_text(value_number(value) * spec.display_scale, spec.share)


def shown_unit(metric: str) -> str:
    """The unit as a table column shows it: ``%`` for a share."""
    return "%" if metric_spec(metric).share else metric_spec(metric).unit


def value_with_unit(metric: str, value: Any) -> str:
    """``98.3 %``, ``3.63 hours``, ``61,045 missed hits/year``; ``never`` and ``n/a`` bare."""
    text = value_text(metric, value)
    return text if text in (NEVER, MISSING) else f"{text} {shown_unit(metric)}"


def difference_text(metric: str, value: Any) -> str:
    """A difference of ``metric`` (stored units) in display units, signed (``+13.7``,
    ``-0.0022``, ``0``); against or into a *never*: ``from never`` (the other is never, this one
    is reached) or ``to never``."""
    number = value_number(value)
    spec = metric_spec(metric)
    if math.isinf(number):
        return f"from {NEVER}" if number < 0 else f"to {NEVER}"
    shown = number * spec.display_scale
    magnitude = number_text(abs(shown), spec.share)
    if magnitude == MISSING or not any(c in "123456789" for c in magnitude):
        return magnitude  # nothing, or a difference that rounds to nothing: no sign
    return f"{'+' if shown > 0 else '-'}{magnitude}"


def difference_unit(metric: str) -> str:
    """``pp`` (percentage points) for a share's difference, else the metric's unit."""
    return "pp" if metric_spec(metric).share else metric_spec(metric).unit


def difference_with_unit(metric: str, value: Any) -> str:
    """``+13.7 pp``, ``-2.1 hours``; ``from never`` bare."""
    text = difference_text(metric, value)
    return text if NEVER in text or text == MISSING else f"{text} {difference_unit(metric)}"


def drift_sentence(variant: str, metric: str, first: float, last: float) -> str:
    """``fragmented: inconsistency rate moves from 35.0 % to 65.5 % ...``: a headline share
    that drifts over the measured window, and what that means for the one number shown."""
    label = metric_spec(metric).label.lower()
    return (
        f"{variant}: {label} moves from {value_with_unit(metric, first)} in the first quarter of"
        f" the measured window to {value_with_unit(metric, last)} in the last; the one number"
        " shown averages a trend (the systems had not settled: measure longer, or start them"
        " full with records.prehistory_days)."
    )
