"""A regional platform (SIS, ASEANAPOL, WAPIS...): a store shared by its member NCBs."""

from __future__ import annotations

import mesa

from sim.engine.store import Store


class RegionalPlatform(mesa.Agent):
    def __init__(self, model: mesa.Model, store: Store) -> None:
        super().__init__(model)
        self.store = store
