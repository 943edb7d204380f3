"""Sharing propensity in action: which new global records each NCB shares beyond its region,
and how much its regional peers shared lately (what conditional cooperation pulls toward)."""

from __future__ import annotations

import numpy as np

from sim.behaviour.overlay import Overlay
from sim.config.schema import Sharing as SharingSpec
from sim.world import GLOBAL, WorldIndex


class Sharing:
    """Each day's sharing decisions, and their record per NCB and day."""

    def __init__(
        self,
        spec: SharingSpec,
        reluctance: float,
        overlay: Overlay,
        world: WorldIndex,
        n_days: int,
        rng: np.random.Generator,
    ) -> None:
        """``reluctance``: how much less the NCBs share under this architecture."""
        self.spec = spec
        self.reluctance = reluctance
        self.overlay = overlay
        self.world = world
        self.draw = rng.random(overlay.plan.n_records)
        self.planned_global = np.zeros((world.n_countries, n_days))
        self.shared_global = np.zeros((world.n_countries, n_days))

    def decide(self, day: int, rows: np.ndarray, propensity: np.ndarray) -> None:
        """Each new global record among ``rows`` is shared beyond the region with its owner's
        propensity (less the architecture's reluctance); otherwise it is withheld."""
        src = self.overlay.records
        new = rows[src.change_version[rows] == 0]
        rec = src.change_rec[new]
        rec = rec[src.sharing[rec] == GLOBAL]
        if rec.size == 0:
            return
        owner = src.owner[rec]
        shared = self.draw[rec] < propensity[owner] * (1.0 - self.reluctance)
        self.overlay.withhold(rec[~shared])
        np.add.at(self.planned_global[:, day], owner, 1.0)
        np.add.at(self.shared_global[:, day], owner[shared], 1.0)

    def peer_level(self, day: int) -> np.ndarray:
        """Share of new global records the other NCBs of each NCB's region shared lately."""
        window = int(self.spec.peer_window_days)
        lo = max(0, day - window + 1)
        planned = self.planned_global[:, lo : day + 1].sum(axis=1)
        shared = self.shared_global[:, lo : day + 1].sum(axis=1)
        region = self.world.region_of
        level = np.full(planned.size, np.nan)
        for r in np.unique(region):
            members = region == r
            p_total = planned[members].sum() - planned[members]
            s_total = shared[members].sum() - shared[members]
            level[members] = np.where(p_total > 0, s_total / np.maximum(p_total, 1), np.nan)
        return level
