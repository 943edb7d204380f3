"""The Mesa agents: one per NCB, per regional platform, and the global hub."""

from sim.agents.hub import GlobalHub
from sim.agents.ncb import NCB
from sim.agents.platform import RegionalPlatform

__all__ = ["NCB", "GlobalHub", "RegionalPlatform"]
