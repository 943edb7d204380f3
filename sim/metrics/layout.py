"""Where the record metrics count: groups of records, rows of queriers, and the time grid.

Records are counted in groups g = (owner, scope, kind), queriers in rows (querier, kind); the
integrals are taken at a grid of time points that always holds every measured day's edges.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from sim.engine.outages import Availability
from sim.log import RunLog

RETURNED = ("vis", "vis_act", "ghost", "stale", "stale_any", "conflict")
"""The quantities that count what a query returns (see ``sim.metrics.visibility``)."""


@functools.cache
def blas_libraries() -> ThreadpoolController:
    """The BLAS libraries this process loaded, found once: finding them reads the memory map of
    every loaded library (2 ms a time; a robustness world projects 750 times)."""
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which BLAS runs on one thread (see ``Layout.project``)."""
    return blas_libraries().limit(limits=1, user_api="blas")


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

    def owner_weights(
        self, ent: np.ndarray, queriers: np.ndarray, owners: np.ndarray | None = None
    ) -> np.ndarray:
        """E[q, (o, s)] = ent[s, q, o] (0 for an owner not in ``owners``): which owners' records
        of which scope each querier may see."""
        per_owner = np.transpose(ent[:, queriers, :], (1, 2, 0)).astype(float)  # q, o, s
        if owners is not None:
            keep = np.zeros(self.n_countries, dtype=bool)
            keep[owners] = True
            per_owner = per_owner * keep[None, :, None]
        return np.ascontiguousarray(per_owner.reshape(queriers.size, -1))

    def project(
        self,
        ent: np.ndarray,
        queriers: np.ndarray,
        values: np.ndarray,
        kinds: np.ndarray | None = None,
        owners: np.ndarray | None = None,
    ) -> np.ndarray:
        """Row (q, k), point p: the sum over the owners and scopes q may see of ``values[(o, s,
        k), p]`` (only kinds ``kinds`` and owners ``owners``, all by default). Records of one
        kind count only for that kind, so the sum is one matrix product per kind (a tenth of
        the work of the whole projection, most of it zeros), on one BLAS thread: the products
        are many and small, and a busy machine made threaded BLAS up to ten times slower."""
        weights = self.owner_weights(ent, queriers, owners)
        by_kind = values.reshape(self.n_countries * self.n_scopes, self.n_kinds, -1)
        out = np.zeros((queriers.size, self.n_kinds, values.shape[-1]))
        wanted = range(self.n_kinds) if kinds is None else kinds
        with one_blas_thread():
            for k in wanted:
                out[:, k] = weights @ by_kind[:, k]
        return out.reshape(queriers.size * self.n_kinds, -1)

    def projection(
        self,
        ent: np.ndarray,
        queriers: np.ndarray,
        kinds: np.ndarray | None = None,
        owners: np.ndarray | None = None,
    ) -> np.ndarray:
        """P[(q, k), (o, s, k')] = ent[s, q, o] if k == k' (and k is one of ``kinds``, o one of
        ``owners``, all by default): ``project`` as a matrix, for the small products."""
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

    @property
    def numbers(self) -> np.ndarray:
        """Each metric day's number (the first may start at a fractional warm-up's end)."""
        return np.floor(self.day_lo).astype(np.int64)

    @property
    def first(self) -> int:
        """The first metric day's number."""
        return int(self.numbers[0])
