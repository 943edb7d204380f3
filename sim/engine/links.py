"""Link classes: the delay a record change or a query message takes to cross them."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Link as LinkSpec
from sim.engine.dists import HOURS, SECONDS, Sampler


class Link:
    """One link class (``ncb_to_hub``...), shared by every pair of nodes it joins.

    It counts what it carries (one message per change, two per query: request and answer), at
    real volume, so that load is reported per link class.
    """

    def __init__(
        self,
        name: str,
        spec: LinkSpec,
        rng: np.random.Generator,
        change_weight: float = 1.0,
        query_weight: float = 1.0,
    ) -> None:
        """``change_weight``, ``query_weight``: real changes (searches) one simulated change
        (search) stands for, 1 / their sample fraction."""
        self.name = name
        self.change_weight = change_weight
        self.query_weight = query_weight
        self.change_delay = Sampler(spec.delay_hours, HOURS)
        self.query_delay = Sampler(spec.query_delay_seconds, SECONDS)
        self.rng = rng
        self.changes_sent = 0
        self._messages: list[tuple[np.ndarray, float]] = []

    def carry_changes(self, t: np.ndarray) -> np.ndarray:
        """Arrival times of changes sent at ``t``."""
        self.changes_sent += int(t.size)
        self._messages.append((t, self.change_weight))
        if self.change_delay.is_zero:
            return t.copy()
        return t + self.change_delay.draw(self.rng, t.size)

    def query_round_trip(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Delays out and back for queries sent at ``t``."""
        self._messages.append((t, 2 * self.query_weight))
        return self.query_delays(t.size), self.query_delays(t.size)

    def query_delays(self, n: int) -> np.ndarray:
        if self.query_delay.is_zero:
            return np.zeros(n)
        return self.query_delay.draw(self.rng, n)

    def count_broadcast(self, t: np.ndarray, fanout: int) -> None:
        """Count the messages of queries sent at ``t``, each fanned out to ``fanout`` nodes."""
        self._messages.append((t, 2 * fanout * self.query_weight))

    def messages_per_day(self, n_days: int) -> np.ndarray:
        """Messages that left on each day ``0 .. n_days - 1``."""
        counts = np.zeros(n_days)
        for t, weight in self._messages:
            day = np.floor(t).astype(np.int64)
            keep = (day >= 0) & (day < n_days)
            counts += weight * np.bincount(day[keep], minlength=n_days)[:n_days]
        return counts
