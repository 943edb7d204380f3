"""Segment classification: each record's life cut wherever what a store shows, or the source's
version, changes; each piece classified (returned, ghost, stale, in conflict) for every subset
of stores consulted together, and integrated exactly on a time grid.

What a subset S returns of record r depends only on the stores of S that are meant to hold r
or ever show it, ``E = S & K(r)``. Records are put in classes (their group and ``K``), and each
class's distinct ``E`` over the subsets is one *slot*: the segments of a record are classified
once per slot of its class, however many subsets share it (the hub, in every hybrid subset, is
swept once, not once per view). A subset's integrals for a class are then its slot's.

The sweep is one compiled pass over the records (numba): per record, its breakpoints (the
source's changes and the starts and ends of what each store shows), the version each store
shows and the source's versions between them, and per slot the runs of segments classified
alike, each added to the grid as its start and end counts and time moments (``add_run``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numba
import numpy as np

from sim.engine.order import grouped_by_record
from sim.log import RunLog
from sim.metrics.held import meant as meant_to_hold
from sim.metrics.integrals import bucket_table, position
from sim.metrics.intervals import Shown, base_name
from sim.metrics.layout import RETURNED, Layout

CLASSIFIED = ("vis", "ghost", "stale", "stale_any", "conflict")
"""The quantities the sweep integrates, in the order of its flag bits (``vis_act`` is
``vis - ghost``)."""
N_CLASSIFIED = len(CLASSIFIED)
VIS, GHOST, STALE, STALE_ANY, CONFLICT = (1 << i for i in range(N_CLASSIFIED))
MAX_STORES = 62
"""Stores (and copy lifetimes of a store) one run's segment sweep can tell apart: one bit each
of a signed 64-bit mask. A search that asks every national node is the owners' reading rule,
not 195 stores."""


@dataclass(frozen=True)
class Slots:
    """Cumulative integrals of each returned quantity for a block of slots (those of the
    classes ``classes``), and which slot each (class, subset) reads.

    ``cumulative[slot - first_slot, j, COLUMN[quantity]]`` integrates from 0 to
    ``points[j]``; its last row is all zeros, read by a subset that shows nothing of a
    class."""

    points: np.ndarray
    cumulative: np.ndarray
    slot_of: np.ndarray
    """``[class, subset]``: the slot the subset's integrals of the class are (the number of
    slots: the zero row)."""
    class_group: np.ndarray
    """Record group (``Layout.group``) of each class."""
    classes: range = range(0)
    """The classes of this block."""
    first_slot: int = 0
    n_slots: int = 0

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ``cumulative`` of the slots ``ids`` (the zero slot: the last row)."""
        return np.where(ids >= self.n_slots, self.cumulative.shape[0] - 1, ids - self.first_slot)


