"""What each manual action costs an NCB's staff: the one price list that the behaviour's
backlogs and the staff-hour metrics both read."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Workload


def keying_hours(spec: Workload, creation: np.ndarray, deletion: np.ndarray) -> np.ndarray:
    """Hours to key each change into one system: a new record, a deletion or an update."""
    return np.where(
        creation,
        spec.hours_per_entry,
        np.where(deletion, spec.hours_per_deletion, spec.hours_per_update),
    )


def review_hours(spec: Workload, review: np.ndarray) -> np.ndarray:
    """Hours of the review behind each change: a review extension is reviewed once, whatever
    the systems it is then keyed into."""
    return review * spec.hours_per_review
