"""A National Central Bureau: the single national node of a member country."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.store import Store

if TYPE_CHECKING:
    from sim.architectures import Channel
    from sim.config.schema import Behaviour


class NCB(mesa.Agent):
    """Owns its country's records (the source of truth) and queries the others' data.

    It carries its country's settings as the run resolved them (code, INTERPOL region, the
    platforms it belongs to, its activity weight, its staff hours a day) and its national node,
    a store: the node answers federated queries and, while down, neither answers nor sends
    (its own changes wait until it is up). With behaviour on, it also keeps a trust level in
    each channel it queries and a propensity to share its new records beyond its region, and
    at each day's end it learns from its lookups and decides (``end_of_day``, stepped for all
    NCBs through Mesa's ``AgentSet``).
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        node: Store,
        code: str = "",
        region: str = "",
        platforms: tuple[str, ...] = (),
        weight: float = 1.0,
        staff_hours_per_day: float = 0.0,
    ) -> None:
        """``index``: the country's position in the world."""
        super().__init__(model)
        self.index = index
        self.node = node
        self.code = code
        self.region = region
        self.platforms = platforms
        self.weight = weight
        self.staff_hours_per_day = staff_hours_per_day
        """Staff time for keying and reviews (behaviour on): the world's per unit of weight,
        times the country's weight."""
        self.trust: dict[str, float] = {}
        self.propensity = 1.0

    # --- behaviour ------------------------------------------------------------------------------

    def start_behaving(self, spec: Behaviour, channels: list[str]) -> None:
        self.trust = {channel: spec.trust.initial for channel in channels}
        self.propensity = spec.sharing.initial

    def end_of_day(
        self,
        spec: Behaviour,
        channels: list[Channel],
        counts: dict[str, np.ndarray],
        scale: np.ndarray,
        peers: np.ndarray,
    ) -> None:
        """The day's end: learn from what its own lookups returned in each channel it
        consults (``counts[outcome][country, channel]``, each sampled lookup worth
        ``scale[country]`` real ones), then decide how much to share given what its region's
        peers share (``peers[country]``)."""
        i, weight = self.index, float(scale[self.index])
        seen = {
            channel.name: {name: weight * float(counts[name][i, c]) for name in counts}
            for c, channel in enumerate(channels)
            if channel.consulted[i]
        }
        self.observe(spec, seen)
        self.decide(spec, float(peers[i]))

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