def subset_slots(
    log: RunLog,
    layout: Layout,
    shown: dict[str, Shown],
    subsets: list[tuple[str, ...]],
    points: np.ndarray,
) -> Iterator[Slots]:
    """The integrals on ``points`` of what each subset of stores returns, by record class, a
    block of classes at a time (``class_blocks``)."""
    names = list(shown)
    if len(names) > MAX_STORES:
        raise ValueError(
            f"{len(names)} stores and copy lifetimes read in one run; the segment sweep holds"
            f" at most {MAX_STORES} (a bit each in a 64-bit mask)"
        )
    src = log.source
    meant = store_bits([meant_to_hold(log, log.stores[base_name(n)]) for n in names], src.n_records)
    shows = np.zeros(src.n_records, dtype=np.int64)
    for i, name in enumerate(names):
        shows[shown[name].rec] |= np.int64(1) << i
    relevant = meant | shows
    rec_class, class_key = classes(
        relevant, shows, layout.group(log, np.arange(src.n_records)), layout.n_groups
    )
    class_shows = np.zeros(class_key.size, dtype=np.int64)
    held = rec_class >= 0
    np.bitwise_or.at(class_shows, rec_class[held], shows[held])
    masks = [sum(1 << names.index(n) for n in subset) for subset in subsets]
    table = slot_table(class_key // layout.n_groups, class_shows, masks)
    parts = [shown[n] for n in names]
    stores = (
        np.cumsum([0] + [s.rec.size for s in parts]).astype(np.int64),
        np.concatenate([s.rec for s in parts]).astype(np.int32),
        np.concatenate([s.version for s in parts]).astype(np.int32),
        np.concatenate([s.start for s in parts]),
        np.concatenate([s.end for s in parts]),
    )
    order = np.argsort(rec_class, kind="stable")  # by class, records in id order within
    order = order[rec_class[order] >= 0]
    first = store_offsets(src.n_records, stores[0], stores[1])
    laid = in_sweep_order(order, first, stores[2:], per_record_changes(log))
    del first, stores  # the sweep reads the copies laid out in its order
    n_stores = len(parts)
    rec_class = rec_class[order].astype(np.int32)
    meant = meant[order]
    deleted = np.minimum(src.deleted, log.horizon + 0.5)[order]
    del order
    group = (class_key % layout.n_groups).astype(np.int64)
    for c0, c1 in class_blocks(table.e_ptr, points.size):
        lo, hi = int(table.e_ptr[c0]), int(table.e_ptr[c1])
        increments = SPARE.zeros((hi - lo + 1, points.size + 1, 2 * len(CLASSIFIED)))
        k0, k1 = (int(k) for k in np.searchsorted(rec_class, [c0, c1]))
        sweep(
            n_stores,
            rec_class[k0:k1],
            table.e_ptr,
            table.e_mask,
            table.e_slot - lo,
            meant[k0:k1],
            deleted[k0:k1],
            laid.st_ptr[k0 * n_stores : k1 * n_stores + 1],
            laid.st_ver,
            laid.st_start,
            laid.st_end,
            laid.src_ptr[k0 : k1 + 1],
            laid.src_time,
            laid.src_ver,
            laid.src_material,
            points,
            increments,
        )
        yield Slots(
            points,
            cumulative(increments, points),
            table.slot_of,
            group,
            range(c0, c1),
            lo,
            table.n_slots,
        )
        SPARE.give_back(increments)
        del increments


class Spare:
    """The memory of the sweep's increments, kept between the blocks of a run's integrals:
    writing a fresh array of a few hundred MB at random faults its pages in one by one,
    which cost more than the sweep itself; zeroing memory already mapped is a single pass at
    memory speed. One buffer, lent to one block at a time (a block that is not given back
    leaves the next to allocate its own), released once the integrals are done
    (``daily_integrals``), so that the rest of the metrics does not hold it."""

    def __init__(self) -> None:
        self.buffer: np.ndarray | None = None

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        buffer, self.buffer = self.buffer, None
        if buffer is None or buffer.size < size:
            return np.zeros(shape)
        out = buffer[:size].reshape(shape)
        out.fill(0.0)
        return out

    def release(self) -> None:
        """Let the memory go (the rest of the metrics may need it)."""
        self.buffer = None

    def give_back(self, array: np.ndarray) -> None:
        """``array`` (from ``zeros``) is no longer read: keep its memory for the next block."""
        base = array if array.base is None else array.base
        if isinstance(base, np.ndarray) and (self.buffer is None or base.size > self.buffer.size):
            self.buffer = base.reshape(-1)


SPARE = Spare()


BLOCK_BYTES = 256 * 2**20
"""Largest array of increments one block of classes takes: the metrics' memory no longer
grows with the number of classes times the points of the grid (a five-year run's)."""


def class_blocks(e_ptr: np.ndarray, n_points: int) -> list[tuple[int, int]]:
    """Consecutive ranges of classes whose slots' increments fit in ``BLOCK_BYTES`` (at least
    one class a block)."""
    per_slot = (n_points + 1) * 2 * len(CLASSIFIED) * 8
    budget = max(1, BLOCK_BYTES // per_slot)
    blocks, start = [], 0
    n_classes = e_ptr.size - 1
    while start < n_classes:
        end = int(np.searchsorted(e_ptr, e_ptr[start] + budget, side="right")) - 1
        end = min(max(end, start + 1), n_classes)
        blocks.append((start, end))
        start = end
    return blocks


def store_bits(flags: list[np.ndarray], n: int) -> np.ndarray:
    """Per record, a bitmask with bit i set where ``flags[i]`` is."""
    out = np.zeros(n, dtype=np.int64)
    for i, f in enumerate(flags):
        out |= f.astype(np.int64) << i
    return out


def classes(
    relevant: np.ndarray, shows: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each record's class (-1: no store ever shows it) and each class's key
    ``relevant * n_groups + group``, ascending (``n_groups`` from the layout, not the groups
    present, so that the key decodes). Found by a sort: numpy 2.4's hashing ``unique`` is
    slow on large integer arrays."""
    key = relevant * n_groups + group
    held = np.flatnonzero(shows != 0)
    ordered = np.sort(key[held])
    distinct = ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered
    rec_class = np.full(relevant.size, -1, dtype=np.int64)
    rec_class[held] = np.searchsorted(distinct, key[held])
    return rec_class, distinct


@dataclass(frozen=True)
class SlotTable:
    slot_of: np.ndarray
    e_ptr: np.ndarray
    """Per class, its slots' range in ``e_mask`` and ``e_slot``."""
    e_mask: np.ndarray
    e_slot: np.ndarray

    @property
    def n_slots(self) -> int:
        return int(self.e_slot.size)


def slot_table(relevant: np.ndarray, shows: np.ndarray, subsets: list[int]) -> SlotTable:
    """Per class (its ``relevant`` stores, the stores that show some of its records), the
    distinct ``E = subset & relevant`` that show something, one slot each."""
    n_classes = relevant.size
    slot_of = np.full((n_classes, len(subsets)), -1, dtype=np.int64)
    e_ptr = [0]
    e_mask: list[int] = []
    for c, (k, s) in enumerate(zip(relevant.tolist(), shows.tolist(), strict=True)):
        mine: dict[int, int] = {}
        for j, subset in enumerate(subsets):
            e = subset & k
            if e & s:
                slot_of[c, j] = mine.setdefault(e, len(e_mask) + len(mine))
        e_mask += list(mine)
        e_ptr.append(len(e_mask))
    n_slots = len(e_mask)
    slot_of[slot_of < 0] = n_slots  # the zero slot
    return SlotTable(
        slot_of,
        np.array(e_ptr, dtype=np.int64),
        np.array(e_mask, dtype=np.int64),
        np.arange(n_slots, dtype=np.int64),
    )


def per_record_changes(log: RunLog) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The source's changes grouped by record, in time order within each (ties in their
    order in the log): offsets per record, times, versions, material flags."""
    src = log.source
    order, ptr = grouped_by_record(src.change_rec, src.change_time, src.n_records)
    return (
        ptr,
        src.change_time[order],
        src.change_version[order].astype(np.int32),  # a record has few versions
        src.change_material[order],
    )


COLUMN = {"vis": 0, "vis_act": 1, "ghost": 2, "stale": 4, "stale_any": 6, "conflict": 8}
"""Where each returned quantity sits along the last axis of ``Slots.cumulative``."""
COLUMNS = np.array([COLUMN[name] for name in RETURNED])
"""The columns of the quantities, in the order of ``RETURNED``."""


def cumulative(increments: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``[slot, point, column]`` integrals from the increments (see ``add_run``: ``t C(t) -
    M(t)``), in place: quantity q's integral replaces its count column ``2q``, and ``vis_act``
    (``vis - ghost``) takes the free column 1 (``COLUMN``). No second array the size of the
    increments: they are the largest of the metrics, and one compiled pass reads and writes
    each element once (numpy's running sum and its eleven strided passes took 3 s of a
    robustness world)."""
    running_integrals(increments, points)
    return increments[:, : points.size]


@numba.njit(cache=True)
def running_integrals(increments: np.ndarray, points: np.ndarray) -> None:
    """``cumulative`` in one pass: the running sums along the points, then at each point the
    integrals ``t C - M`` (the same additions and products, in the same order, as numpy's
    ``cumsum`` followed by the column arithmetic)."""
    n = points.size
    n_slots, n_rows, n_columns = increments.shape
    run = np.empty(n_columns)
    for s in range(n_slots):
        run[:] = 0.0
        for j in range(n_rows):
            for c in range(n_columns):
                run[c] += increments[s, j, c]
                increments[s, j, c] = run[c]
            if j < n:
                t = points[j]
                for q in range(N_CLASSIFIED):
                    increments[s, j, 2 * q] = run[2 * q] * t - run[2 * q + 1]
                increments[s, j, 1] = increments[s, j, 0] - increments[s, j, 2]


@numba.njit(cache=True, inline="always")
def add_run(increments, slot, quantity, a, b, points, floor, scale):
    """Add the run ``[a, b)`` of ``quantity`` in ``slot``: ``increments[slot, j, 2q]`` counts
    the starts minus the ends of quantity q's runs at grid position (``position``) j,
    ``[slot, j, 2q + 1]`` their time moments."""
    ja = position(points, floor, scale, a)
    jb = position(points, floor, scale, b)
    q = 2 * quantity
    increments[slot, ja, q] += 1.0
    increments[slot, ja, q + 1] += a
    increments[slot, jb, q] -= 1.0
    increments[slot, jb, q + 1] -= b


def store_offsets(n_records: int, st_ptr: np.ndarray, st_rec: np.ndarray) -> np.ndarray:
    """``[r, store]``: where record r's intervals start in ``st_rec`` (they end where
    record r + 1's start). Record-major: every store's offsets of a record are read
    together, from one or two cache lines."""
    out = np.empty((n_records + 1, st_ptr.size - 1), dtype=index_type(st_rec.size))
    fill_store_offsets(st_ptr, st_rec, out)
    return out


def index_type(n: int) -> type[np.signedinteger]:
    """The integer type of positions in an array of ``n`` items: 32 bits where they fit
    (the sweep's offsets, a row per record and store, are tens of MB at full volume)."""
    return np.int32 if n < 2**31 else np.int64


@numba.njit(cache=True)
def fill_store_offsets(st_ptr: np.ndarray, st_rec: np.ndarray, out: np.ndarray) -> None:
    """``store_offsets`` in one compiled pass."""
    n_records = out.shape[0] - 1
    for i in range(st_ptr.size - 1):
        k = st_ptr[i]
        for r in range(n_records + 1):
            while k < st_ptr[i + 1] and st_rec[k] < r:
                k += 1
            out[r, i] = k


class Laid(NamedTuple):
    """The stores' intervals and the source's changes of the swept records, record after
    record in the sweep's order (``in_sweep_order``): the k-th record's intervals in store i
    are ``st_ptr[k * n_stores + i]`` to ``st_ptr[k * n_stores + i + 1]``, its changes
    ``src_ptr[k]`` to ``src_ptr[k + 1]``."""

    st_ptr: np.ndarray
    st_ver: np.ndarray
    st_start: np.ndarray
    st_end: np.ndarray
    src_ptr: np.ndarray
    src_time: np.ndarray
    src_ver: np.ndarray
    src_material: np.ndarray


def in_sweep_order(
    order: np.ndarray,
    first: np.ndarray,
    intervals: tuple[np.ndarray, np.ndarray, np.ndarray],
    changes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> Laid:
    """The records ``order``'s store intervals (versions, starts, ends, by record as
    ``first``, from ``store_offsets``, says) and source changes (``per_record_changes``),
    laid out in that order: the sweep then reads them one after another, where reading them
    in place, record by record in class order, missed the cache at every record."""
    st_ptr = np.empty(order.size * first.shape[1] + 1, dtype=index_type(intervals[0].size))
    src_off = np.empty(order.size + 1, dtype=index_type(changes[1].size))
    return Laid(*lay_out(order, first, *intervals, *changes, st_ptr, src_off))


@numba.njit(cache=True)
def lay_out(
    order,
    first,
    st_ver,
    st_start,
    st_end,
    src_ptr,
    src_time,
    src_ver,
    src_material,
    st_ptr,
    src_off,
):
    """``in_sweep_order`` in one compiled pass, into the offsets ``st_ptr`` and ``src_off``."""
    n, n_stores = order.size, first.shape[1]
    ver, start, end = np.empty_like(st_ver), np.empty_like(st_start), np.empty_like(st_end)
    times, versions = np.empty_like(src_time), np.empty_like(src_ver)
    material = np.empty_like(src_material)
    at, changes = 0, 0
    for k in range(n):
        r = order[k]
        src_off[k] = changes
        for j in range(src_ptr[r], src_ptr[r + 1]):
            times[changes], versions[changes] = src_time[j], src_ver[j]
            material[changes] = src_material[j]
            changes += 1
        for i in range(n_stores):
            st_ptr[k * n_stores + i] = at
            for a in range(first[r, i], first[r + 1, i]):
                ver[at], start[at], end[at] = st_ver[a], st_start[a], st_end[a]
                at += 1
    st_ptr[n * n_stores] = at
    src_off[n] = changes
    return (
        st_ptr,
        ver[:at],
        start[:at],
        end[:at],
        src_off,
        times[:changes],
        versions[:changes],
        material[:changes],
    )


@numba.njit(cache=True)
def sweep(
    n_st,
    rec_class,
    e_ptr,
    e_mask,
    e_slot,
    meant,
    deleted,
    st_ptr,
    st_ver,
    st_start,
    st_end,
    src_ptr,
    src_time,
    src_ver,
    src_material,
    points,
    increments,
):
    """Classify the segments of a block of classes' records (k-th: class ``rec_class[k]``,
    laid out by ``in_sweep_order``) for each slot of their class and add each quantity's runs
    (maximal spans in which it holds) to ``increments`` (see ``add_run``; ``e_slot`` shifted
    to the block's rows).

    Invariants: each record's intervals in a store are sorted by start and disjoint, so
    that a store's starts and ends, taken in turn, are in time order; its changes are in
    time order. Each record is swept once along its merged breakpoints; between two of them
    every store shows one version (or nothing: -1)."""
    mine = np.empty(n_st, dtype=np.int64)  # stores showing the record
    head = np.empty(n_st, dtype=np.int64)  # next event: 2 * interval + (0 start, 1 end)
    last = np.empty(n_st, dtype=np.int64)
    state = np.full(n_st, -1, dtype=np.int64)
    max_e = 1
    for c in range(e_ptr.size - 1):
        max_e = max(max_e, e_ptr[c + 1] - e_ptr[c])
    held = np.zeros(max_e, dtype=np.int64)  # per slot, the quantities that hold
    since = np.zeros((max_e, N_CLASSIFIED))  # and since when
    floor, scale = bucket_table(points)
    # Class by class (the records sorted by class, in id order within one): a class's slots
    # of the increments stay in cache. Taken in id order, records hit the increments at
    # random, and the misses were most of the sweep's time.
    for r in range(rec_class.size):
        c = rec_class[r]
        n_mine, shows = 0, 0
        for i in range(n_st):
            a, b = st_ptr[r * n_st + i], st_ptr[r * n_st + i + 1]
            if b > a:
                mine[n_mine] = i
                head[n_mine] = 2 * a
                last[n_mine] = 2 * b
                n_mine += 1
                shows |= 1 << i
        e0, e1 = e_ptr[c], e_ptr[c + 1]
        j, j1 = src_ptr[r], src_ptr[r + 1]
        version, material = -1, -1
        before = -np.inf
        while True:
            # The next breakpoint: the earliest pending event of the source or a store.
            t = np.inf
            if j < j1:
                t = src_time[j]
            for m in range(n_mine):
                h = head[m]
                if h < last[m]:
                    t = min(t, st_start[h >> 1] if h & 1 == 0 else st_end[h >> 1])
            if t == np.inf:
                break
            if t > before:
                for e in range(e1 - e0):
                    flags = segment_flags(
                        e_mask[e0 + e],
                        meant[r],
                        shows,
                        before < deleted[r],
                        version,
                        material,
                        mine,
                        n_mine,
                        state,
                    )
                    changed(
                        e_slot[e0 + e],
                        held,
                        since,
                        e,
                        flags,
                        before,
                        increments,
                        points,
                        floor,
                        scale,
                    )
            while j < j1 and src_time[j] == t:
                version = src_ver[j]
                if src_material[j] and version > material:
                    material = version
                j += 1
            for m in range(n_mine):
                h = head[m]
                while h < last[m]:
                    x = st_start[h >> 1] if h & 1 == 0 else st_end[h >> 1]
                    if x != t:
                        break
                    state[mine[m]] = st_ver[h >> 1] if h & 1 == 0 else -1
                    h += 1
                head[m] = h
            before = t
        # Nothing shows from the last breakpoint on: every run ends there.
        for m in range(n_mine):
            state[mine[m]] = -1
        for e in range(e1 - e0):
            changed(e_slot[e0 + e], held, since, e, 0, before, increments, points, floor, scale)


@numba.njit(cache=True, inline="always")
def segment_flags(mask, meant, shows, active, version, material, mine, n_mine, state):
    """What a segment counts as for the stores ``mask`` (bits of ``CLASSIFIED``), given the
    version each store shows (``state``) and the source's latest and latest material ones."""
    newest, highest = -1, -2
    # A store meant to hold the record that never shows it shows nothing (-1) throughout.
    lowest = -1 if mask & meant & ~shows else np.iinfo(np.int64).max
    for m in range(n_mine):
        i = mine[m]
        if mask >> i & 1:
            v = state[i]
            newest = max(newest, v)
            if meant >> i & 1:
                lowest = min(lowest, v)
                highest = max(highest, v)
    if newest < 0:
        return 0
    flags = VIS
    if active:
        if newest < material:
            flags |= STALE
        if newest < version:
            flags |= STALE_ANY
    else:
        flags |= GHOST
    if highest > lowest:
        flags |= CONFLICT
    return flags


@numba.njit(cache=True, inline="always")
def changed(slot, held, since, e, flags, t, increments, points, floor, scale):
    """From ``t`` on, slot ``e`` counts as ``flags``: the runs of the quantities that stop
    holding end there, those that start holding begin there."""
    diff = held[e] ^ flags
    if diff == 0:
        return
    for q in range(N_CLASSIFIED):
        if diff >> q & 1:
            if held[e] >> q & 1:
                add_run(increments, slot, q, since[e, q], t, points, floor, scale)
            else:
                since[e, q] = t
    held[e] = flags
