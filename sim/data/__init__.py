"""Embedded world data: INTERPOL member countries, regional platforms and their memberships."""

from sim.data.world import (
    REGIONS,
    activity_weight,
    interpol_2023_world,
    load_countries,
    load_memberships,
    load_platforms,
)

__all__ = [
    "REGIONS",
    "activity_weight",
    "interpol_2023_world",
    "load_countries",
    "load_memberships",
    "load_platforms",
]
