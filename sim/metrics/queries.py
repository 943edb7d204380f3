"""What the sampled searches say: whether each was answered, how much of what it asked came
back by the deadline, how long it took, and the load searches put on each store and national
node at real volume.

A search asks one or more systems and uses every answer back within the deadline, as real
federated searches do; it is answered at all when the architecture's rule says so
(``Strategy.answered``: at least one of the systems asked, in every architecture here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


def query_metrics(counts: Mapping[str, float], latency: np.ndarray) -> dict[str, float | None]:
    """Availability over every search counted (a search its own node could not send is not
    answered); answer share and timeouts over the searches sent; latency over the searches
    answered, whose latencies ``latency`` are (the percentiles need the searches
    themselves; the rest are :func:`query_ratios` of counts, which add over days)."""
    ratios = query_ratios(counts)
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


@dataclass(frozen=True)
class QueryCells:
    """:data:`QUERY_COUNTS` per (querier region, subject kind, day of the window), counted in
    one pass over the searches. The world's, a region's or a kind's daily counts and window
    sums are sums of cells, so the breakdowns do not each read every search again."""

    counts: dict[str, np.ndarray]
    """Name -> [region, kind, day]."""
    region: np.ndarray
    """Per search of the table, its querier's region."""

    def by_day(self, region: int | None = None, kind: int | None = None) -> dict[str, np.ndarray]:
        """Each day's counts of the queriers of ``region`` asking of ``kind`` (None: all)."""
        return {name: _cells(v, region, kind).sum(axis=(0, 1)) for name, v in self.counts.items()}

    def totals(self, region: int | None = None, kind: int | None = None) -> dict[str, float]:
        """The window's counts of the queriers of ``region`` asking of ``kind`` (None: all)."""
        return {name: float(_cells(v, region, kind).sum()) for name, v in self.counts.items()}


def _cells(values: np.ndarray, region: int | None, kind: int | None) -> np.ndarray:
    regions = slice(None) if region is None else slice(region, region + 1)
    kinds = slice(None) if kind is None else slice(kind, kind + 1)
    return values[regions, kinds]


def query_cells(
    table: dict[str, np.ndarray], region_of: np.ndarray, n_kinds: int, first_day: int, n_days: int
) -> QueryCells:
    """The counts of the searches of ``table`` per cell: region of the querier (``region_of``
    its country's), kind, day ``first_day + i`` (``i < n_days``)."""
    region = region_of[table["querier"]]
    n_regions = int(region_of.max()) + 1 if region_of.size else 0
    cell = (region * n_kinds + table["kind"]) * n_days + (table["day"] - first_day)
    shape = (n_regions, n_kinds, n_days)
    sent, answered = table["sent"], table["answered"]
    share = table["answer_share"]
    has_share = sent & ~np.isnan(share)

    def count(select: np.ndarray | None, weights: np.ndarray | None = None) -> np.ndarray:
        cells = cell if select is None else cell[select]
        w = weights if weights is None or select is None else weights[select]
        n = np.bincount(cells, weights=w, minlength=shape[0] * shape[1] * shape[2])
        return n.astype(float).reshape(shape)

    counts = {
        "queries": count(None),
        "queries_answered": count(answered),
        "queries_sent": count(sent),
        "queries_timed_out": count(sent & table["timeout"]),
        "answer_share_sum": count(has_share, share),
        "answer_share_n": count(has_share),
        "latency_sum_seconds": count(answered, table["latency"]),
        "latency_n": count(answered),
    }
    return QueryCells(counts, region)


def daily_quantiles(
    values: np.ndarray, day: np.ndarray, groups: list[np.ndarray], n_days: int, qs: list[float]
) -> list[np.ndarray]:
    """Per group (a mask over ``values``), the ``qs`` quantiles of each day's values that are
    not NaN (``day`` in ``[0, n_days)``), interpolated linearly as ``np.percentile`` and
    pandas' groupby quantile do: ``[len(qs), n_days]``, NaN on a day without values. Each
    day's order statistics come from a partition, not a sort."""
    narrow = np.int16 if n_days < 2**15 else np.int64  # 16 bits: numpy sorts them by radix
    by_day = np.argsort(day.astype(narrow), kind="stable")
    valid = ~np.isnan(values)
    out = []
    for group in groups:
        rows = by_day[(group & valid)[by_day]]
        ends = np.cumsum(np.bincount(day[rows], minlength=n_days))
        out.append(_quantiles_per_day(values[rows], ends, np.asarray(qs, dtype=float)))
    return out


def _quantiles_per_day(v: np.ndarray, ends: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """The ``qs`` quantiles ([q, day]) of each day's values, ``v[ends[i-1]:ends[i]]``."""
    out = np.full((qs.size, ends.size), np.nan)
    start = 0
    for i, end in enumerate(ends.tolist()):
        n = end - start
        if n:
            h = (n - 1) * qs
            lo = np.floor(h).astype(np.int64)
            hi = np.minimum(lo + 1, n - 1)
            part = np.partition(v[start:end], np.concatenate((lo, hi)))
            low, frac = part[lo], h - lo
            out[:, i] = np.where(frac > 0, low + (part[hi] - low) * frac, low)
        start = end
    return out


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
    n = log.world.n_countries
    fanned = np.zeros(n)  # per node: the broadcasts of every other country (whole numbers)
    reached = np.zeros(n, dtype=bool)
    for qid, nodes in q.broadcast:
        broadcast = qid[in_window[qid]]
        if broadcast.size == 0:
            continue
        others = broadcast.size - np.bincount(q.querier[broadcast], minlength=n)
        asked = np.ones(n, dtype=bool) if nodes is None else np.asarray(nodes, dtype=bool)
        fanned[asked] += others[asked]
        reached |= asked
    for i in np.flatnonzero(reached):
        name = f"ncb.{log.world.codes[i]}"
        counts[name] = counts.get(name, 0.0) + float(fanned[i])
    return {name: count * q.weight for name, count in counts.items()}


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
