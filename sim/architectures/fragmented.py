"""Fragmented (today's status quo): each record is keyed by hand into every system the NCB uses.

Global records go to the hub and to each of the owner's platforms, regional ones to its
platforms only. Each system is a separate manual entry: entered at all with
``entry_probability``, each later update or deletion also made there with
``update_probability``, after a manual delay. Platforms and hub never synchronise.

Whether a record is entered in a system, and whether each of its changes is also made there,
is drawn once up front (per record, per change), so that the staff hours billed for a change
and the change sent always agree, however often they are asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.architectures.base import Context, Strategy
from sim.architectures.hybrid import consulting_platforms_and_hub
from sim.config.schema import Fragmented as FragmentedSpec
from sim.config.schema import Reluctance
from sim.engine.dists import HOURS, Sampler
from sim.log import View
from sim.records import day_bounds
from sim.world import GLOBAL, REGIONAL


@dataclass(frozen=True)
class Keying:
    """The changes of a batch meant for one system (positions in the batch), and what
    became of them there."""

    rows: np.ndarray
    entered: np.ndarray
    """The record was keyed into the system at all."""
    keyed: np.ndarray
    """The change itself is made there (a creation of an entered record, or an update or
    deletion also made there)."""


class Fragmented(Strategy):
    kind = "fragmented"
    misses_deletions = True
    spec: FragmentedSpec

    def __init__(self, context: Context, spec: FragmentedSpec) -> None:
        super().__init__(context, spec)
        n_platforms = len(self.platforms)
        entry_p = np.array(
            [spec.entry_probability.hub] + [spec.entry_probability.platform] * n_platforms
        )
        draws = context.streams.get("fragmented.entry").random(
            (self.source.n_records, 1 + n_platforms), dtype=np.float32
        )
        self.entered = draws < entry_p
        """[record, system]: the record is keyed into the system (hub first, then platforms)."""
        self.made = self._updates_made(context)
        """[change, system]: were it an update or deletion, it is also made in the system."""
        self.delay_rng = context.streams.get("fragmented.delay")
        self.entry_delay = {
            "hub": Sampler(spec.entry_delay_hours.hub, HOURS),
            "platform": Sampler(spec.entry_delay_hours.platform, HOURS),
        }

    def _updates_made(self, context: Context) -> np.ndarray:
        """One draw per change and system meant for it, day by day and, within a day, system
        by system: the order in which the daily batches used them, so that a seed keeps its
        numbers."""
        rng = context.streams.get("fragmented.update")
        p = np.array(
            [self.spec.update_probability.hub]
            + [self.spec.update_probability.platform] * len(self.platforms)
        )
        wanted = self._wanted(np.arange(self.source.n_changes))
        made = np.zeros(wanted.shape, dtype=bool)
        bounds = day_bounds(self.source.change_time, context.n_days)
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            day_wanted = wanted[lo:hi].T  # system by system
            day_made = made[lo:hi].T  # a view: assigning to it fills ``made``
            count = day_wanted.sum(axis=1)
            day_made[day_wanted] = rng.random(int(count.sum())) < np.repeat(p, count)
        return made

    def _wanted(self, idx: np.ndarray) -> np.ndarray:
        """[change, system]: the system is meant to hold the change's record (the hub a global
        one, each of the owner's platforms a global or regional one)."""
        rec = self.source.change_rec[idx]
        sharing = self.source.sharing[rec]
        members = self.world.membership[self.source.owner[rec]]
        beyond = (sharing == GLOBAL) | (sharing == REGIONAL)
        return np.column_stack([sharing == GLOBAL, members & beyond[:, None]])

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        for system, keying in enumerate(self.entry_plan(idx)):
            kind, link = ("hub", "ncb_to_hub") if system == 0 else ("platform", "ncb_to_platform")
            store = self.hub if system == 0 else self.platforms[system - 1]
            self._drop(f"not_entered_{kind}", int((~keying.entered).sum()))
            self._drop(f"update_not_made_{kind}", int((keying.entered & ~keying.keyed).sum()))
            rows = keying.rows[keying.keyed]
            t = t_send[rows]
            delay = self.entry_delay[kind]
            if not delay.is_zero:
                t = t + delay.draw(self.delay_rng, t.size)
            self._send(link, store, idx[rows], t, by_hand=True)

    def manual_entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change is keyed into by hand: the national entry every architecture
        has, then the hub and every platform it is keyed into as well."""
        count = np.ones(idx.size, dtype=np.int64)
        for keying in self.entry_plan(idx):
            np.add.at(count, keying.rows[keying.keyed], 1)
        return count

    def entry_plan(self, idx: np.ndarray) -> list[Keying]:
        """Per system (hub first, then each platform), what becomes of the changes ``idx``
        meant for it: a pure function of the changes, from the draws made up front."""
        wanted = self._wanted(idx)
        rec = self.source.change_rec[idx]
        is_update = self.source.change_version[idx] > 0
        plan = []
        for system in range(wanted.shape[1]):
            rows = np.flatnonzero(wanted[:, system])
            entered = self.entered[rec[rows], system]
            made = self.made[idx[rows], system]
            plan.append(Keying(rows, entered, entered & (~is_update[rows] | made)))
        return plan

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.fragmented

    def views(self) -> list[View]:
        return consulting_platforms_and_hub(self.world)

    def never_sent(self, store: str) -> np.ndarray:
        """Records not meant for the system, or never keyed into it."""
        system = 0 if store == "hub" else 1 + self.world.platforms.index(store)
        return ~self.destined(store) | ~self.entered[:, system]

    def destined(self, store: str) -> np.ndarray:
        scope = self.source.sharing
        if store == "hub":
            return scope == GLOBAL
        member = self.world.membership[self.source.owner, self.world.platforms.index(store)]
        return member & ((scope == GLOBAL) | (scope == REGIONAL))
