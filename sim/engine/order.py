"""The stable order of a sort key, found by the faster default sort when it can be."""

from __future__ import annotations

import numpy as np


def stable_order(keys: np.ndarray) -> np.ndarray:
    """The stable ascending order of ``keys`` (``np.argsort(keys, kind="stable")``); found by
    the default sort, about twice as fast on floats, when no two keys tie, as then every
    order is the stable one."""
    order = np.argsort(keys)
    ordered = keys[order]
    if np.any(ordered[1:] == ordered[:-1]):
        return np.argsort(keys, kind="stable")
    return order
