"""Which metrics the charts and the report show first. What each metric means, its unit and
which way is better come from :mod:`sim.catalogue`, the one list every layer reads."""

from __future__ import annotations

from sim.catalogue import LINK_LABELS, MetricSpec, metric_spec

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

__all__ = [
    "COMPARISON_METRICS",
    "LINK_LABELS",
    "SENSITIVITY_METRICS",
    "MetricSpec",
    "info",
    "scale",
]


def info(metric: str) -> MetricSpec:
    """The catalogue entry of ``metric`` (families and unknown names included)."""
    return metric_spec(metric)


def scale(metric: str) -> float:
    """Factor from stored value to displayed value (shares shown as percentages)."""
    return metric_spec(metric).display_scale
