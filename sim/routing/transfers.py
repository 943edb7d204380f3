"""What becomes of the records the systems already hold when a wave of NCBs moves to another
architecture (``migration.bulk``, ``migration.reconcile``; neither: they age out).

- **Bulk**: each NCB of the wave hands its active records over to the systems the new
  architecture's routes send its records to, oldest first, one after another at its rate
  (N records at rate r take N / r days), each in the version it has when it leaves.
- **Reconciliation**: each NCB of the wave corrects, one after another at its rate, every copy
  a system shows wrongly when the wave moves: a record it deleted (the deletion is made there)
  or an older version than its own (its current version is). Each correction is staff work.

Both are messages over the links like any other change (counted, delayed, queued at the
store). A wave's transfers are worked out on the day it moves, from what the systems hold then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.engine.store import Store
from sim.records import SourceRecords
from sim.routing.routes import Compiled
from sim.world import NATIONAL


@dataclass(frozen=True)
class Wave:
    """NCBs (a mask) moving on ``day`` to the stage whose direct routes are ``routes``."""

    day: float
    owners: np.ndarray
    routes: list[Compiled]


@dataclass
class Pending:
    """Changes to send: to which store over which link, when, and whether each is a correction
    (staff work) or a bulk handover."""

    store: list[str]
    link: list[str]
    rec: list[np.ndarray]
    t: list[np.ndarray]
    deletion: list[np.ndarray]


class Transfers:
    """The bulk handovers and reconciliations of a road map's waves."""

    def __init__(
        self,
        waves: list[Wave],
        source: SourceRecords,
        stores: Mapping[str, Store],
        bulk_per_day: np.ndarray | None,
        reconcile_per_day: np.ndarray | None,
    ) -> None:
        """``bulk_per_day``, ``reconcile_per_day``: per NCB, the records it hands over or
        corrects a day, in simulated units (None: it does not)."""
        self.waves = sorted(waves, key=lambda w: w.day)
        self.source = source
        self.stores = stores
        self.bulk_per_day = bulk_per_day
        self.reconcile_per_day = reconcile_per_day
        self._next_wave = 0
        self._queue: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]] = []
        """(store, link, records, send times, whether each is a deletion) not yet sent."""
        self.corrections: list[tuple[np.ndarray, np.ndarray]] = []
        """(owner, time) of each correction made (staff work)."""

    def due(
        self, day_end: float, settle: Callable[[float], None]
    ) -> list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]]:
        """The transfers that leave before ``day_end`` (working out the waves that move
        before it first, once ``settle(day)`` has served what arrived before the move):
        (store, link, record ids, when each leaves, whether it is the record's deletion),
        each to be sent in the version the record has when it leaves."""
        while self._next_wave < len(self.waves) and self.waves[self._next_wave].day < day_end:
            wave = self.waves[self._next_wave]
            settle(wave.day)
            self._plan(wave)
            self._next_wave += 1
        out, later = [], []
        for store, link, rec, t, deletion in self._queue:
            now = t < day_end
            if now.any():
                out.append((store, link, rec[now], t[now], deletion[now]))
            if (~now).any():
                later.append((store, link, rec[~now], t[~now], deletion[~now]))
        self._queue = later
        return out

    def _plan(self, wave: Wave) -> None:
        if self.bulk_per_day is not None:
            self._bulk(wave, self.bulk_per_day)
        if self.reconcile_per_day is not None:
            self._reconcile(wave, self.reconcile_per_day)

    def _bulk(self, wave: Wave, rate: np.ndarray) -> None:
        """Every active shareable record of the wave's NCBs, oldest first per NCB, to each
        store a new route sends it to."""
        src = self.source
        day = wave.day
        mine = wave.owners[src.owner] & (src.created <= day) & (src.deleted > day)
        mine &= src.sharing != NATIONAL
        rec = np.flatnonzero(mine)
        rec = rec[np.lexsort((src.created[rec], src.owner[rec]))]
        leave = day + rank_by_owner(src.owner[rec]) / rate[src.owner[rec]]
        alive = src.deleted[rec] > leave  # a record deleted before its turn is not handed over
        rec, leave = rec[alive], leave[alive]
        at = np.full(rec.size, day)
        for compiled in wave.routes:
            sent = compiled.carries(src, rec, at)
            if sent.any():
                route = compiled.route
                none_deleted = np.zeros(int(sent.sum()), dtype=bool)
                self._queue.append(
                    (route.target, route.profile.link, rec[sent], leave[sent], none_deleted)
                )

    def _reconcile(self, wave: Wave, rate: np.ndarray) -> None:
        """Per store, the wave's records it shows wrongly now: ghosts (their deletion made
        there) and stale copies (their current version), one NCB's corrections after another
        store's at its rate."""
        src = self.source
        day = wave.day
        wrong_rec, wrong_store, wrong_deleted = [], [], []
        for name, store in self.stores.items():
            rec, version, t = store.application_log()
            done = t <= day
            rec, version = rec[done], version[done]
            mine = wave.owners[src.owner[rec]]
            rec, version = rec[mine], version[mine]
            if rec.size == 0:
                continue
            newest = np.full(src.n_records, -1, dtype=np.int64)
            np.maximum.at(newest, rec, version)
            held = np.flatnonzero(newest >= 0)
            shown = newest[held]
            tombstone = src.is_deletion(held, shown)
            gone = src.deleted[held] <= day
            ghost = ~tombstone & gone
            stale = ~tombstone & ~gone & (shown < version_at(src, held, np.full(held.size, day)))
            wrong = ghost | stale
            wrong_rec.append(held[wrong])
            wrong_deleted.append(ghost[wrong])
            wrong_store.append(np.full(int(wrong.sum()), name, dtype=object))
        if not wrong_rec:
            return
        rec = np.concatenate(wrong_rec)
        store_of = np.concatenate(wrong_store)
        deleted = np.concatenate(wrong_deleted)
        owner = src.owner[rec]
        order = np.lexsort((rec, owner))
        rec, store_of, deleted, owner = rec[order], store_of[order], deleted[order], owner[order]
        when = day + rank_by_owner(owner) / rate[owner]
        self.corrections.append((owner, when))
        for name in np.unique(store_of):
            sel = store_of == name
            link = "ncb_to_hub" if self.stores[name].kind == "hub" else "ncb_to_platform"
            self._queue.append((str(name), link, rec[sel], when[sel], deleted[sel]))

    def correction_log(self) -> tuple[np.ndarray, np.ndarray]:
        """(owner, time) of every correction planned."""
        if not self.corrections:
            return np.empty(0, dtype=np.int64), np.empty(0)
        owner, t = (np.concatenate(parts) for parts in zip(*self.corrections, strict=True))
        return owner, t


def rank_by_owner(owner: np.ndarray) -> np.ndarray:
    """0-based position of each item among the items of the same owner (``owner`` sorted)."""
    if owner.size == 0:
        return np.empty(0)
    first = np.r_[True, owner[1:] != owner[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(owner.size), 0))
    return (np.arange(owner.size) - start).astype(float)


def version_at(src: SourceRecords, rec: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The version each record ``rec`` has at its owner at ``t`` (-1 before its creation):
    the changes laid on one line, record after record (``rec x span + time``), searched at
    once; the line resolves a time to about a second at two million records."""
    if rec.size == 0:
        return np.empty(0, dtype=np.int64)
    t0 = float(min(src.change_time.min(), t.min())) - 1.0
    span = float(max(src.change_time.max(), t.max())) - t0 + 2.0
    key = src.change_rec * span + (src.change_time - t0)
    order = np.argsort(key, kind="stable")
    keys = key[order]
    at = np.searchsorted(keys, rec * span + (t - t0), side="right") - 1
    found = (at >= 0) & (src.change_rec[order[np.maximum(at, 0)]] == rec)
    return np.where(found, src.change_version[order[np.maximum(at, 0)]], -1)
