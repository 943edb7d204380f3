"""A National Central Bureau: the single national node of a member country."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.engine.store import Store

if TYPE_CHECKING:
    from sim.model import DataSharingModel


class NCB(mesa.Agent):
    """Owns its country's records (the source of truth) and queries the others' data.

    Its national node is a store: it answers federated queries and, while down, neither answers
    nor sends (its own changes wait until it is up).
    """

    model: DataSharingModel

    def __init__(
        self,
        model: DataSharingModel,
        index: int,
        code: str,
        region: str,
        platforms: tuple[str, ...],
        weight: float,
        node: Store,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.code = code
        self.region = region
        self.platforms = platforms
        self.weight = weight
        self.node = node
        self.node_up = True
        self.changes_sent = 0

    def step(self) -> None:
        """Start of a day: note whether the national node is up and what leaves it today."""
        day = float(self.model.day)
        self.node_up = bool(self.node.availability.is_up(day))
        self.changes_sent += self.model.changes_today_by_owner[self.index]
