"""What each metric means, in a strategist's words, with its unit. Which way is better is
``sim.analysis.better_higher``, the one rule the comparisons also use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    label: str
    unit: str
    definition: str
    share: bool = True
    """A share in [0, 1], shown as a percentage."""

    @property
    def axis_label(self) -> str:
        return f"{self.label} ({'%' if self.share else self.unit})"


METRICS: dict[str, MetricInfo] = {
    "completeness": MetricInfo(
        "Completeness",
        "%",
        "Of the live records an officer is entitled to see, the share a search actually returns."
        " 100 % means nothing the owner has entered is missing at the border.",
    ),
    "coverage": MetricInfo(
        "Coverage",
        "%",
        "Like completeness, but counting every live record, including those the owner has"
        " restricted from this officer.",
    ),
    "ghost_rate": MetricInfo(
        "Ghost rate",
        "%",
        "Of the records a search returns, the share already deleted or cancelled by the owner:"
        " a person no longer wanted, a passport already recovered.",
    ),
    "stale_rate": MetricInfo(
        "Stale rate",
        "%",
        "Of the records a search returns, the share showing an out-of-date version (the owner has"
        " since updated it).",
    ),
    "inconsistency_rate": MetricInfo(
        "Inconsistency rate",
        "%",
        "Ghost rate plus stale rate: the share of returned records that are wrong in some way.",
    ),
    "conflict_rate": MetricInfo(
        "Conflict rate",
        "%",
        "Of the records a search returns, the share on which the systems consulted disagree"
        " (one shows it, another not, or different versions): the same record does not say the"
        " same thing regionally and globally.",
    ),
    "lag_p50_hours": MetricInfo(
        "Median time to visibility",
        "hours",
        "Half of new records reach an officer in another region within this time.",
        share=False,
    ),
    "lag_p95_hours": MetricInfo(
        "95th percentile time to visibility",
        "hours",
        "95 % of new records reach an officer in another region within this time.",
        share=False,
    ),
    "lag_p99_hours": MetricInfo(
        "99th percentile time to visibility",
        "hours",
        "99 % of new records reach an officer in another region within this time.",
        share=False,
    ),
    "never_visible_fraction": MetricInfo(
        "Never visible",
        "%",
        "Share of new records that never reach an officer in another region before they expire.",
    ),
    "query_latency_mean_seconds": MetricInfo(
        "Mean search time",
        "seconds",
        "Average time from a search at the border to its answer.",
        share=False,
    ),
    "query_latency_p50_seconds": MetricInfo(
        "Median search time",
        "seconds",
        "Half of searches answer within this time.",
        share=False,
    ),
    "query_latency_p95_seconds": MetricInfo(
        "95th percentile search time",
        "seconds",
        "95 % of searches answer within this time.",
        share=False,
    ),
    "query_availability": MetricInfo(
        "Search availability",
        "%",
        "Share of searches answered in full before the deadline (systems up, links working).",
    ),
    "exposure": MetricInfo(
        "Copies held",
        "copies per live record",
        "How many systems hold a copy of each live record: more copies mean more places to"
        " correct, protect and delete.",
        share=False,
    ),
    "trust": MetricInfo(
        "Trust in the channels",
        "%",
        "How far NCBs trust the systems they search, moved down by ghost hits, stale answers"
        " and timeouts and back up by correct answers (agent behaviour only).",
    ),
    "propensity": MetricInfo(
        "Willingness to share",
        "%",
        "Share of new records NCBs share beyond their region, pulled by their trust and by what"
        " their neighbours share (agent behaviour only).",
    ),
    "backlog_delay_days": MetricInfo(
        "Staff backlog",
        "days",
        "Days from when a record should be keyed in, updated, deleted or reviewed to when staff"
        " get to it (agent behaviour only).",
        share=False,
    ),
    "backlog_delay_mean_days": MetricInfo(
        "Mean staff backlog",
        "days",
        "Average days from when manual work is due to when staff finish it.",
        share=False,
    ),
    "reviews_missed_fraction": MetricInfo(
        "Reviews missed",
        "%",
        "Share of records due for review that lapsed because staff could not review them in time.",
    ),
    "capacity_used": MetricInfo(
        "Staff capacity used",
        "%",
        "Share of the NCBs' staff hours taken by keying, updating, deleting and reviewing.",
    ),
}

COMPARISON_METRICS = (
    "completeness",
    "ghost_rate",
    "stale_rate",
    "conflict_rate",
    "lag_p95_hours",
    "query_availability",
)
"""Chart 1, the forest plot and the executive summary: what decision makers ask about first."""

SENSITIVITY_METRICS = ("completeness", "inconsistency_rate", "lag_p95_hours")

LINK_LABELS = {
    "ncb_to_hub": "NCB to hub",
    "ncb_to_platform": "NCB to regional platform",
    "platform_to_hub": "platform to hub",
    "hub_to_platform": "hub to platform",
    "ncb_to_ncb": "NCB to NCB",
}


def info(metric: str) -> MetricInfo:
    """Known metrics by name; others (messages_per_day.x, utilisation.x) described generically."""
    if metric in METRICS:
        return METRICS[metric]
    head, _, tail = metric.partition(".")
    if head == "messages_per_day":
        return MetricInfo(
            f"Messages per day, {LINK_LABELS.get(tail, tail)}",
            "messages/day",
            "Record changes sent over this class of link per day.",
            share=False,
        )
    if head == "utilisation":
        return MetricInfo(
            f"Utilisation of {tail}", "%", "Share of time the store's servers are busy."
        )
    return MetricInfo(metric, "", "", share=False)


def scale(metric: str) -> float:
    """Factor from stored value to displayed value (shares shown as percentages)."""
    return 100.0 if info(metric).share else 1.0
