"""Segment classification: each record's life cut wherever what a subset of stores shows, or
the source's version, changes; each piece classified (returned, ghost, stale, in conflict) and
integrated on a time grid.

Times are keys ``record * span + t`` so that one sort orders every record's breakpoints;
``span`` exceeds the horizon, so keys of different records never mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.log import RunLog, StoreLog
from sim.metrics.integrals import Increments, IndexedIntervals, grid_positions
from sim.metrics.intervals import Shown
from sim.metrics.layout import RETURNED, Layout
from sim.metrics.windows import inside

CHUNK_RECORDS = 65_536
"""Records classified at once: bounds the temporary arrays of ``segment_cumulatives`` (about
150 MB at the benchmark's scale; smaller chunks were no slower)."""


@dataclass(frozen=True)
class SourceIndex:
    """The source's changes ordered by (record, time), to slice by record range."""

    rec: np.ndarray
    time: np.ndarray
    version: np.ndarray
    material: np.ndarray
    """The record's latest material version as of each change (that change included)."""

    @classmethod
    def of(cls, log: RunLog) -> SourceIndex:
        src = log.source
        order = np.lexsort((src.change_time, src.change_rec))
        rec, version = src.change_rec[order], src.change_version[order]
        return cls(
            rec,
            src.change_time[order],
            version,
            latest_material(rec, version, src.change_material[order]),
        )

    def records(self, bounds: np.ndarray) -> SourceIndex:
        """The changes of records ``bounds[0]`` to ``bounds[1] - 1``."""
        i0, i1 = np.searchsorted(self.rec, bounds)
        return SourceIndex(
            self.rec[i0:i1], self.time[i0:i1], self.version[i0:i1], self.material[i0:i1]
        )


def latest_material(rec: np.ndarray, version: np.ndarray, material: np.ndarray) -> np.ndarray:
    """Per change (ordered by record, then time), the highest material version of its record
    so far: a running maximum of keys ``record * span + version`` (-1 for an administrative
    change), which earlier records' keys never reach."""
    if rec.size == 0:
        return version.copy()
    span = int(version.max()) + 2
    keys = rec * span + np.where(material, version, -1)
    return np.maximum.accumulate(keys) - rec * span


@dataclass(frozen=True)
class Subset:
    """A subset of stores consulted together, with what its segments are classified against.

    ``shown`` (one per store) is clipped to the sorted disjoint ``windows``, the only times in
    which some view consults exactly this subset."""

    log: RunLog
    layout: Layout
    points: np.ndarray
    """Grid on which the segments are integrated."""
    stores: list[StoreLog]
    shown: list[Shown]
    source: SourceIndex
    windows: tuple[np.ndarray, np.ndarray]

    def records(self, lo: int, hi: int) -> Subset:
        """The same subset restricted to records ``lo`` to ``hi - 1``."""
        bounds = np.array([lo, hi])
        shown = [s.select(slice(*np.searchsorted(s.rec, bounds))) for s in self.shown]
        return Subset(
            self.log,
            self.layout,
            self.points,
            self.stores,
            shown,
            self.source.records(bounds),
            self.windows,
        )

    @property
    def span(self) -> float:
        return float(np.ceil(self.log.horizon) + 2)


def segment_cumulatives(subset: Subset) -> dict[str, np.ndarray]:
    """Cumulative integrals on the subset's grid of each returned quantity, per record group.

    Records are taken in chunks (the result is a sum over records)."""
    totals: dict[str, Increments] = {}
    for lo, hi in chunks(subset):
        part = subset.records(lo, hi)
        for name, values in classify_segments(part).items():
            if name in totals:
                totals[name] += values
            else:
                totals[name] = values
    if not totals:
        return {name: np.zeros((subset.layout.n_groups, subset.points.size)) for name in RETURNED}
    return {name: inc.cumulative() for name, inc in totals.items()}


def chunks(subset: Subset) -> list[tuple[int, int]]:
    """Ranges of record ids holding ``CHUNK_RECORDS`` records the subset shows each (the last
    fewer): the records it never shows, such as the prehistory's, cost no chunk."""
    # A mask, not np.unique: numpy 2.4's hashing unique took 7 of the 19 CPU seconds of the
    # benchmark's hybrid run on these millions of record ids; the mask takes milliseconds.
    held = np.zeros(subset.log.source.n_records, dtype=bool)
    for s in subset.shown:
        held[s.rec] = True
    shown = np.flatnonzero(held)
    if shown.size == 0:
        return []
    starts = shown[::CHUNK_RECORDS]
    ends = np.r_[starts[1:], shown[-1] + 1]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


@dataclass(frozen=True)
class Segments:
    """Pieces of records' lives, each with one version shown per store and one source version."""

    key: np.ndarray
    rec: np.ndarray
    start: np.ndarray
    end: np.ndarray
    located: tuple[np.ndarray, np.ndarray]
    """Grid positions of ``start`` and ``end``."""
    states: list[np.ndarray]
    """Per store, the version it shows (-1: nothing)."""
    source_version: np.ndarray
    source_material: np.ndarray
    """The source's latest material version."""


def classify_segments(subset: Subset) -> dict[str, Increments]:
    """What each segment adds to each returned quantity: shown by some store (``vis``), shown
    after the source deleted it (``ghost``), shown only in versions older than the source's
    latest material one (``stale``) or than its latest one (``stale_any``), shown in different
    versions by stores meant to hold it (``conflict``)."""
    log, layout = subset.log, subset.layout
    seg = cut_segments(subset)
    newest = np.maximum.reduce(seg.states)
    lowest_meant = np.full(seg.rec.size, np.iinfo(np.int64).max)
    highest_meant = np.full(seg.rec.size, -2, dtype=np.int64)
    for store, state in zip(subset.stores, seg.states, strict=True):
        meant = store.destined[seg.rec]
        lowest_meant = np.where(meant, np.minimum(lowest_meant, state), lowest_meant)
        highest_meant = np.where(meant, np.maximum(highest_meant, state), highest_meant)
    deleted_key = seg.rec * subset.span + np.minimum(log.source.deleted[seg.rec], log.horizon + 0.5)
    active = seg.key < deleted_key
    segments = IndexedIntervals(
        layout.group(log, seg.rec),
        seg.start,
        seg.end,
        subset.points,
        layout.n_groups,
        located=seg.located,
    )
    shown_all = segments.increments()
    ghost = segments.increments(~active)
    return {
        "vis": shown_all,
        "vis_act": shown_all - ghost,
        "ghost": ghost,
        "stale": segments.increments(active & (newest < seg.source_material)),
        "stale_any": segments.increments(active & (newest < seg.source_version)),
        "conflict": segments.increments(highest_meant > lowest_meant),
    }


def cut_segments(subset: Subset) -> Segments:
    """The segments some store shows, inside the run's window.

    Only segments some store shows count; outside the windows none does, so source changes
    there need not cut segments (the source version is still looked up among them all)."""
    log, source, shown, span = subset.log, subset.source, subset.shown, subset.span
    in_view = np.zeros(log.source.n_records, dtype=bool)
    for s in shown:
        in_view[s.rec] = True
    mine = in_view[source.rec]
    src_rec, src_ver, src_material = source.rec[mine], source.version[mine], source.material[mine]
    src_key = src_rec * span + source.time[mine]
    cuts = src_key[inside(source.time[mine], *subset.windows)]
    starts = [s.rec * span + s.start for s in shown]
    ends = [s.rec * span + s.end for s in shown]
    keys, rank = breakpoints([cuts, *starts, *ends])
    ranks = np.split(rank[cuts.size :], np.cumsum([k.size for k in starts + ends])[:-1])
    states = [
        versions_by_breakpoint(ranks[i], ranks[len(shown) + i], s.version, keys.size)
        for i, s in enumerate(shown)
    ]
    rec = np.floor(keys / span).astype(np.int64)
    same_next = np.r_[rec[1:] == rec[:-1], False]
    start = keys - rec * span
    # A segment ends where the next one of the same record starts: locate each time once.
    j_start = grid_positions(subset.points, start)
    end = np.r_[start[1:], 0.0]
    j_end = np.r_[j_start[1:], 0]
    # Only what some store shows counts: drop the rest before classifying.
    live = same_next & (end > start) & (end > log.warmup) & (start < log.horizon)
    live = np.flatnonzero(live & (np.maximum.reduce(states) >= 0))
    keys, rec = keys[live], rec[live]
    pos = np.maximum(np.searchsorted(src_key, keys, side="right") - 1, 0)
    found = src_rec[pos] == rec
    return Segments(
        key=keys,
        rec=rec,
        start=start[live],
        end=end[live],
        located=(j_start[live], j_end[live]),
        states=[state[live] for state in states],
        source_version=np.where(found, src_ver[pos], -1),
        source_material=np.where(found, src_material[pos], -1),
    )


def breakpoints(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys of all the parts, ascending, and the index among them of each key of
    the parts (concatenated): found by the sort itself, not searched for again."""
    keys = np.concatenate(parts)
    order = np.argsort(keys, kind="stable")  # the parts are sorted runs: merging is cheap
    ordered = keys[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return ordered[new], rank


def versions_by_breakpoint(
    first: np.ndarray, after: np.ndarray, version: np.ndarray, n: int
) -> np.ndarray:
    """Version a store shows from each of ``n`` breakpoints on (-1: nothing), its intervals
    (sorted, disjoint) spanning breakpoints ``first`` to ``after - 1``."""
    lengths = np.empty(2 * first.size + 1, dtype=np.int64)
    lengths[0:-1:2] = first - np.r_[0, after[:-1]]  # the gap before each interval
    lengths[1::2] = after - first
    lengths[-1] = n - (after[-1] if after.size else 0)
    values = np.full(lengths.size, -1, dtype=version.dtype)
    values[1::2] = version
    return np.repeat(values, lengths)
