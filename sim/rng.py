"""Named random substreams of one run seed.

Each consumer asks for its stream by name (``"records.arrivals"``, ``"link.ncb_to_hub"``...).
A stream depends only on the seed and its name, never on the order in which streams are
requested, so every architecture draws the same record arrivals for the same seed (common
random numbers) however differently it uses the other streams.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


class Streams:
    """Factory of independent ``numpy.random.Generator`` objects keyed by name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def get(self, name: str) -> np.random.Generator:
        sequence = np.random.SeedSequence(self.seed, spawn_key=(_name_key(name),))
        return np.random.Generator(np.random.PCG64(sequence))
