"""Fragmented (today's status quo): each record is keyed by hand into every system the NCB uses.

Global records go to the hub and to each of the owner's platforms, regional ones to its
platforms only. Each system is a separate manual entry: entered at all with
``entry_probability``, each later update or deletion also made there with
``update_probability``, after a manual delay. Platforms and hub never synchronise.
"""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Context, Strategy
from sim.architectures.hybrid import consulting_platforms_and_hub
from sim.config.schema import Fragmented as FragmentedSpec
from sim.config.schema import Reluctance
from sim.engine.dists import HOURS, Sampler
from sim.log import View
from sim.world import GLOBAL, REGIONAL


class Fragmented(Strategy):
    kind = "fragmented"
    spec: FragmentedSpec

    def __init__(self, context: Context, spec: FragmentedSpec) -> None:
        super().__init__(context, spec)
        self.spec = spec
        n_systems = 1 + len(self.platforms)
        entry_p = np.array(
            [spec.entry_probability.hub] + [spec.entry_probability.platform] * len(self.platforms)
        )
        draws = context.streams.get("fragmented.entry").random(
            (self.source.n_records, n_systems), dtype=np.float32
        )
        self.entered = draws < entry_p
        self.update_rng = context.streams.get("fragmented.update")
        self.delay_rng = context.streams.get("fragmented.delay")
        self._plan: tuple[np.ndarray, list] | None = None
        self.entry_delay = {
            "hub": Sampler(spec.entry_delay_hours.hub, HOURS),
            "platform": Sampler(spec.entry_delay_hours.platform, HOURS),
        }

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        for system, (rows, keyed) in enumerate(self.entry_plan(idx)):
            kind, link = ("hub", "ncb_to_hub") if system == 0 else ("platform", "ncb_to_platform")
            store = self.hub if system == 0 else self.platforms[system - 1]
            delay = self.entry_delay[kind]
            t = t_send[rows[keyed]]
            if not delay.is_zero:
                t = t + delay.draw(self.delay_rng, t.size)
            self._send(link, store, idx[rows[keyed]], t)
        self._plan = None

    def manual_entries(self, idx: np.ndarray) -> np.ndarray:
        """Systems each change is keyed into by hand: the hub and every platform it reaches."""
        count = np.zeros(idx.size, dtype=np.int64)
        for rows, keyed in self.entry_plan(idx):
            np.add.at(count, rows[keyed], 1)
        return count

    def entry_plan(self, idx: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per system (hub first, then each platform): the positions in ``idx`` of the changes
        meant for it, and whether each is actually keyed there. Drawn once per batch, so that
        counting the work and sending the changes agree."""
        if self._plan is not None and self._plan[0] is idx:
            return self._plan[1]
        rec = self.source.change_rec[idx]
        scope = self.source.sharing[rec]
        members = self.world.membership[self.source.owner[rec]]
        wanted = [scope == GLOBAL] + [
            members[:, p] & ((scope == GLOBAL) | (scope == REGIONAL))
            for p in range(len(self.platforms))
        ]
        plan = [self._keyed(system, idx, np.flatnonzero(w)) for system, w in enumerate(wanted)]
        self._plan = (idx, plan)
        return plan

    def _keyed(
        self, system: int, idx: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which of the changes meant for one system are keyed there (with the omissions)."""
        kind = "hub" if system == 0 else "platform"
        if rows.size == 0:
            return rows, np.zeros(0, dtype=bool)
        entered = self.entered[self.source.change_rec[idx[rows]], system]
        is_update = self.source.change_version[idx[rows]] > 0
        made = self.update_rng.random(rows.size) < getattr(self.spec.update_probability, kind)
        self._drop(f"not_entered_{kind}", int((~entered).sum()))
        self._drop(f"update_not_made_{kind}", int((entered & is_update & ~made).sum()))
        return rows, entered & (~is_update | made)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.fragmented

    def views(self) -> list[View]:
        return consulting_platforms_and_hub(self.world)

    def destined(self, store: str) -> np.ndarray:
        scope = self.source.sharing
        if store == "hub":
            return scope == GLOBAL
        member = self.world.membership[self.source.owner, self.world.platforms.index(store)]
        return member & ((scope == GLOBAL) | (scope == REGIONAL))
