"""The scenario's settings resolved for each country, platform and link: the most specific wins.

A scenario gives world-wide values (``links``, ``outages``, ``stores``, the architecture's
keying, the staff) and may override them for a region, a platform or a country
(``settings``; a platform's own data in ``world.platforms``). Here each question a run asks
("how does a change from Nigeria travel to WAPIS?", "how often is Chad's national node
down?") gets one answer, by the precedence ``sim.config.schema.Settings`` documents:
country, then platform, then region, then the world. The plan's rows are split by these
answers, so that an uneven world is rows with their own profiles, and the agents carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

from sim.config.schema import (
    Keying,
    LinkOverride,
    NodeSettings,
    OutageSpec,
    PlatformSettings,
    Scenario,
    StoreSpec,
)
from sim.topology import Consult, Manual, Profile, Route
from sim.world import WorldIndex

T = TypeVar("T", bound=Hashable)


class Resolved:
    """One scenario's settings, resolved for the countries and platforms of ``world``."""

    def __init__(self, scenario: Scenario, world: WorldIndex) -> None:
        self.scenario = scenario
        self.world = world
        spec = scenario.settings
        self._regions: list[NodeSettings | None] = [spec.regions.get(r) for r in world.regions]
        self._countries: list[NodeSettings | None] = [spec.countries.get(c) for c in world.codes]
        by_name = {p.name: p for p in scenario.world.platforms}
        self._platform_data = [by_name[name] for name in world.platforms]
        self._platforms: list[PlatformSettings | None] = [
            spec.platforms.get(name) for name in world.platforms
        ]

    # --- an NCB's own ---------------------------------------------------------------------------

    def _node_chain(self, country: int) -> list[NodeSettings]:
        """The country's settings, then its region's, where given."""
        region = int(self.world.region_of[country])
        chain = [self._countries[country], self._regions[region]]
        return [settings for settings in chain if settings is not None]

    def node_outages(self, country: int) -> OutageSpec | None:
        """Up and down times of the country's national node."""
        for settings in self._node_chain(country):
            if settings.outages is not None:
                return settings.outages
        return self.scenario.outages.ncb

    def node_store(self, country: int) -> StoreSpec:
        for settings in self._node_chain(country):
            if settings.store is not None:
                return settings.store
        return self.scenario.stores.ncb

    def staff_hours_per_day(self, country: int) -> float:
        """Staff hours a day of the country's NCB: per unit of weight, times its weight."""
        per_unit = self.scenario.behaviour.workload.staff_hours_per_day
        for settings in self._node_chain(country):
            if settings.staff_hours_per_day is not None:
                per_unit = settings.staff_hours_per_day
                break
        return per_unit * float(self.world.weight[country])

    # --- a platform's own -----------------------------------------------------------------------

    def platform_outages(self, platform: int) -> OutageSpec | None:
        settings = self._platforms[platform]
        if settings is not None and settings.outages is not None:
            return settings.outages
        data = self._platform_data[platform]
        return data.outages if data.outages is not None else self.scenario.outages.platform

    def platform_store(self, platform: int) -> StoreSpec:
        settings = self._platforms[platform]
        if settings is not None and settings.store is not None:
            return settings.store
        return self.scenario.stores.platform

    # --- how messages travel --------------------------------------------------------------------

    def profile(
        self, klass: str, country: int | None = None, platform: int | None = None
    ) -> Profile:
        """How a message of link class ``klass`` travels for ``country``'s NCB (its sender,
        or the node asked) and ``platform`` (the one it reaches or leaves): each delay from the
        most specific override that gives it. The link is named by the overrides that
        contributed (``ncb_to_hub@r:africa``), so that one link is one resolution."""
        world = getattr(self.scenario.links, klass)
        keys = ("delay_hours", "query_delay_seconds")
        delays = {key: (getattr(world, key), "") for key in keys}
        for scope, override in reversed(self._link_chain(klass, country, platform)):
            for key in keys:
                if getattr(override, key) is not None:
                    delays[key] = (getattr(override, key), scope)
        chain = [scope for scope, _ in self._link_chain(klass, country, platform)]
        used = [scope for scope in chain if any(delays[k][1] == scope for k in keys)]
        name = klass if not used else f"{klass}@{'+'.join(used)}"
        return Profile(name, klass, delays["delay_hours"][0], delays["query_delay_seconds"][0])

    def _link_chain(
        self, klass: str, country: int | None, platform: int | None
    ) -> list[tuple[str, LinkOverride]]:
        """The overrides of a link, most specific first: the country's, the platform's, the
        region's (scope names ``c:``, ``p:``, ``r:``)."""
        chain: list[tuple[str, NodeSettings | PlatformSettings | None]] = []
        if country is not None and self._countries[country] is not None:
            chain.append((f"c:{self.world.codes[country]}", self._countries[country]))
        if platform is not None and self._platforms[platform] is not None:
            chain.append((f"p:{self.world.platforms[platform]}", self._platforms[platform]))
        if country is not None:
            region = int(self.world.region_of[country])
            if self._regions[region] is not None:
                chain.append((f"r:{self.world.regions[region]}", self._regions[region]))
        overrides = [(scope, getattr(s.links, klass, None)) for scope, s in chain if s is not None]
        return [(scope, o) for scope, o in overrides if o is not None]

    # --- keying by hand -------------------------------------------------------------------------

    def keying(self, country: int, platform: int | None, world: Manual) -> Manual:
        """How ``country``'s NCB keys by hand into the hub (``platform`` None) or a platform:
        each of the entry probability, the update probability and the keying delay from the
        most specific setting that gives it, ``world`` (the architecture's) otherwise."""
        system = "hub" if platform is None else "platform"
        region = int(self.world.region_of[country])
        chain: list[Keying] = []
        own = self._countries[country]
        if own is not None:
            chain.append(getattr(own.entry, system))
        if platform is not None:
            settings, data = self._platforms[platform], self._platform_data[platform]
            if settings is not None:
                chain.append(settings.entry)
            if data.entry_probability is not None:
                chain.append(Keying(entry_probability=data.entry_probability))
        regional = self._regions[region]
        if regional is not None:
            chain.append(getattr(regional.entry, system))
        chain.append(
            Keying(
                entry_probability=world.entry_probability,
                update_probability=world.update_probability,
                entry_delay_hours=world.keying_delay_hours,
            )
        )

        def first(key: str):  # noqa: ANN202 (a probability or a distribution)
            return next(getattr(k, key) for k in chain if getattr(k, key) is not None)

        return Manual(
            first("entry_probability"), first("update_probability"), first("entry_delay_hours")
        )


