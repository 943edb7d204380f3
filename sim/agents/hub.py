"""The global hub: INTERPOL's databases over I-24/7, one store for the whole world."""

from __future__ import annotations

import mesa

from sim.config.schema import OutageSpec, StoreSpec
from sim.engine.store import Store


class GlobalHub(mesa.Agent):
    """The hub: its store, and the settings the run resolved for it (servers and service
    times, outage process)."""

    def __init__(
        self,
        model: mesa.Model,
        store: Store,
        spec: StoreSpec | None = None,
        outages: OutageSpec | None = None,
    ) -> None:
        super().__init__(model)
        self.store = store
        self.spec = spec
        self.outages = outages
