"""What the sampled searches say: whether each was answered, how much of what it asked came
back by the deadline, how long it took, and the load searches put on each store and national
node at real volume.

A search asks one or more systems and uses every answer back within the deadline, as real
federated searches do; it is answered at all when the architecture's rule says so
(``Strategy.answered``: at least one of the systems asked, in every architecture here).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.log import RunLog

SECONDS_PER_DAY = 86400.0


def query_table(log: RunLog) -> dict[str, np.ndarray]:
    """Per search in the window: querier, day, subject kind, sent, answered at all, the share
    of the systems asked that answered in time, whether one stayed silent past the deadline,
    and the latency (s) of answered searches (NaN otherwise): until the last answer back
    within the deadline."""
    q = log.queries
    window = (q.t >= log.warmup) & (q.t < log.horizon)
    asked, answered_n = q.n_asked[window], q.n_answered[window]
    sent = q.sent[window]
    answered = q.answered[window]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(sent & (asked > 0), answered_n / np.maximum(asked, 1), np.nan)
    latency = np.where(answered, (q.last_answer[window] - q.t[window]) * SECONDS_PER_DAY, np.nan)
    return {
        "querier": q.querier[window],
        "day": np.floor(q.t[window]).astype(np.int64),
        "kind": q.kind[window],
        "sent": sent,
        "answered": answered,
        "answer_share": share,
        "timeout": sent & (answered_n < asked),
        "latency": latency,
    }


def query_metrics(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, float | None]:
    """Availability over every search of ``mask`` (a search its own node could not send is
    not answered); answer share and timeouts over the searches sent; latency over the
    searches answered. The percentiles need the searches themselves; the rest are
    :func:`query_ratios` of :func:`query_counts`, which add over days."""
    latency = table["latency"][table["answered"] & mask]
    ratios = query_ratios(query_counts(table, mask))
    return {
        "query_latency_mean_seconds": ratios["query_latency_mean_seconds"],
        "query_latency_p50_seconds": float(np.percentile(latency, 50)) if latency.size else None,
        "query_latency_p95_seconds": float(np.percentile(latency, 95)) if latency.size else None,
        "query_availability": ratios["query_availability"],
        "answer_share_mean": ratios["answer_share_mean"],
        "query_timeout_share": ratios["query_timeout_share"],
    }


QUERY_COUNTS = (
    "queries",
    "queries_answered",
    "queries_sent",
    "queries_timed_out",
    "answer_share_sum",
    "answer_share_n",
    "latency_sum_seconds",
    "latency_n",
)
"""The additive parts of the sampled-search metrics (sums over searches, in sampled units)."""


def query_counts(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, float]:
    """The sums :func:`query_ratios` divides, over the searches of ``mask``."""
    sent = table["sent"] & mask
    latency = table["latency"][table["answered"] & mask]
    share = table["answer_share"][sent]
    share = share[~np.isnan(share)]
    return {
        "queries": float(mask.sum()),
        "queries_answered": float(table["answered"][mask].sum()),
        "queries_sent": float(sent.sum()),
        "queries_timed_out": float(table["timeout"][sent].sum()),
        "answer_share_sum": float(share.sum()),
        "answer_share_n": float(share.size),
        "latency_sum_seconds": float(latency.sum()),
        "latency_n": float(latency.size),
    }


def query_counts_by_day(
    table: dict[str, np.ndarray], mask: np.ndarray, first_day: int, n_days: int
) -> dict[str, np.ndarray]:
    """:func:`query_counts` of each day ``first_day + i`` (``i < n_days``)."""
    day = table["day"] - first_day
    sent = table["sent"] & mask
    answered = table["answered"] & mask
    share = np.where(sent, table["answer_share"], np.nan)
    has_share = ~np.isnan(share)

    def per_day(select: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[select]
        return np.bincount(day[select], weights=w, minlength=n_days)[:n_days].astype(float)

    return {
        "queries": per_day(mask),
        "queries_answered": per_day(answered),
        "queries_sent": per_day(sent),
        "queries_timed_out": per_day(sent & table["timeout"]),
        "answer_share_sum": per_day(has_share, share),
        "answer_share_n": per_day(has_share),
        "latency_sum_seconds": per_day(answered, table["latency"]),
        "latency_n": per_day(answered),
    }


def query_ratios(counts: Mapping[str, float]) -> dict[str, float | None]:
    """Availability, answer share, timeouts and mean latency of summed counts (a run, a
    region, a kind or a window of days alike); None where nothing was there to count."""

    def share(num: str, den: str) -> float | None:
        return float(counts[num] / counts[den]) if counts[den] > 0 else None

    return {
        "query_latency_mean_seconds": share("latency_sum_seconds", "latency_n"),
        "query_availability": share("queries_answered", "queries"),
        "answer_share_mean": share("answer_share_sum", "answer_share_n"),
        "query_timeout_share": share("queries_timed_out", "queries_sent"),
    }


def searches_asked(log: RunLog) -> dict[str, float]:
    """Searches asked of each store and national node in the window, at real volume (a node's
    count includes the broadcasts of every other country)."""
    q = log.queries
    in_window = (q.t >= log.warmup) & (q.t < log.horizon)
    counts = {name: float(in_window[qid].sum()) for name, qid in q.asked_of.items()}
    for qid, nodes in q.broadcast:
        broadcast = qid[in_window[qid]]
        if broadcast.size == 0:
            continue
        by_querier = np.bincount(q.querier[broadcast], minlength=log.world.n_countries)
        for i, code in enumerate(log.world.codes):
            if nodes is None or nodes[i]:
                name = f"ncb.{code}"
                counts[name] = counts.get(name, 0.0) + float(broadcast.size - by_querier[i])
    return {name: n * q.weight for name, n in counts.items()}


def search_load(log: RunLog) -> dict[str, float | None]:
    """Searches per second each store must answer at real volume, averaged over the window:
    the hub and each platform by name, and the national nodes' mean and busiest
    (``ncb_mean``, ``ncb_busiest``)."""
    seconds = (log.horizon - log.warmup) * SECONDS_PER_DAY
    asked = searches_asked(log)
    load: dict[str, float | None] = {"hub": asked.get("hub", 0.0) / seconds}
    for name in log.stores:
        if name != "hub":
            load[name] = asked.get(f"platform.{name}", 0.0) / seconds
    nodes = np.array([asked.get(f"ncb.{code}", 0.0) for code in log.world.codes]) / seconds
    load["ncb_mean"] = float(nodes.mean()) if nodes.size else None
    load["ncb_busiest"] = float(nodes.max()) if nodes.size else None
    return load
