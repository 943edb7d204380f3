"""Which headline rests on which assumption the worlds did not sample.

Every headline metric rests on scenario assumptions beyond the architecture: false hits on
how often a cancelled record's subject is searched, servers on service times and the peak,
money on the prices. A sweep over worlds samples some of them; the others stay at the
scenario's value, and a headline resting on one of those has a spread that does not include
it. :func:`fixed_assumptions` names them, with their values, for the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

RESTS_ON: dict[str, tuple[str, ...]] = {
    "completeness": (
        "architecture.entry_probability",
        "architecture.entry_delay_hours",
        "links.ncb_to_hub.delay_hours",
        "outages.ncb.mttr_hours",
    ),
    "inconsistency_rate": (
        "architecture.update_probability",
        "records.retention_grace_days",
        "records.kinds.notices.material_update_share",
        "records.kinds.travel_documents.material_update_share",
        "records.kinds.vehicles.material_update_share",
    ),
    "hits_per_year": (
        "queries.on_record_share",
        "queries.kinds.notices.on_record_share",
        "queries.kinds.vehicles.on_record_share",
    ),
    "missed_hits_per_year": (
        "queries.on_record_share",
        "queries.kinds.notices.on_record_share",
        "queries.kinds.vehicles.on_record_share",
    ),
    "false_hits_per_year": ("queries.deleted_search_ratio",),
    "query_latency_p95_seconds": (
        "links.ncb_to_ncb.query_delay_seconds",
        "stores.ncb.service_seconds",
    ),
    "servers_needed_total": (
        "stores.hub.service_seconds",
        "stores.ncb.service_seconds",
        "costs.capacity.peak_to_mean",
        "costs.capacity.target_p95_seconds",
    ),
    "staff_hours_per_year": (
        "behaviour.workload.hours_per_entry",
        "behaviour.workload.hours_per_hit",
    ),
    "bandwidth_gb_per_day_total": (
        "costs.record_bytes_by_kind",
        "costs.search_bytes",
        "costs.answer_bytes",
    ),
    "operations_staff_hours_per_year": (
        "costs.operations.hours_per_system_year",
        "costs.operations.hours_per_server_year",
    ),
    "cost_per_year": (
        "costs.money.server_year",
        "costs.money.staff_hour",
        "costs.money.interface",
        "costs.money.node_pair",
        "costs.money.amortisation_years",
    ),
}
"""Headline -> the assumed keys it moves with (a key names every key below it: ``costs.
record_bytes_by_kind`` covers each kind's size). The travel documents' share on record is
fitted to the SLTD's hits (scenarios/README.md): ``queries.on_record_share`` stays fixed by
design."""


def sampled(key: str, keys: Iterable[str]) -> bool:
    """Whether the worlds move ``key`` (itself, something under it, or something above it)."""
    return any(k == key or k.startswith(f"{key}.") or key.startswith(f"{k}.") for k in keys)


def lookup(scenario: Mapping[str, Any], key: str) -> Any:
    """The scenario's value at a dotted path (None if it has none)."""
    node: Any = scenario
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def shown(value: Any) -> str:
    if isinstance(value, Mapping):
        if "mean" in value:
            return f"mean {value['mean']:g}"
        return ", ".join(f"{k} {shown(v)}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def fixed_assumptions(
    scenario: Mapping[str, Any], uncertainties: Mapping[str, Iterable[str]], metrics: Iterable[str]
) -> list[tuple[str, list[str]]]:
    """For each headline of ``metrics`` (in catalogue order), the assumed keys the worlds left
    at the scenario's value, as ``key = value``; headlines resting on none are left out."""
    keys = [k for group in uncertainties.values() for k in group]
    out = []
    for metric in RESTS_ON:
        if metric not in metrics:
            continue
        fixed = [
            f"{key} = {shown(value)}"
            for key in RESTS_ON[metric]
            if not sampled(key, keys) and (value := lookup(scenario, key)) is not None
        ]
        if fixed:
            out.append((metric, fixed))
    return out
