"""Staff backlogs: each NCB works through its manual actions first come, first served, as a
fluid queue of staff hours.

A simulated change stands for ``work_scale`` (1 / ``records.sample_fraction``) real actions.
Their work reaches the NCB spread over the day, at a rate smoothed over ``smoothing_days`` (an
exponential moving average, so that a sampled change does not arrive as one lump of hundreds of
hours), and the staff drain the backlog at their capacity in hours a day. An action arriving at
``t`` waits for the work ahead of it, ``B(t) / capacity``, then takes its own hours::

    B(t) = max(0, B(d) + (rate_d - capacity) (t - d))   within day d
    done = t + (B(t) + hours) / capacity

This is the fluid limit of the FIFO queue of the real actions. At the volumes NCBs work at
(hundreds of actions a day) the random wait that a FIFO queue adds to it is minutes: for an
M/G/1 queue it is ``rho E[S^2] / (2 E[S] (1 - rho))``, with a service S of an action's hours
over the day's capacity (a thousandth of a day). What a head of NCB sees in days, a backlog that
stays empty or one that grows by ``(rho - 1)`` days a day, is the fluid's, and it is the same at
any sampling fraction (``tests/test_behaviour.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BacklogState:
    """Hours of work waiting at the start of a day, and the smoothed rate of arriving work."""

    waiting: np.ndarray
    rate: np.ndarray | None


class Backlogs:
    """The backlogs of every NCB, served one day at a time."""

    def __init__(
        self,
        capacity_hours_per_day: np.ndarray,
        work_scale: float = 1.0,
        smoothing_days: float = 0.0,
    ) -> None:
        self.capacity = np.asarray(capacity_hours_per_day, dtype=float)
        self.work_scale = float(work_scale)
        self.keep = math.exp(-1.0 / smoothing_days) if smoothing_days > 0 else 0.0
        """Share of yesterday's smoothed rate kept today."""
        self.state = BacklogState(np.zeros(self.capacity.size), None)

    def plan_day(
        self, day: int, owner: np.ndarray, arrival: np.ndarray, hours: np.ndarray
    ) -> tuple[np.ndarray, BacklogState]:
        """Completion time of each of the day's actions (``hours`` of one real action each;
        none: done on arrival; no capacity: never), and the state at the day's end. Nothing is
        kept until :meth:`commit`, so a day can be planned twice."""
        rate = self._rate(owner, hours)
        capacity = self.capacity[owner]
        waiting = self.waiting_at(owner, arrival - day, rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            done = arrival + (waiting + hours) / capacity
        done = np.where(hours > 0, done, arrival)
        done = np.where((hours > 0) & (capacity <= 0), np.inf, done)
        everyone = np.arange(self.capacity.size)
        end = self.waiting_at(everyone, np.ones(self.capacity.size), rate)
        return done, BacklogState(end, rate)

    def commit(self, state: BacklogState) -> None:
        self.state = state

    def waiting_at(self, owner: np.ndarray, elapsed: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Hours of work ahead of an arrival ``elapsed`` days into the day, per its NCB."""
        net = rate[owner] - self.capacity[owner]
        return np.maximum(0.0, self.state.waiting[owner] + net * np.maximum(elapsed, 0.0))

    def _rate(self, owner: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Real hours of work arriving per day at each NCB, smoothed over the past days."""
        today = np.bincount(owner, weights=hours * self.work_scale, minlength=self.capacity.size)
        if self.state.rate is None:
            return today
        return self.keep * self.state.rate + (1.0 - self.keep) * today
