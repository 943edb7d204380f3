"""What the sampled searches say: whether each was answered, how much of what it asked came
back by the deadline, how long it took, and the load searches put on each store and national
node at real volume.

A search asks one or more systems and uses every answer back within the deadline, as real
federated searches do; it is answered at all when the architecture's rule says so
(``Strategy.answered``: at least one of the systems asked, in every architecture here).
"""

from __future__ import annotations

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
    searches answered."""
    sent = table["sent"] & mask
    latency = table["latency"][table["answered"] & mask]
    share = table["answer_share"][sent]
    share = share[~np.isnan(share)]
    n = int(mask.sum())
    return {
        "query_latency_mean_seconds": float(latency.mean()) if latency.size else None,
        "query_latency_p50_seconds": float(np.percentile(latency, 50)) if latency.size else None,
        "query_latency_p95_seconds": float(np.percentile(latency, 95)) if latency.size else None,
        "query_availability": float(table["answered"][mask].mean()) if n else None,
        "answer_share_mean": float(share.mean()) if share.size else None,
        "query_timeout_share": float(table["timeout"][sent].mean()) if sent.any() else None,
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
