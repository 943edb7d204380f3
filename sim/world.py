"""The world of one scenario as arrays: countries, regions, platforms, who may see what.

Country index ``i`` is the position in ``world.countries``; platform index ``p`` the position in
``world.platforms``. Built once from the validated schema; nothing here changes during a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import World

GLOBAL, REGIONAL, NATIONAL = 0, 1, 2
DENIED = 3
"""Scope DENIED + k: a global record that the countries of denial list k may not see."""


@dataclass(frozen=True)
class WorldIndex:
    codes: tuple[str, ...]
    regions: tuple[str, ...]
    """Names of the INTERPOL regions present, sorted."""
    region_of: np.ndarray
    """Region index of each country."""
    platforms: tuple[str, ...]
    membership: np.ndarray
    """``membership[i, p]``: country i belongs to platform p."""
    weight: np.ndarray
    denied: tuple[np.ndarray, ...] = ()
    """Country indices of each denial list."""

    @classmethod
    def from_schema(cls, world: World, denials: tuple = ()) -> WorldIndex:
        """The world as it runs: only the operational platforms are in it (a planned platform
        has no store; its members use the hub and their other platforms, and share regional
        records through those)."""
        platforms = tuple(p.name for p in world.platforms if p.status == "operational")
        regions = tuple(sorted({c.region for c in world.countries}))
        codes = [c.code for c in world.countries]
        membership = np.zeros((len(world.countries), len(platforms)), dtype=bool)
        for i, country in enumerate(world.countries):
            for name in country.platforms:
                if name in platforms:
                    membership[i, platforms.index(name)] = True
        return cls(
            codes=tuple(c.code for c in world.countries),
            regions=regions,
            region_of=np.array([regions.index(c.region) for c in world.countries]),
            platforms=platforms,
            membership=membership,
            weight=np.array([c.weight for c in world.countries], dtype=float),
            denied=tuple(
                np.array([codes.index(code) for code in d.countries], dtype=np.int64)
                for d in denials
            ),
        )

    @property
    def n_countries(self) -> int:
        return len(self.codes)

    def peers(self) -> np.ndarray:
        """``peers[q, o]``: q and o share at least one platform (q != o)."""
        m = self.membership.astype(np.int64)
        shared = (m @ m.T) > 0
        np.fill_diagonal(shared, False)
        return shared

    @property
    def n_scopes(self) -> int:
        return DENIED + len(self.denied)

    def entitlement(self) -> np.ndarray:
        """``ent[s, q, o]``: querier q may see records of owner o with scope s."""
        n = self.n_countries
        others = ~np.eye(n, dtype=bool)
        layers = [others, self.peers(), np.zeros((n, n), dtype=bool)]
        for denied in self.denied:
            allowed = others.copy()
            allowed[denied, :] = False
            layers.append(allowed)
        return np.stack(layers)
