"""A regional platform (SIS, ASEANAPOL, WAPIS...): a store shared by its member NCBs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.engine.store import Store

if TYPE_CHECKING:
    from sim.model import DataSharingModel


class RegionalPlatform(mesa.Agent):
    model: DataSharingModel

    def __init__(self, model: DataSharingModel, index: int, name: str, store: Store) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.store = store
