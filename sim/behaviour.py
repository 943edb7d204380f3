"""Agents that behave: staff backlogs, trust in each channel, sharing propensity, reviews.

Off unless ``behaviour.enabled``. The model asks this module, once a day, to turn the day's
planned source changes into what the NCBs actually do (what they share, when their staff get to
it, which reviews they miss) and to show each NCB what its own lookups returned. The
decisions themselves (trust, propensity) are the NCB agents'.

Lapses: a review extension planned in the source is carried out only if the owner's staff get
to it within ``review_grace_days``; otherwise the record lapses (is deleted at the source) at the
end of the grace period, through a dormant deletion the source planned for that case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.architectures.base import Channel
from sim.config.schema import Behaviour as BehaviourSpec
from sim.engine.backlog import Backlogs
from sim.log import BehaviourLog
from sim.records import SourceRecords, rank_within
from sim.world import GLOBAL, NATIONAL, REGIONAL

if TYPE_CHECKING:
    from sim.model import DataSharingModel

OUTCOMES = ("ghost", "stale", "timeout", "correct")


class Behaviour:
    def __init__(self, spec: BehaviourSpec, model: DataSharingModel) -> None:
        self.spec = spec
        self.model = model
        self.source: SourceRecords = model.source
        src = self.source
        n, days = model.world.n_countries, model.n_days
        self.backlogs = Backlogs(spec.workload.staff_hours_per_day * model.world.weight)
        self.share_draw = model.streams.get("behaviour.share").random(src.n_records)
        self.lookup_rng = model.streams.get("behaviour.lookups")
        self.cancelled = np.zeros(src.n_changes, dtype=bool)
        self.lapse_row = lapse_rows(src)
        self.rows_order, self.rows_bounds = rows_by_record(src)
        self.source_now = np.full(src.n_records, -1, dtype=np.int64)
        self.store_now: dict[str, np.ndarray] = {}
        self.reluctance = model.strategy.sharing_reluctance(spec.sharing.reluctance)
        self.planned_global = np.zeros((n, days))
        self.shared_global = np.zeros((n, days))
        self.trust_daily = np.full((n, days), np.nan)
        self.propensity_daily = np.full((n, days), np.nan)
        self.backlog_daily = np.full((n, days), np.nan)
        self._work: list[tuple[np.ndarray, ...]] = []
        self.stuck = 0
        """Changes that never leave because their NCB has no staff time at all."""
        self._reviews: list[tuple[np.ndarray, ...]] = []

    # --- wiring -----------------------------------------------------------------------------

    def watch_stores(self, stores) -> None:
        """Keep what each store shows now, so lookups can be checked against it."""
        for store in stores:
            current = np.full(self.source.n_records, -1, dtype=np.int64)
            self.store_now[store.name] = current

            def applied(rec, version, t, current=current) -> None:
                np.maximum.at(current, rec, version)

            store.listeners.append(applied)

    # --- the day's changes --------------------------------------------------------------------

    def todays_changes(self, day: int, rows: np.ndarray, t_send: np.ndarray):
        """Decide sharing for today's creations, serve the staff backlogs, drop missed reviews
        (and activate their lapses); return the rows to send and when each leaves.

        Missed reviews are decided on a first pass of the backlog; the day is then served again
        without them (their work is never done) and with the lapses due today."""
        src = self.source
        rows, t_send = self._live(rows, t_send)
        self._decide_sharing(day, rows)
        saved = self.backlogs.free_at.copy()
        owner, hours = src.owner[src.change_rec[rows]], self._hours(rows)
        done = self.backlogs.serve(owner, t_send, hours)
        missed = self._missed_reviews(rows, done)
        if missed.any():
            for row in rows[missed]:
                self._lapse(int(row))
            due_today = self.lapse_row[rows[missed]]
            due_today = due_today[(due_today >= 0) & (src.change_time[due_today] < day + 1)]
            rows = np.concatenate([rows, due_today])
            t_send = np.concatenate([t_send, self.model.change_send_time[due_today]])
            rows, t_send = self._live(rows, t_send)
            self.backlogs.free_at = saved
            owner, hours = src.owner[src.change_rec[rows]], self._hours(rows)
            done = self.backlogs.serve(owner, t_send, hours)
        self._log_work(day, owner, t_send, done, hours)
        np.maximum.at(self.source_now, src.change_rec[rows], src.change_version[rows])
        leave = np.where(hours > 0, done, t_send)
        never = ~np.isfinite(leave)  # an NCB without staff never gets to them
        self.stuck += int(never.sum())
        return rows[~never], leave[~never]

    def _live(self, rows: np.ndarray, t_send: np.ndarray):
        """Rows still to happen: not cancelled, and not a lapse that was never activated."""
        src = self.source
        live = ~self.cancelled[rows] & (src.change_version[rows] >= 0)
        return rows[live], t_send[live]

    def _decide_sharing(self, day: int, rows: np.ndarray) -> None:
        """Each new global record is shared beyond the region with the owner's propensity
        (less the architecture's reluctance); otherwise it stays regional, or at home."""
        src = self.source
        new = rows[src.change_version[rows] == 0]
        rec = src.change_rec[new]
        rec = rec[src.sharing[rec] == GLOBAL]
        if rec.size == 0:
            return
        owner = src.owner[rec]
        propensity = np.array([ncb.propensity for ncb in self.model.ncbs])
        shared = self.share_draw[rec] < propensity[owner] * (1.0 - self.reluctance)
        withheld = rec[~shared]
        has_platform = self.model.world.membership[src.owner[withheld]].any(axis=1)
        src.sharing[withheld] = np.where(has_platform, REGIONAL, NATIONAL)
        src.scope[withheld] = src.sharing[withheld]
        np.add.at(self.planned_global[:, day], owner, 1.0)
        np.add.at(self.shared_global[:, day], owner[shared], 1.0)

    def _hours(self, rows: np.ndarray) -> np.ndarray:
        """Staff hours of each change: one keying per system it goes to by hand, plus the
        review itself for a review extension."""
        src = self.source
        work = self.spec.workload
        rec, version = src.change_rec[rows], src.change_version[rows]
        per_entry = np.where(
            version == 0,
            work.hours_per_entry,
            np.where(src.is_deletion(rec, version), work.hours_per_deletion, work.hours_per_update),
        )
        entries = self.model.strategy.manual_entries(rows)
        hours = entries * per_entry + src.change_review[rows] * work.hours_per_review
        return np.where(src.change_time[rows] < 0, 0.0, hours)  # prehistory: already done

    def _missed_reviews(self, rows: np.ndarray, done: np.ndarray) -> np.ndarray:
        src = self.source
        review = src.change_review[rows]
        due = src.change_time[rows]
        missed = review & (done > due + self.spec.workload.review_grace_days)
        if review.any():
            self._reviews.append(
                (src.owner[src.change_rec[rows[review]]], due[review], missed[review])
            )
        return missed

    def _lapse(self, row: int) -> None:
        """A missed review: the extension never happens and the record lapses at the end of the
        grace period; every later change of the record is cancelled."""
        src = self.source
        self.cancelled[row] = True
        rec = int(src.change_rec[row])
        lapse = int(self.lapse_row[row])
        if lapse < 0 or src.deleted[rec] <= src.change_time[lapse]:
            return  # the record ends anyway before the lapse (or after the horizon)
        when = src.change_time[lapse]
        rows = self.rows_order[self.rows_bounds[rec] : self.rows_bounds[rec + 1]]
        later = rows[(src.change_time[rows] >= when) & (rows != lapse)]
        self.cancelled[later] = True
        kept = rows[~self.cancelled[rows] & ~src.change_dormant[rows]]
        version = int(src.change_version[kept].max()) + 1
        src.change_version[lapse] = version
        src.deleted[rec] = when
        src.last_version[rec] = version

    def _log_work(self, day, owner, arrival, done, hours) -> None:
        work = hours > 0
        self._work.append((owner[work], arrival[work], done[work], hours[work]))
        n = self.model.world.n_countries
        count = np.bincount(owner[work], minlength=n)
        delay = np.bincount(owner[work], weights=(done - arrival)[work], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.backlog_daily[:, day] = np.where(count > 0, delay / np.maximum(count, 1), np.nan)

    # --- what lookups return ------------------------------------------------------------------

    def observe(self, day: int, querier: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Outcome counts [country, channel] of one lookup per query in each channel the querier
        consults: the query searches a subject among the records of the last ``memory_days``."""
        src = self.source
        channels = self.model.channels
        n = self.model.world.n_countries
        counts = {name: np.zeros((n, len(channels))) for name in OUTCOMES}
        lo, hi = np.searchsorted(src.created, [day - self.spec.trust.memory_days, day])
        if hi <= lo or querier.size == 0:
            return counts
        subject = self.lookup_rng.integers(lo, hi, size=querier.size)
        owner = src.owner[subject]
        ent = self.model.world.entitlement()[src.scope[subject], querier, owner]
        source_version = self.source_now[subject]
        deleted = src.is_deletion(subject, source_version)
        for c, channel in enumerate(channels):
            asks = ent & channel.consulted[querier]
            shown, version, up = self._channel_state(channel, subject, owner, t, deleted)
            answered = asks & up & shown
            outcome = {
                "timeout": asks & ~up,
                "ghost": answered & deleted,
                "stale": answered & ~deleted & (version < source_version),
                "correct": answered & ~deleted & (version >= source_version),
            }
            for name, mask in outcome.items():
                np.add.at(counts[name][:, c], querier[mask], 1.0)
        return counts

    def _channel_state(self, channel: Channel, subject, owner, t, deleted):
        """(the channel shows the subject, the version it shows, the channel answered)."""
        if channel.store is None:  # the owner answers from its own system, if it is up
            up = np.ones(subject.size, dtype=bool)
            for o in np.unique(owner):
                mine = owner == o
                up[mine] = self.model.ncbs[o].node.availability.is_up(t[mine])
            for gate in channel.gates:
                up &= gate.availability.is_up(t)
            version = self.source_now[subject]
            return (version >= 0) & ~deleted, version, up
        store = channel.store
        version = self.store_now[store.name][subject]
        tombstone = self.source.is_deletion(subject, version)
        return (version >= 0) & ~tombstone, version, store.availability.is_up(t)

    def peer_level(self, day: int) -> np.ndarray:
        """Share of new global records the other NCBs of each NCB's region shared lately."""
        window = int(self.spec.sharing.peer_window_days)
        lo = max(0, day - window + 1)
        planned = self.planned_global[:, lo : day + 1].sum(axis=1)
        shared = self.shared_global[:, lo : day + 1].sum(axis=1)
        region = self.model.world.region_of
        level = np.full(planned.size, np.nan)
        for r in np.unique(region):
            members = region == r
            p_total = planned[members].sum() - planned[members]
            s_total = shared[members].sum() - shared[members]
            level[members] = np.where(p_total > 0, s_total / np.maximum(p_total, 1), np.nan)
        return level

    def record_day(self, day: int) -> None:
        for ncb in self.model.ncbs:
            self.trust_daily[ncb.index, day] = ncb.mean_trust()
            self.propensity_daily[ncb.index, day] = ncb.propensity

    # --- at the end -----------------------------------------------------------------------------

    def final_source(self) -> SourceRecords:
        """The source as it happened: cancelled changes and unused lapses removed."""
        src = self.source
        keep = ~self.cancelled & ~(src.change_dormant & (src.change_version < 0))
        return SourceRecords(
            owner=src.owner,
            kind=src.kind,
            kind_names=src.kind_names,
            sharing=src.sharing,
            scope=src.scope,
            created=src.created,
            deleted=src.deleted,
            last_version=src.last_version,
            change_rec=src.change_rec[keep],
            change_version=src.change_version[keep],
            change_time=src.change_time[keep],
            change_review=src.change_review[keep],
            change_dormant=src.change_dormant[keep],
        )

    def log(self) -> BehaviourLog:
        work = [np.concatenate(p) if p else np.empty(0) for p in zip(*self._work, strict=True)]
        if not work:
            work = [np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0)]
        reviews = [np.concatenate(p) for p in zip(*self._reviews, strict=True)] or [
            np.empty(0, dtype=np.int64),
            np.empty(0),
            np.empty(0, dtype=bool),
        ]
        return BehaviourLog(
            work_owner=work[0].astype(np.int64),
            work_arrival=work[1],
            work_done=work[2],
            work_hours=work[3],
            capacity=self.backlogs.capacity,
            review_owner=reviews[0].astype(np.int64),
            review_time=reviews[1],
            review_missed=reviews[2].astype(bool),
            trust=self.trust_daily,
            propensity=self.propensity_daily,
            backlog_delay=self.backlog_daily,
        )


def lapse_rows(src: SourceRecords) -> np.ndarray:
    """For each review-extension row, the dormant lapse row planned for it (-1: none, when the
    lapse would fall after the horizon). The k-th review of a record pairs with its k-th lapse."""
    out = np.full(src.n_changes, -1, dtype=np.int64)
    reviews = np.flatnonzero(src.change_review)
    lapses = np.flatnonzero(src.change_dormant)
    if lapses.size == 0:
        return out
    ranks = [rank_within(src.change_rec[rows], src.change_time[rows]) for rows in (reviews, lapses)]
    width = int(max(r.max() for r in ranks)) + 1
    key_review = src.change_rec[reviews] * width + ranks[0]
    key_lapse = src.change_rec[lapses] * width + ranks[1]
    order = np.argsort(key_lapse)
    pos = np.minimum(np.searchsorted(key_lapse[order], key_review), lapses.size - 1)
    found = key_lapse[order][pos] == key_review
    out[reviews[found]] = lapses[order][pos[found]]
    return out


def rows_by_record(src: SourceRecords) -> tuple[np.ndarray, np.ndarray]:
    """Change rows ordered by (record, time), and where each record's rows start."""
    order = np.lexsort((src.change_time, src.change_rec))
    return order, np.searchsorted(src.change_rec[order], np.arange(src.n_records + 1))
