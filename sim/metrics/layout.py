"""Where the record metrics count: groups of records, rows of queriers, and the time grid.

Records are counted in groups g = (owner, scope, kind), queriers in rows (querier, kind); the
integrals are taken at a grid of time points that always holds every measured day's edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.outages import Availability
from sim.log import RunLog

RETURNED = ("vis", "vis_act", "ghost", "stale", "stale_any", "conflict")
"""The quantities that count what a query returns (see ``sim.metrics.visibility``)."""


@dataclass(frozen=True)
class Layout:
    """Records are counted in groups g = (owner, scope, kind); queriers in rows (q, kind)."""

    n_countries: int
    n_scopes: int
    n_kinds: int

    @classmethod
    def of(cls, log: RunLog) -> Layout:
        return cls(log.world.n_countries, log.world.n_scopes, len(log.source.kind_names))

    @property
    def n_groups(self) -> int:
        return self.n_countries * self.n_scopes * self.n_kinds

    def group(self, log: RunLog, rec: np.ndarray) -> np.ndarray:
        src = log.source
        return (src.owner[rec] * self.n_scopes + src.scope[rec]) * self.n_kinds + src.kind[rec]

    def projection(
        self,
        ent: np.ndarray,
        queriers: np.ndarray,
        kinds: np.ndarray | None = None,
        owners: np.ndarray | None = None,
    ) -> np.ndarray:
        """P[(q, k), (o, s, k')] = ent[s, q, o] if k == k' (and k is one of ``kinds``, o one of
        ``owners``, all by default): sums what q may see, kind by kind."""
        per_owner = np.transpose(ent[:, queriers, :], (1, 2, 0))  # q, o, s
        if owners is not None:
            keep_owner = np.zeros(self.n_countries, dtype=bool)
            keep_owner[owners] = True
            per_owner = per_owner * keep_owner[None, :, None]
        eye = np.eye(self.n_kinds)
        if kinds is not None and kinds.size < self.n_kinds:
            keep = np.zeros(self.n_kinds)
            keep[kinds] = 1.0
            eye = eye * keep
        full = per_owner[:, None, :, :, None] * eye[None, :, None, None, :]  # q, k, o, s, k'
        return full.reshape(queriers.size * self.n_kinds, self.n_groups)


def summed(projection: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``projection @ values`` by numpy's own loops, not BLAS: these products are small, and
    threaded BLAS on a busy two-core machine made them up to ten times slower (a one-thread
    BLAS would be about three times faster than this, but its thread count is not ours)."""
    return np.einsum("rg,gp->rp", projection, values)


@dataclass(frozen=True)
class Grid:
    """Sorted time points inside the window, always including every metric day's edges."""

    points: np.ndarray
    day_lo: np.ndarray
    day_hi: np.ndarray

    @classmethod
    def days(cls, log: RunLog) -> Grid:
        first, last = int(np.floor(log.warmup)), int(np.ceil(log.horizon))
        days = np.arange(first, last)
        day_lo = np.maximum(days, log.warmup).astype(float)
        day_hi = np.minimum(days + 1, log.horizon).astype(float)
        return cls(np.unique(np.r_[day_lo, day_hi]), day_lo, day_hi)

    def refined(self, log: RunLog, availabilities: list[Availability]) -> Grid:
        """The same days, with the up/down edges of the given nodes added."""
        cuts = [self.points]
        for availability in availabilities:
            cuts += [availability.starts, availability.ends]
        points = np.unique(np.clip(np.concatenate(cuts), log.warmup, log.horizon))
        return Grid(points, self.day_lo, self.day_hi)

    def index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.points, t)

    @property
    def n_days(self) -> int:
        return self.day_lo.size
