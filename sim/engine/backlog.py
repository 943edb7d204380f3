"""Staff backlogs: each NCB works through its manual actions first come, first served.

One server per NCB whose speed is its capacity in staff hours per day, so an action of h hours
takes h / capacity days. A whole day's actions of every NCB are served in one vectorised
Lindley recursion, segment by segment (one segment per NCB).
"""

from __future__ import annotations

import numpy as np


class Backlogs:
    def __init__(self, capacity_hours_per_day: np.ndarray) -> None:
        self.capacity = np.asarray(capacity_hours_per_day, dtype=float)
        self.free_at = np.zeros(self.capacity.size)

    def serve(self, owner: np.ndarray, arrival: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Completion time of each action; actions of no hours complete on arrival, and an NCB
        with no capacity never completes any."""
        done = arrival.astype(float).copy()
        work = np.flatnonzero(hours > 0)
        if work.size == 0:
            return done
        stuck = self.capacity[owner[work]] <= 0
        done[work[stuck]] = np.inf
        work = work[~stuck]
        if work.size:
            done[work] = self._lindley(owner[work], arrival[work], hours[work])
        return done

    def _lindley(self, owner: np.ndarray, arrival: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """d_n = S_n + max(free, max_{k<=n}(a_k - S_{k-1})) within each NCB's segment, S the
        cumulative service of that NCB's actions in arrival order."""
        order = np.lexsort((arrival, owner))
        o, a = owner[order], arrival[order]
        s = hours[order] / self.capacity[o]
        first = np.r_[True, o[1:] != o[:-1]]
        segment = np.cumsum(first) - 1
        total = np.cumsum(s)
        before = (total - s)[first]
        s_incl = total - before[segment]
        x = a - (s_incl - s)
        lift = float(x.max() - x.min() + 1.0)
        running = np.maximum.accumulate(x + segment * lift) - segment * lift
        done_sorted = s_incl + np.maximum(running, self.free_at[o])
        last = np.r_[first[1:], True]
        self.free_at[o[last]] = done_sorted[last]
        done = np.empty_like(done_sorted)
        done[order] = done_sorted
        return done
