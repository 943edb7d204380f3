"""Fragmented (today's status quo): each record is keyed by hand into every system the NCB uses.

Global records go to the hub and to each of the owner's platforms, regional ones to its
platforms only. Each system is a separate manual entry: entered at all with
``entry_probability``, each later update or deletion also made there with
``update_probability``, after a manual delay. Platforms and hub never synchronise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.architectures.base import Strategy, View
from sim.architectures.hybrid import consulting_platforms_and_hub
from sim.config.schema import Fragmented as FragmentedSpec
from sim.engine.dists import HOURS, Sampler
from sim.world import GLOBAL, REGIONAL

if TYPE_CHECKING:
    from sim.model import DataSharingModel


class Fragmented(Strategy):
    kind = "fragmented"

    def __init__(self, model: DataSharingModel, spec: FragmentedSpec) -> None:
        super().__init__(model)
        self.spec = spec
        n_systems = 1 + len(self.platforms)
        entry_p = np.array(
            [spec.entry_probability.hub] + [spec.entry_probability.platform] * len(self.platforms)
        )
        draws = model.streams.get("fragmented.entry").random(
            (self.source.n_records, n_systems), dtype=np.float32
        )
        self.entered = draws < entry_p
        self.update_rng = model.streams.get("fragmented.update")
        self.delay_rng = model.streams.get("fragmented.delay")
        self.entry_delay = {
            "hub": Sampler(spec.entry_delay_hours.hub, HOURS),
            "platform": Sampler(spec.entry_delay_hours.platform, HOURS),
        }

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        shared = self._shared(idx)
        idx, t_send = idx[shared], t_send[shared]
        rec = self.source.change_rec[idx]
        scope = self.source.sharing[rec]
        members = self.world.membership[self.source.owner[rec]]
        self._key_in(0, "hub", "ncb_to_hub", self.hub, idx, t_send, scope == GLOBAL)
        for p, store in enumerate(self.platforms):
            wanted = members[:, p] & ((scope == GLOBAL) | (scope == REGIONAL))
            self._key_in(1 + p, "platform", "ncb_to_platform", store, idx, t_send, wanted)

    def _key_in(self, system: int, kind: str, link: str, store, idx, t_send, wanted) -> None:
        """Key the wanted changes into one system, with its omissions and manual delay."""
        idx, t_send = idx[wanted], t_send[wanted]
        if idx.size == 0:
            return
        rec = self.source.change_rec[idx]
        entered = self.entered[rec, system]
        is_update = self.source.change_version[idx] > 0
        p_update = getattr(self.spec.update_probability, kind)
        made = self.update_rng.random(idx.size) < p_update
        keyed = entered & (~is_update | made)
        self._drop(f"not_entered_{kind}", int((~entered).sum()))
        self._drop(f"update_not_made_{kind}", int((entered & is_update & ~made).sum()))
        delay = self.entry_delay[kind]
        t = t_send[keyed]
        if not delay.is_zero:
            t = t + delay.draw(self.delay_rng, t.size)
        self._send(link, store, idx[keyed], t)

    def views(self) -> list[View]:
        return consulting_platforms_and_hub(self.world)

    def destined(self, store: str) -> np.ndarray:
        scope = self.source.sharing
        if store == "hub":
            return scope == GLOBAL
        member = self.world.membership[self.source.owner, self.world.platforms.index(store)]
        return member & ((scope == GLOBAL) | (scope == REGIONAL))
