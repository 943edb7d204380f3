"""The global hub: INTERPOL's databases over I-24/7, one store for the whole world."""

from __future__ import annotations

import mesa

from sim.engine.store import Store


class GlobalHub(mesa.Agent):
    def __init__(self, model: mesa.Model, store: Store) -> None:
        super().__init__(model)
        self.store = store
