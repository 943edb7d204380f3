"""A National Central Bureau: the single national node of a member country."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.store import Store

if TYPE_CHECKING:
    from sim.config.schema import Behaviour


class NCB(mesa.Agent):
    """Owns its country's records (the source of truth) and queries the others' data.

    Its national node is a store: it answers federated queries and, while down, neither answers
    nor sends (its own changes wait until it is up). With behaviour on, it also keeps a trust
    level in each channel it queries and a propensity to share its new records beyond its
    region, and it decides on both every day.
    """

    def __init__(self, model: mesa.Model, index: int, node: Store) -> None:
        """``index``: the country's position in the world."""
        super().__init__(model)
        self.index = index
        self.node = node
        self.trust: dict[str, float] = {}
        self.propensity = 1.0

    # --- behaviour ------------------------------------------------------------------------------

    def start_behaving(self, spec: Behaviour, channels: list[str]) -> None:
        self.trust = {channel: spec.trust.initial for channel in channels}
        self.propensity = spec.sharing.initial

    def observe(self, spec: Behaviour, counts: dict[str, dict[str, float]]) -> None:
        """Update trust in each channel from what today's lookups returned there: each ghost
        hit, stale answer or timeout takes away a share of it; each correct answer gives back a
        share of what is missing."""
        t = spec.trust
        for channel, seen in counts.items():
            level = self.trust[channel]
            level *= (1 - t.ghost_penalty) ** seen["ghost"]
            level *= (1 - t.stale_penalty) ** seen["stale"]
            level *= (1 - t.timeout_penalty) ** seen["timeout"]
            level = 1 - (1 - level) * (1 - t.recovery) ** seen["correct"]
            self.trust[channel] = level

    def mean_trust(self) -> float:
        return float(np.mean(list(self.trust.values()))) if self.trust else 1.0

    def decide(self, spec: Behaviour, peers: float) -> None:
        """Move the propensity to share toward the trust placed in the channels, and toward what
        the other NCBs of the region share (conditional cooperation)."""
        s = spec.sharing
        target_peers = self.propensity if np.isnan(peers) else peers
        change = s.trust_rate * (self.mean_trust() - self.propensity)
        change += s.peer_rate * (target_peers - self.propensity)
        self.propensity = float(np.clip(self.propensity + change, 0.0, 1.0))
