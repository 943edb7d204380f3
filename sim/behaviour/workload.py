"""Staff work: what each change costs the owner's staff, the backlogs they work through, and
the reviews they miss."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config.schema import Workload as WorkloadSpec
from sim.engine.backlog import Backlogs
from sim.engine.staff import keying_hours, review_hours
from sim.records import SourceRecords


class Workload:
    """Each NCB's staff backlog, and the log of the work done and of the reviews."""

    def __init__(
        self,
        spec: WorkloadSpec,
        capacity: np.ndarray,
        records: SourceRecords,
        manual_entries: Callable[[np.ndarray], np.ndarray],
        n_days: int,
        work_scale: float,
    ) -> None:
        """``records``: the records as amended so far; ``manual_entries``: the architecture's
        count of systems each change is keyed into by hand; ``work_scale``: real actions each
        simulated change stands for (1 / the records' sample fraction)."""
        self.spec = spec
        self.records = records
        self.manual_entries = manual_entries
        self.work_scale = work_scale
        self.backlogs = Backlogs(capacity, work_scale, spec.smoothing_days)
        self.delay_daily = np.full((capacity.size, n_days), np.nan)
        self._work: list[tuple[np.ndarray, ...]] = []
        self._reviews: list[tuple[np.ndarray, ...]] = []

    def hours(self, rows: np.ndarray) -> np.ndarray:
        """Staff hours of each change: one keying per system it goes to by hand, plus the
        review itself for a review extension."""
        src, work = self.records, self.spec
        rec, version = src.change_rec[rows], src.change_version[rows]
        per_entry = keying_hours(work, version == 0, src.is_deletion(rec, version))
        entries = self.manual_entries(rows)
        hours = entries * per_entry + review_hours(work, src.change_review[rows])
        return np.where(src.change_time[rows] < 0, 0.0, hours)  # prehistory: already done

    def missed_reviews(self, rows: np.ndarray, done: np.ndarray) -> np.ndarray:
        """Reviews among the rows not done within the grace period (each review logged)."""
        src = self.records
        review = src.change_review[rows]
        due = src.change_time[rows]
        missed = review & (done > due + self.spec.review_grace_days)
        if review.any():
            self._reviews.append(
                (src.owner[src.change_rec[rows[review]]], due[review], missed[review])
            )
        return missed

    def log_day(
        self, day: int, owner: np.ndarray, arrival: np.ndarray, done: np.ndarray, hours: np.ndarray
    ) -> None:
        """Keep the day's work (hours at real volume), and each NCB's mean delay from arrival to
        completion."""
        work = hours > 0
        real = hours[work] * self.work_scale
        self._work.append((owner[work], arrival[work], done[work], real))
        n = self.delay_daily.shape[0]
        count = np.bincount(owner[work], minlength=n)
        delay = np.bincount(owner[work], weights=(done - arrival)[work], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.delay_daily[:, day] = np.where(count > 0, delay / np.maximum(count, 1), np.nan)

    def work_done(self) -> list[np.ndarray]:
        """(owner, arrival, completion, real hours) of every simulated action that took staff
        time; its hours are those of the real actions it stands for."""
        if not self._work:
            return [np.empty(0, dtype=np.int64), np.empty(0), np.empty(0), np.empty(0)]
        return [np.concatenate(p) for p in zip(*self._work, strict=True)]

    def reviews(self) -> list[np.ndarray]:
        """(owner, due time, missed) of every review."""
        if not self._reviews:
            return [np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=bool)]
        return [np.concatenate(p) for p in zip(*self._reviews, strict=True)]
