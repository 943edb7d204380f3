"""The chance an owner's answer is back within a search's deadline, per consult row: what the
exact metrics weight the owners' records by (a store's answers count in full; their latency
and timeouts are measured on the sampled searches)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from sim.engine.dists import Sampler
from sim.engine.links import Link
from sim.rng import Streams
from sim.topology import CacheThenOwner, Consult, OwnerAnswers, Profile

DRAWS = 200_000
"""Draws of the delays and service times per row (exact when they are all fixed)."""


def answer_probability(
    consult: Consult,
    links: Mapping[str, Link],
    service: Callable[[str], Sampler],
    deadline: float,
    streams: Streams,
    n: int = DRAWS,
) -> float:
    """P(the owner's answer is back within ``deadline`` days) for a search under ``consult``:
    one round trip to the owner's node and its service, after the round trip to a gate (a
    pointer index) or a cache and its service when the reading asks one first; 1 when a store
    answers. ``service(store)`` samples a store's service time (``ncb`` for the nodes). Every
    row draws from the same fresh stream, so a row's figure does not depend on the others."""
    reading = consult.reading
    if isinstance(reading, OwnerAnswers):
        first = None if reading.gate is None else (reading.gate, reading.gate_profile)
    elif isinstance(reading, CacheThenOwner):
        first = (reading.cache, reading.cache_profile)
    else:
        return 1.0
    rng = streams.get("metrics.deadline")
    total = _round_trip(links[consult.profile.link], service("ncb"), rng, n)
    if first is not None:
        store, profile = first
        assert isinstance(profile, Profile)
        total += _round_trip(links[profile.link], service(store), rng, n)
    return float(np.mean(total <= deadline))


def _round_trip(link: Link, service: Sampler, rng: np.random.Generator, n: int) -> np.ndarray:
    """Delay out, delay back and service, in that order of draws."""
    return link.query_delay.draw(rng, n) + link.query_delay.draw(rng, n) + service.draw(rng, n)
