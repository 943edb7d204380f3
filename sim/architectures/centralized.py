"""Centralized: every NCB sends every shareable change to the global hub; queries ask the hub."""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Strategy
from sim.config.schema import Reluctance
from sim.engine.store import Store
from sim.log import View
from sim.world import NATIONAL


class Centralized(Strategy):
    kind = "centralized"

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        shared = self._shared(idx)
        self._send("ncb_to_hub", self.hub, idx[shared], t_send[shared])

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.centralized

    def views(self) -> list[View]:
        return [View(np.arange(self.world.n_countries), ("hub",))]

    def destined(self, store: str) -> np.ndarray:
        return self.source.sharing != NATIONAL

    def active_stores(self) -> list[Store]:
        return [self.hub]
