"""The metric catalogue: one entry per metric, read by everything that names, computes, ranks
or shows one.

A metric's label, unit, definition, which way is better and how it is formed live here and
nowhere else: the metrics compute the record ratios from ``ratio``, the tables list the
``headline`` metrics in catalogue order, the comparisons rank by ``higher_is_better``, and the
report and the charts print ``label`` and ``definition``. Families of metrics keyed by a link
class or a store (``messages_per_day.ncb_to_hub``, ``utilisation.hub``) have one entry each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Aggregate = Literal["ratio", "quantile", "query share", "query mean", "mean", "count"]
"""How a metric is formed from a run's logs, and so how its parts combine:

- ``ratio``: a ratio of exact time integrals (``ratio`` names them); regions, kinds and days
  are ratios of their own integrals, never averages of ratios;
- ``quantile``: a weighted quantile of a sample (lags in hours);
- ``query share`` / ``query mean``: a share or mean over the sampled searches;
- ``mean``: a time or activity-weighted mean (behaviour, exposure);
- ``count``: a count per unit of time at real volume.
"""


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
) -> MetricSpec:
    """A share in [0, 1], shown as a percentage."""
    return MetricSpec(
        name, label, "%", definition, higher_is_better, aggregate, True, headline, ratio
    )


_ENTRIES: tuple[MetricSpec, ...] = (
    _share(
        "completeness",
        "Completeness",
        "Of the live records an officer is entitled to see, the share a search actually returns."
        " 100 % means nothing the owner has entered is missing at the border.",
        higher_is_better=True,
        headline=True,
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

CATALOGUE: dict[str, MetricSpec] = {spec.name: spec for spec in _ENTRIES}

HEADLINE_METRICS: tuple[str, ...] = tuple(s.name for s in _ENTRIES if s.headline)
"""Scalar metrics, in the order tables show them."""

RATIO_METRICS: tuple[MetricSpec, ...] = tuple(s for s in _ENTRIES if s.ratio is not None)
"""The record metrics computed as ratios of time integrals."""

LINK_LABELS = {
    "ncb_to_hub": "NCB to hub",
    "ncb_to_platform": "NCB to regional platform",
    "platform_to_hub": "platform to hub",
    "hub_to_platform": "hub to platform",
    "ncb_to_ncb": "NCB to NCB",
}

FAMILIES = ("messages_per_day", "utilisation", "search_load_per_second")
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


def better_higher(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better (the one rule every ranking uses)."""
    return metric_spec(metric).higher_is_better
