"""What is keyed by hand into one system: whether each record is entered there at all, and
whether each later update or deletion is also made there.

Both are drawn up front, one uniform per record and one per change from the system's own
streams (``keying.entry.<store>``, ``keying.update.<store>``), and compared with the
probabilities of the route that carries the record: so the staff hours billed for a change and
the change sent always agree however often they are asked about, and a higher entry
probability keys a superset of the records a lower one keys (common random numbers across a
sweep of it).
"""

from __future__ import annotations

import numpy as np

from sim.engine.dists import HOURS, Sampler
from sim.records import SourceRecords
from sim.rng import Streams
from sim.topology import Manual


class Keying:
    """The manual entries into one system (``store``)."""

    def __init__(self, store: str, source: SourceRecords, streams: Streams) -> None:
        self.store = store
        self.source = source
        self._entry = streams.get(f"keying.entry.{store}").random(source.n_records, np.float32)
        self._update = streams.get(f"keying.update.{store}").random(source.n_changes, np.float32)
        self.delay_rng = streams.get(f"keying.delay.{store}")

    def entered(self, rec: np.ndarray, manual: Manual) -> np.ndarray:
        """Whether each record was keyed into the system at all."""
        return self._entry[rec] < manual.entry_probability

    def keyed(self, idx: np.ndarray, manual: Manual) -> tuple[np.ndarray, np.ndarray]:
        """(entered, keyed) for the changes ``idx``: the record was entered at all, and the
        change itself is made there (the creation of an entered record, or an update or
        deletion of one also made there)."""
        src = self.source
        rec = src.change_rec[idx]
        entered = self.entered(rec, manual)
        made = self._update[idx] < manual.update_probability
        return entered, entered & ((src.change_version[idx] == 0) | made)

    def delays(self, manual: Manual, n: int) -> np.ndarray:
        """Keying delays (days) of ``n`` changes, in the order they are keyed."""
        sampler = Sampler(manual.keying_delay_hours, HOURS)
        return np.zeros(n) if sampler.is_zero else sampler.draw(self.delay_rng, n)
