"""Whom a search is about, where an architecture needs to know (a cache keyed by subject): a
record its querier may see, active when the search is made, of the search's kind, owned by
another NCB; or none (the subject is on no other NCB's record).

Drawn only when an architecture asks, from a stream of its own (``queries.subject``), so that
nothing else a run draws depends on it.
"""

from __future__ import annotations

import numpy as np

from sim.records import SourceRecords
from sim.world import NATIONAL, WorldIndex

ROUNDS = 64
"""Tries per search to find an active record by rejection: a search left without one after
them (a kind with almost no record active at the time) has no subject."""


def draw_subjects(
    time: np.ndarray,
    querier: np.ndarray,
    kind: np.ndarray,
    on_record: np.ndarray,
    source: SourceRecords,
    world: WorldIndex,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per search (made at ``time`` by ``querier``, about a subject of ``kind``), its subject
    record, or -1: with the kind's ``on_record`` share, a record drawn uniformly among those
    the querier may see that are active at ``time``, of that kind and another NCB's."""
    subject = np.full(time.size, -1, dtype=np.int64)
    on = rng.random(time.size) < on_record[kind]
    ent = world.entitlement()
    for k in np.unique(kind[on]):
        searches = np.flatnonzero(on & (kind == k))
        mine = np.flatnonzero((source.kind == k) & (source.sharing != NATIONAL))
        mine = mine[np.argsort(source.created[mine], kind="stable")]
        subject[searches] = _uniform_active(
            time[searches], querier[searches], mine, source, ent, rng
        )
    return subject


def _uniform_active(
    time: np.ndarray,
    querier: np.ndarray,
    records: np.ndarray,
    source: SourceRecords,
    ent: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One record per search, uniform among ``records`` (ascending creation) that are active
    at its time and that its querier may see: a uniform draw among those created by then,
    kept if it qualifies (rejection keeps the draw uniform among those that do)."""
    out = np.full(time.size, -1, dtype=np.int64)
    created = np.searchsorted(source.created[records], time, side="right")
    left = np.flatnonzero(created > 0)
    for _ in range(ROUNDS):
        if left.size == 0:
            break
        pick = records[(rng.random(left.size) * created[left]).astype(np.int64)]
        t, q = time[left], querier[left]
        ok = (source.deleted[pick] > t) & ent[source.scope[pick], q, source.owner[pick]]
        out[left[ok]] = pick[ok]
        left = left[~ok]
    return out


class Subjects:
    """The sampled searches' subjects, drawn the first time an architecture asks."""

    def __init__(
        self,
        time: np.ndarray,
        querier: np.ndarray,
        kind: np.ndarray,
        on_record: np.ndarray,
        source: SourceRecords,
        world: WorldIndex,
        rng: np.random.Generator,
    ) -> None:
        """``source``: the records as planned (with behaviour on, a record that lapses early
        may still be drawn as the subject of a search after its lapse)."""
        self._args = (time, querier, kind, on_record, source, world, rng)
        self.drawn: np.ndarray | None = None
        """Per search, its subject record (-1: none); None until asked."""

    def __call__(self) -> np.ndarray:
        if self.drawn is None:
            self.drawn = draw_subjects(*self._args)
        return self.drawn
