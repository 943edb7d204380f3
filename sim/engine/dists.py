"""Sampling the scenario's distributions in days, whatever unit the key was written in."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

from sim.config.schema import Dist, Exponential, Fixed, Lognormal, Uniform

SECONDS = 1.0 / 86400.0
HOURS = 1.0 / 24.0
DAYS = 1.0


class Sampler:
    """Draws from one distribution, scaled to days by ``unit`` (days per unit of the key)."""

    def __init__(self, dist: Dist, unit: float) -> None:
        self.dist = dist
        self.unit = unit

    @property
    def is_zero(self) -> bool:
        return isinstance(self.dist, Fixed) and self.dist.value == 0.0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        d = self.dist
        if isinstance(d, Fixed):
            return np.full(n, d.value * self.unit)
        if isinstance(d, Exponential):
            return rng.exponential(d.mean * self.unit, n) if d.mean > 0 else np.zeros(n)
        if isinstance(d, Uniform):
            return rng.uniform(d.low * self.unit, d.high * self.unit, n)
        if isinstance(d, Lognormal):
            # Parameterised by the mean of the variable: mu = ln(mean) - sigma^2 / 2.
            mu = math.log(d.mean * self.unit) - d.sigma**2 / 2
            return rng.lognormal(mu, d.sigma, n)
        raise TypeError(f"unknown distribution {d!r}")


def quantiles(dist: Dist, n: int) -> np.ndarray:
    """The distribution's quantiles at the midpoints (i + 1/2) / n, in its key's unit: n
    equally likely values that stand for it in a deterministic integral (no random draw)."""
    u = (np.arange(n) + 0.5) / n
    if isinstance(dist, Fixed):
        return np.full(n, dist.value)
    if isinstance(dist, Exponential):
        return -dist.mean * np.log1p(-u)
    if isinstance(dist, Uniform):
        return dist.low + (dist.high - dist.low) * u
    if isinstance(dist, Lognormal):
        mu = math.log(dist.mean) - dist.sigma**2 / 2
        return np.exp(mu + dist.sigma * ndtri(u))
    raise TypeError(f"unknown distribution {dist!r}")