def grouped(mask: np.ndarray, key: Callable[[int], T]) -> list[tuple[np.ndarray, T]]:
    """The countries of ``mask`` split by ``key(country)``: (their mask, the key), in order of
    each key's first country; one group when every country has the same key."""
    groups: dict[T, np.ndarray] = {}
    for i in np.flatnonzero(mask):
        k = key(int(i))
        if k not in groups:
            groups[k] = np.zeros(mask.size, dtype=bool)
        groups[k][i] = True
    return [(m, k) for k, m in groups.items()]


def routes_split(
    target: str,
    owners: np.ndarray,
    scopes: tuple[int, ...],
    profile_of: Callable[[int], Profile],
    **row: Any,
) -> tuple[Route, ...]:
    """Routes to ``target`` for ``owners``, one per group of owners whose changes travel
    alike (``profile_of(owner)``); one route in a world without overrides."""
    return tuple(
        Route(target, mask, scopes, profile, **row) for mask, profile in grouped(owners, profile_of)
    )


def consults_split(
    target: str, queriers: np.ndarray, profile_of: Callable[[int], Profile], **row: Any
) -> tuple[Consult, ...]:
    """Consults of ``target`` by ``queriers``, one per group of queriers whose searches travel
    alike (``profile_of(querier)``)."""
    return tuple(
        Consult(target, mask, profile, **row) for mask, profile in grouped(queriers, profile_of)
    )
