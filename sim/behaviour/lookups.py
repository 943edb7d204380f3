"""What an NCB's own lookups return, channel by channel: the experience its trust learns from.

Every query checks one subject, a record drawn among those created in the last
``memory_days``, in each channel the querier consults, against what the owner holds now. An
answer is stale when it misses the owner's latest material update (an administrative one, a
corrected detail or an extension, changes nothing the officer does).
"""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Channel
from sim.config.schema import Trust
from sim.engine.outages import Availability
from sim.engine.store import Store
from sim.records import SourceRecords
from sim.world import WorldIndex

OUTCOMES = ("ghost", "stale", "timeout", "correct")

State = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(the channel shows the subject, the version it shows, the channel answered)."""


class Lookups:
    """The versions the source and each channel's store show now, and lookups against them."""

    def __init__(
        self,
        spec: Trust,
        records: SourceRecords,
        world: WorldIndex,
        channels: list[Channel],
        nodes: list[Availability],
        rng: np.random.Generator,
    ) -> None:
        """``records``: the records as amended so far; ``nodes``: each owner's node."""
        self.spec = spec
        self.records = records
        self.world = world
        self.channels = channels
        self.nodes = nodes
        self.rng = rng
        self.source_now = np.full(records.n_records, -1, dtype=np.int64)
        self.material_now = np.full(records.n_records, -1, dtype=np.int64)
        """The owner's latest material version: an answer older than it is stale."""
        self.store_now: dict[str, np.ndarray] = {}
        for channel in channels:
            if channel.store is not None:
                self.store_now[channel.store.name] = self._watched(channel.store)

    def _watched(self, store: Store) -> np.ndarray:
        """The newest version ``store`` has applied of each record, kept up to date."""
        current = np.full(self.records.n_records, -1, dtype=np.int64)

        def applied(rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
            np.maximum.at(current, rec, version)

        store.listeners.append(applied)
        return current

    def source_changed(self, rows: np.ndarray) -> None:
        """The owners made these changes (whether or not they left their country)."""
        src = self.records
        np.maximum.at(self.source_now, src.change_rec[rows], src.change_version[rows])
        material = rows[src.change_material[rows]]
        np.maximum.at(self.material_now, src.change_rec[material], src.change_version[material])

    def outcomes(self, day: int, querier: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Outcome counts [country, channel] of one lookup per query in each channel the
        querier consults."""
        src = self.records
        n = self.world.n_countries
        counts = {name: np.zeros((n, len(self.channels))) for name in OUTCOMES}
        lo, hi = np.searchsorted(src.created, [day - self.spec.memory_days, day])
        if hi <= lo or querier.size == 0:
            return counts
        subject = self.rng.integers(lo, hi, size=querier.size)
        owner = src.owner[subject]
        ent = self.world.entitlement()[src.scope[subject], querier, owner]
        source_version = self.source_now[subject]
        material_version = self.material_now[subject]
        deleted = src.is_deletion(subject, source_version)
        for c, channel in enumerate(self.channels):
            asks = ent & channel.consulted[querier]
            shown, version, up = self._state(channel, subject, owner, t, deleted)
            answered = asks & up & shown
            outcome = {
                "timeout": asks & ~up,
                "ghost": answered & deleted,
                "stale": answered & ~deleted & (version < material_version),
                "correct": answered & ~deleted & (version >= material_version),
            }
            for name, mask in outcome.items():
                np.add.at(counts[name][:, c], querier[mask], 1.0)
        return counts

    def _state(
        self,
        channel: Channel,
        subject: np.ndarray,
        owner: np.ndarray,
        t: np.ndarray,
        deleted: np.ndarray,
    ) -> State:
        if channel.store is None:
            return self._owners_state(channel, subject, owner, t, deleted)
        version = self.store_now[channel.store.name][subject]
        tombstone = self.records.is_deletion(subject, version)
        return (version >= 0) & ~tombstone, version, channel.store.availability.is_up(t)

    def _owners_state(
        self,
        channel: Channel,
        subject: np.ndarray,
        owner: np.ndarray,
        t: np.ndarray,
        deleted: np.ndarray,
    ) -> State:
        """The owner answers from its own system, if it (and the channel's gates) is up."""
        up = np.ones(subject.size, dtype=bool)
        for o in np.unique(owner):
            mine = owner == o
            up[mine] = self.nodes[o].is_up(t[mine])
        for gate in channel.gates:
            up &= gate.availability.is_up(t)
        version = self.source_now[subject]
        return (version >= 0) & ~deleted, version, up
