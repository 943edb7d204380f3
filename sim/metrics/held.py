"""What the plan says each store holds: the records it is meant to hold (some route sends them
there), those it will never show (never sent, or never keyed in by hand), whether it holds
copies of records or only pointers."""

from __future__ import annotations

import numpy as np

from sim.log import RunLog, StoreLog


def meant(log: RunLog, store: StoreLog) -> np.ndarray:
    """Per record: some route of the plan sends it to ``store`` (at some time)."""
    src = log.source
    return log.plan.meant(store.store, src.owner, src.kind, src.sharing, src.kind_names)


def never_sent(log: RunLog, store: StoreLog) -> np.ndarray:
    """Per record: never sent to ``store`` (no route carries it there, or, keyed by hand, it
    was never keyed in), so never shown there: a lag that never ends, not one the run's end
    cut short."""
    never = ~meant(log, store)
    if store.never_keyed is not None:
        never |= store.never_keyed
    return never


def holds_copies(log: RunLog, store: StoreLog) -> bool:
    """``store`` holds copies of records (exposure, storage), not pointers."""
    return log.plan.holds_copies(store.store)
