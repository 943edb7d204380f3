"""Executing a plan (``sim.topology``): the changes of each day sent along the routes that
carry them, keyed by hand where a route's profile says so, passed on by relaying stores at once
or in batches; the searches of each day sent to the stores their consults name. What is truly
dynamic (a broadcast to the owners, an index's second leg, a cache filled on read) is the
architecture's own code, on top of this."""

from sim.routing.network import Network
from sim.routing.searches import QueryBook

__all__ = ["Network", "QueryBook"]
