"""The global hub: INTERPOL's databases over I-24/7, one store for the whole world."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.engine.store import Store

if TYPE_CHECKING:
    from sim.model import DataSharingModel


class GlobalHub(mesa.Agent):
    model: DataSharingModel

    def __init__(self, model: DataSharingModel, store: Store) -> None:
        super().__init__(model)
        self.store = store
