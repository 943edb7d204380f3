"""Stable orders found faster than by numpy's general sorts: by the default sort when no two
keys tie; by record, then time, as a counting sort and a few insertion sorts."""

from __future__ import annotations

import numba
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


MAX_GROUPED = 64
"""Most rows of one record ``grouped_order`` sorts by insertion (beyond, by a merge sort)."""


def record_time_order(rec: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``np.lexsort((t, rec))``: by record, then time, ties in their order. Record ids are
    whole numbers from 0 and each has few rows, so a counting sort by record, then an
    insertion sort of each record's rows, gives it (six times faster on a store's log);
    the lexsort where it would not (a negative id, a NaN time)."""
    if rec.size == 0 or rec.min() < 0 or np.isnan(t).any():
        return np.lexsort((t, rec))
    return grouped_by_record(rec, t)[0]


def grouped_by_record(
    rec: np.ndarray, t: np.ndarray, n_records: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(order, offsets): ``grouped_order`` of items of records ``rec`` (whole numbers from 0),
    and where each record's items start in it (for ``n_records`` records at least)."""
    per_record = np.bincount(rec, minlength=n_records)
    ptr = np.zeros(per_record.size + 1, dtype=np.int64)
    np.cumsum(per_record, out=ptr[1:])
    return grouped_order(rec.astype(np.int64), t, ptr), ptr


@numba.njit(cache=True)
def grouped_order(rec: np.ndarray, t: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """The order that groups items by ``rec`` (offsets ``ptr``) and sorts each group by ``t``,
    stably: a counting sort, then an insertion sort of each group, or a merge sort of a group
    of more than ``MAX_GROUPED`` (one busy record among many)."""
    fill = ptr[:-1].copy()
    order = np.empty(rec.size, dtype=np.int64)
    for i in range(rec.size):
        order[fill[rec[i]]] = i
        fill[rec[i]] += 1
    for r in range(ptr.size - 1):
        if ptr[r + 1] - ptr[r] > MAX_GROUPED:
            items = order[ptr[r] : ptr[r + 1]].copy()  # in log order: the merge sort keeps it
            order[ptr[r] : ptr[r + 1]] = items[np.argsort(t[items], kind="mergesort")]
            continue
        for i in range(ptr[r] + 1, ptr[r + 1]):
            item = order[i]
            j = i - 1
            while j >= ptr[r] and t[order[j]] > t[item]:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = item
    return order
