"""Hybrid: NCBs write to their regional platforms, which synchronise with the hub.

Platforms forward the global records of their members to the hub; the hub passes them on to
other platforms as ``redistribute`` says: to none (officers query the hub anyway), to the
platforms with a member in the owner's INTERPOL region, or to every platform the owner is not
in. ``sync: push`` forwards each change as soon as it is applied (``relays``: a forwarded change
takes its FIFO place at the store it reaches, see ``sim.engine.network``); ``sync: batch`` holds
them and sends everything applied since the last sync every ``sync_interval_days``. An NCB in no
platform writes to the hub directly.
"""

from __future__ import annotations

import numpy as np

from sim.architectures.base import Context, Strategy
from sim.config.schema import Hybrid as HybridSpec
from sim.config.schema import Reluctance
from sim.engine.network import Passes, Relay
from sim.engine.store import Applied, Store
from sim.log import View
from sim.world import GLOBAL, REGIONAL, WorldIndex

Buffer = list[tuple[np.ndarray, np.ndarray, np.ndarray]]


class Hybrid(Strategy):
    kind = "hybrid"

    def __init__(self, context: Context, spec: HybridSpec) -> None:
        super().__init__(context, spec)
        self.batch = spec.sync == "batch"
        self.copies_to = hub_copies(self.world, spec.redistribute)
        self.interval = spec.sync_interval_days
        self.to_hub: list[Buffer] = [[] for _ in self.platforms]
        self.to_platform: list[Buffer] = [[] for _ in self.platforms]
        self._relays = [] if self.batch else self._push_relays()
        if self.batch:
            for p, store in enumerate(self.platforms):
                store.listeners.append(self._platform_listener(p))
            self.hub.listeners.append(self._hub_applied)

    def route_changes(self, idx: np.ndarray, t_send: np.ndarray) -> None:
        shared = self._shared(idx)
        idx, t_send = idx[shared], t_send[shared]
        rec = self.source.change_rec[idx]
        members = self.world.membership[self.source.owner[rec]]
        for p, store in enumerate(self.platforms):
            mine = members[:, p]
            self._send("ncb_to_platform", store, idx[mine], t_send[mine])
        direct = ~members.any(axis=1) & (self.source.sharing[rec] == GLOBAL)
        self._send("ncb_to_hub", self.hub, idx[direct], t_send[direct])

    # --- what platforms and hub pass on --------------------------------------------------------

    def _to_hub(self, p: int) -> Passes:
        """What platform ``p`` passes on to the hub: its own members' global records."""

        def passes(rec: np.ndarray, version: np.ndarray) -> np.ndarray:
            owner = self.source.owner[rec]
            own = (self.source.sharing[rec] == GLOBAL) & self.world.membership[owner, p]
            return own[:, None]

        return passes

    def _to_platforms(self, rec: np.ndarray, version: np.ndarray) -> np.ndarray:
        """[change, platform]: the platforms the hub passes a change on to (``redistribute``;
        never one its owner is in)."""
        return self.copies_to[self.source.owner[rec]]

    def relays(self) -> list[Relay]:
        """Push: each change passed on as soon as it is applied (batch: none, see ``sync``)."""
        return self._relays

    def forwarding(self) -> list[Relay]:
        """What platforms and hub pass on, pushed or in batches alike."""
        return self._relays or self._push_relays()

    def _push_relays(self) -> list[Relay]:
        """Platforms to the hub; the hub to the platforms, unless it redistributes nothing."""
        up, down = self.links["platform_to_hub"], self.links["hub_to_platform"]
        kind = self.source.kind
        ups = [
            Relay(store, (self.hub,), up, self._to_hub(p), kind)
            for p, store in enumerate(self.platforms)
        ]
        if not self.copies_to.any():
            return ups
        return [*ups, Relay(self.hub, tuple(self.platforms), down, self._to_platforms, kind)]

    def _platform_listener(self, p: int) -> Applied:
        """Batch: platform ``p`` holds what it passes on to the hub until the next sync."""
        to_hub = self._to_hub(p)

        def applied(rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
            own = to_hub(rec, version)[:, 0]
            self._hold(self.to_hub[p], rec[own], version[own], t[own])

        return applied

    def _hub_applied(self, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
        """Batch: the hub holds what it passes on to each platform until the next sync."""
        outside = self._to_platforms(rec, version)
        for p in range(len(self.platforms)):
            sel = outside[:, p]
            self._hold(self.to_platform[p], rec[sel], version[sel], t[sel])

    @staticmethod
    def _hold(buffer: Buffer, rec: np.ndarray, version: np.ndarray, t: np.ndarray) -> None:
        if rec.size:
            buffer.append((rec, version, t))

    def sync_interval_days(self) -> float | None:
        return self.interval if self.batch else None

    def sync(self, now: float) -> None:
        """Platforms send to the hub what they applied up to ``now``; then the hub sends on."""
        for p, store in enumerate(self.platforms):
            store.process_until(now, inclusive=True)
            self._flush(self.to_hub[p], "platform_to_hub", self.hub, now)
        self.hub.process_until(now, inclusive=True)
        for p, store in enumerate(self.platforms):
            self._flush(self.to_platform[p], "hub_to_platform", store, now)

    def _flush(self, buffer: Buffer, link: str, store: Store, now: float) -> None:
        if not buffer:
            return
        rec, version, t = (np.concatenate(parts) for parts in zip(*buffer, strict=True))
        due = t <= now
        buffer.clear()
        if (~due).any():
            buffer.append((rec[~due], version[~due], t[~due]))
        if due.any():
            send = np.full(int(due.sum()), now)
            carried = self.links[link].carry_changes(send, self.source.kind[rec[due]])
            store.receive_changes(rec[due], version[due], carried)

    def buffered(self) -> int:
        return sum(part[0].size for buf in self.to_hub + self.to_platform for part in buf)

    def sharing_reluctance(self, reluctance: Reluctance) -> float:
        return reluctance.hybrid

    def views(self) -> list[View]:
        return consulting_platforms_and_hub(self.world)

    def destined(self, store: str) -> np.ndarray:
        scope = self.source.sharing
        if store == "hub":
            return scope == GLOBAL
        p = self.world.platforms.index(store)
        owner = self.source.owner
        member = self.world.membership[owner, p]
        return ((scope == GLOBAL) & (member | self.copies_to[owner, p])) | (
            (scope == REGIONAL) & member
        )


def hub_copies(world: WorldIndex, redistribute: str) -> np.ndarray:
    """``[owner, platform]``: the hub passes the owner's global records on to the platform
    (never one the owner is in: it has them first hand)."""
    outside = ~world.membership
    if redistribute == "all":
        return outside
    if redistribute == "region":
        has_member_in = np.array(  # [region, platform]
            [world.membership[world.region_of == r].any(axis=0) for r in range(len(world.regions))]
        )
        return outside & has_member_in[world.region_of]
    return np.zeros_like(outside)


def consulting_platforms_and_hub(world: WorldIndex) -> list[View]:
    """One view per distinct set of platforms: its queriers ask those platforms and the hub."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for q in range(world.n_countries):
        names = tuple(world.platforms[p] for p in np.flatnonzero(world.membership[q]))
        groups.setdefault(names, []).append(q)
    return [View(np.array(qs), (*names, "hub")) for names, qs in groups.items()]
