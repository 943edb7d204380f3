"""What the owners did that the plan left open, kept apart from the plan.

The planned source (``SourceRecords``) is a value and stays as drawn. With behaviour on, the
NCBs withhold some of their global records (shared no further than their region), miss reviews
(the extension is cancelled with every later change of the record) and let those records lapse
(a dormant deletion the plan holds for that case is activated). The overlay keeps these in
arrays of its own; ``records`` is a read-only window on the plan as amended so far, which the
strategies route by, and ``as_happened`` the source as it happened, for the run log.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.engine.order import record_time_order
from sim.records import SourceRecords, rank_within
from sim.world import NATIONAL, REGIONAL, WorldIndex


class Overlay:
    """Withheld records, cancelled changes and activated lapses over one planned source."""

    def __init__(self, plan: SourceRecords, world: WorldIndex) -> None:
        self.plan = plan
        self.sharing = plan.sharing.copy()
        """Per record: as planned, or REGIONAL / NATIONAL once withheld."""
        self.scope = plan.scope.copy()
        self.change_version = plan.change_version.copy()
        """Per change: as planned; an activated lapse takes the version after the record's
        last kept one (dormant lapses hold -1)."""
        self.deleted = plan.deleted.copy()
        self.last_version = plan.last_version.copy()
        self.cancelled = np.zeros(plan.n_changes, dtype=bool)
        self.has_platform = np.asarray(world.membership.any(axis=1))
        self.lapse_row = lapse_rows(plan)
        self.rows_order, self.rows_bounds = rows_by_record(plan)
        self.records = dataclasses.replace(
            plan,
            sharing=self.sharing.view(),
            scope=self.scope.view(),
            change_version=self.change_version.view(),
            deleted=self.deleted.view(),
            last_version=self.last_version.view(),
        )
        """The plan as amended so far (read-only views of the arrays above)."""

    def happened(self) -> np.ndarray:
        """Per planned change: it happened (neither cancelled nor a lapse never activated);
        the rows of ``as_happened``'s changes, in order."""
        return ~self.cancelled & (self.change_version >= 0)

    def live(self, rows: np.ndarray) -> np.ndarray:
        """Which of the change rows still happen: not cancelled, and not a dormant lapse."""
        return ~self.cancelled[rows] & (self.change_version[rows] >= 0)

    def withhold(self, rec: np.ndarray) -> None:
        """Global records kept on the owner's platforms, or at home when it has none."""
        has_platform = self.has_platform[self.plan.owner[rec]]
        self.sharing[rec] = np.where(has_platform, REGIONAL, NATIONAL)
        self.scope[rec] = self.sharing[rec]

    def miss_review(self, row: int) -> None:
        """A missed review: the extension never happens and the record lapses at the end of
        the grace period; every later change of the record is cancelled."""
        plan = self.plan
        self.cancelled[row] = True
        rec = int(plan.change_rec[row])
        lapse = int(self.lapse_row[row])
        if lapse < 0 or self.deleted[rec] <= plan.change_time[lapse]:
            return  # the record ends anyway before the lapse (or after the horizon)
        when = plan.change_time[lapse]
        rows = self.rows_order[self.rows_bounds[rec] : self.rows_bounds[rec + 1]]
        later = rows[(plan.change_time[rows] >= when) & (rows != lapse)]
        self.cancelled[later] = True
        kept = rows[~self.cancelled[rows] & ~plan.change_dormant[rows]]
        version = int(self.change_version[kept].max()) + 1
        self.change_version[lapse] = version
        self.deleted[rec] = when
        self.last_version[rec] = version

    def lapses_before(self, review_rows: np.ndarray, t: float) -> np.ndarray:
        """The lapse rows planned for these (missed) reviews that fall before ``t``."""
        lapses = self.lapse_row[review_rows]
        lapses = lapses[lapses >= 0]
        return lapses[self.plan.change_time[lapses] < t]


def as_happened(plan: SourceRecords, overlay: Overlay) -> SourceRecords:
    """The source as it happened: the plan with the overlay's sharing, versions and deletions,
    without the cancelled changes and the lapses never activated. A new value; neither input
    changes."""
    keep = overlay.happened()
    return dataclasses.replace(
        plan,
        sharing=overlay.sharing.copy(),
        scope=overlay.scope.copy(),
        deleted=overlay.deleted.copy(),
        last_version=overlay.last_version.copy(),
        change_rec=plan.change_rec[keep],
        change_version=overlay.change_version[keep],
        change_time=plan.change_time[keep],
        change_review=plan.change_review[keep],
        change_dormant=plan.change_dormant[keep],
        change_material=plan.change_material[keep],
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
    order = record_time_order(src.change_rec, src.change_time)
    return order, np.searchsorted(src.change_rec[order], np.arange(src.n_records + 1))
