"""Link classes: the delay a record change or a query message takes to cross them."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Link as LinkSpec
from sim.engine.dists import HOURS, SECONDS, Sampler


class Link:
    """One link (a plan profile's ``link``: by default a whole link class, ``ncb_to_hub``...),
    shared by every pair of nodes whose messages travel over it.

    It counts what it carries (one message per change, two per query: request and answer), at
    real volume, so that load is reported per link class (``klass``).
    """

    def __init__(
        self,
        name: str,
        spec: LinkSpec,
        rng: np.random.Generator,
        change_weight: float = 1.0,
        query_weight: float = 1.0,
        klass: str | None = None,
    ) -> None:
        """``change_weight``, ``query_weight``: real changes (searches) one simulated change
        (search) stands for, 1 / their sample fraction; ``klass``: the link class its messages
        are counted under (its own name by default)."""
        self.name = name
        self.klass = name if klass is None else klass
        self.change_weight = change_weight
        self.query_weight = query_weight
        self.change_delay = Sampler(spec.delay_hours, HOURS)
        self.query_delay = Sampler(spec.query_delay_seconds, SECONDS)
        self.rng = rng
        self.changes_sent = 0
        self._messages: list[tuple[np.ndarray, float, np.ndarray | None]] = []
        self._cache: tuple[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        """(send times, messages each at real volume, record kind of each change or None for
        searches); a change of no known kind has kind -1."""

    def carry_changes(self, t: np.ndarray, kind: np.ndarray | None = None) -> np.ndarray:
        """Arrival times of changes sent at ``t``; ``kind``: each change's record kind (what
        the bandwidth metrics size it by), unknown when None."""
        self.count_changes(t, kind)
        return t + self.change_delays(t.size)

    def change_delays(self, n: int) -> np.ndarray:
        """Delays of ``n`` changes, drawn before it is known when they leave (relays)."""
        if self.change_delay.is_zero:
            return np.zeros(n)
        return self.change_delay.draw(self.rng, n)

    def count_changes(self, t: np.ndarray, kind: np.ndarray | None = None) -> None:
        """Count changes sent at ``t`` of record kinds ``kind`` (unknown when None)."""
        self.changes_sent += int(t.size)
        kinds = np.full(t.size, -1, dtype=np.int64) if kind is None else np.asarray(kind)
        self._messages.append((t, self.change_weight, kinds))

    def query_round_trip(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Delays out and back for queries sent at ``t``."""
        self._messages.append((t, 2 * self.query_weight, None))
        return self.query_delays(t.size), self.query_delays(t.size)

    def query_round_trips(self, t: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``query_round_trip`` of consecutive groups of the queries sent at ``t`` (``sizes``
        of them each), group after group, in one draw: each group's delays out then back,
        the values that calls group by group would draw."""
        self._messages.append((t, 2 * self.query_weight, None))
        drawn = self.query_delays(2 * t.size)
        start = np.repeat(np.cumsum(sizes) - sizes, sizes)
        out = start + np.arange(t.size)  # 2 start + (i - start): the group's first half
        return drawn[out], drawn[out + np.repeat(sizes, sizes)]

    def query_delays(self, n: int) -> np.ndarray:
        if self.query_delay.is_zero:
            return np.zeros(n)
        return self.query_delay.draw(self.rng, n)

    def count_broadcast(self, t: np.ndarray, fanout: int) -> None:
        """Count the messages of queries sent at ``t``, each fanned out to ``fanout`` nodes."""
        self._messages.append((t, 2 * fanout * self.query_weight, None))

    def messages_per_day(self, n_days: int) -> np.ndarray:
        """Messages that left on each day ``0 .. n_days - 1``."""
        counts, weights, _ = self._tallied(n_days)
        return counts.sum(axis=0) @ weights

    def changes_by_kind(self, n_days: int, n_kinds: int) -> np.ndarray:
        """[kind, day]: record changes that left on each day at real volume, by their record's
        kind; the last row (``n_kinds``) holds changes of no known kind."""
        counts, weights, searches = self._tallied(n_days)
        by_row = counts[:, :, ~searches] @ weights[~searches]  # kinds, no kind, searches
        out = np.zeros((n_kinds + 1, n_days))
        known = min(n_kinds, by_row.shape[0] - 2)
        out[:known] = by_row[:known]
        out[n_kinds] = by_row[-2]
        return out

    def searches_per_day(self, n_days: int) -> np.ndarray:
        """Searches (a request and its answer: two messages) that left on each day at real
        volume."""
        counts, weights, searches = self._tallied(n_days)
        return counts.sum(axis=0)[:, searches] @ (weights[searches] / 2)

    def _tallied(self, n_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_tally`` over every kind sent, computed once per run (after its last message)."""
        key = (n_days, len(self._messages))
        if self._cache is None or self._cache[0] != key:
            kinds = [int(k.max()) + 1 for _, _, k in self._messages if k is not None and k.size]
            self._cache = (key, self._tally(n_days, max(kinds, default=0)))
        return self._cache[1]

    def _tally(self, n_days: int, n_kinds: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Messages counted once over every batch sent: ``counts[row, day, w]`` the items of
        weight ``weights[w]`` (real messages each) that left on ``day``, rows the record kinds
        (then one for no known kind, one for searches), and which weights are searches'. The
        counts are whole numbers, so the totals do not depend on the order of the batches."""
        keys = sorted({(weight, kind is None) for _, weight, kind in self._messages})
        index = {key: i for i, key in enumerate(keys)}
        rows, n_weights = n_kinds + 2, max(len(keys), 1)
        times, row_of, weight_of = [], [], []
        for t, weight, kind in self._messages:
            times.append(t)
            if kind is None:
                row_of.append(np.full(t.size, rows - 1))
            else:
                row_of.append(np.where(kind < 0, n_kinds, np.minimum(kind, n_kinds)))
            weight_of.append(np.full(t.size, index[(weight, kind is None)]))
        counts = np.zeros((rows, n_days, n_weights))
        if times:
            day = np.floor(np.concatenate(times)).astype(np.int64)
            keep = (day >= 0) & (day < n_days)
            row, w = np.concatenate(row_of)[keep], np.concatenate(weight_of)[keep]
            flat = (row * n_days + day[keep]) * n_weights + w
            counts = np.bincount(flat, minlength=counts.size).astype(float).reshape(counts.shape)
        weights = np.array([weight for weight, _ in keys] or [0.0])
        searches = np.array([search for _, search in keys] or [False])
        return counts, weights, searches


def per_day(t: np.ndarray, n_days: int) -> np.ndarray:
    """How many of the times fall on each day ``0 .. n_days - 1``."""
    day = np.floor(t).astype(np.int64)
    keep = (day >= 0) & (day < n_days)
    return np.bincount(day[keep], minlength=n_days)[:n_days].astype(float)
