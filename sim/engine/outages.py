"""Up/down schedules of a node: alternating exponential up and down periods.

The whole schedule is drawn once, from the node's own substream, so that a change arriving at
any time can be held until the node is up with one ``searchsorted`` (no process per change).
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import OutageSpec


class Availability:
    """Down windows ``[start_i, end_i)``, sorted and disjoint, over ``[0, horizon]``."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts = np.asarray(starts, dtype=float)
        self.ends = np.asarray(ends, dtype=float)

    @classmethod
    def always_up(cls) -> Availability:
        return cls(np.empty(0), np.empty(0))

    @classmethod
    def draw(
        cls, spec: OutageSpec | None, horizon: float, rng: np.random.Generator
    ) -> Availability:
        """Alternate Exp(mtbf) up and Exp(mttr) down periods from time 0 (starting up)."""
        if spec is None:
            return cls.always_up()
        mtbf, mttr = spec.mtbf_days, spec.mttr_hours / 24.0
        starts: list[float] = []
        ends: list[float] = []
        t = 0.0
        while True:
            t += rng.exponential(mtbf)
            if t >= horizon:
                break
            down = rng.exponential(mttr)
            starts.append(t)
            ends.append(t + down)
            t += down
        return cls(np.array(starts), np.array(ends))

    @property
    def has_outages(self) -> bool:
        return self.starts.size > 0

    def is_up(self, t: np.ndarray) -> np.ndarray:
        """True where ``t`` falls outside every down window."""
        t = np.asarray(t, dtype=float)
        if not self.has_outages:
            return np.ones(t.shape, dtype=bool)
        i = np.searchsorted(self.starts, t, side="right") - 1
        inside = (i >= 0) & (t < self.ends[np.maximum(i, 0)])
        return ~inside

    def next_up(self, t: np.ndarray) -> np.ndarray:
        """``t`` itself when up, else the end of the down window containing it."""
        t = np.asarray(t, dtype=float)
        if not self.has_outages:
            return t
        i = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = (i >= 0) & (t < self.ends[safe])
        return np.where(inside, self.ends[safe], t)

    def down_time(self, a: float, b: float) -> float:
        """Total down time inside ``[a, b)``."""
        if not self.has_outages:
            return 0.0
        lo = np.clip(self.starts, a, b)
        hi = np.clip(self.ends, a, b)
        return float(np.sum(hi - lo))
