"""Agents that behave: staff backlogs, trust in each channel, sharing propensity, reviews.

Off unless ``behaviour.enabled``. Once a day the model asks this package to turn the day's
planned source changes into what the NCBs actually do (what they share, when their staff get
to it, which reviews they miss) and, at the day's end, to show each NCB what its own lookups
returned; the decisions themselves (trust, propensity) are the NCB agents'.

One module per mechanism: ``workload`` (staff time, backlogs, missed reviews), ``lookups``
(what searches return, channel by channel), ``sharing`` (which records leave the region) and
``overlay`` (what the owners did differently from the plan, kept apart from it).

Lapses: a review extension planned in the source is carried out only if the owner's staff get
to it within ``review_grace_days``; otherwise the record lapses (is deleted at the source) at
the end of the grace period, through a dormant deletion the source planned for that case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from mesa.agent import AgentSet

from sim.agents import NCB
from sim.architectures import Channel
from sim.behaviour.lookups import OUTCOMES, Lookups
from sim.behaviour.overlay import Overlay, as_happened
from sim.behaviour.sharing import Sharing
from sim.behaviour.workload import Workload
from sim.config.schema import Behaviour as BehaviourSpec
from sim.config.schema import Trust
from sim.engine.backlog import BacklogState
from sim.log import BehaviourLog
from sim.rng import Streams
from sim.world import WorldIndex

__all__ = ["OUTCOMES", "Behaviour", "Overlay", "Sampling", "as_happened"]


@dataclass(frozen=True)
class Sampling:
    """How a run samples the real world: the share of real records simulated, and the sampled
    searches a day of each country (each one a lookup behaviour learns from)."""

    records: float
    lookups_per_day: np.ndarray


def lookup_scale(spec: Trust, world: WorldIndex, lookups_per_day: np.ndarray) -> np.ndarray:
    """Per NCB, how many lookup outcomes its trust takes in for each sampled lookup.

    An NCB's trust reacts to ``observations_per_day`` outcomes a day per unit of weight,
    whatever the sampling: the sampled lookups only estimate which outcomes those are. So each
    sampled lookup counts ``observations_per_day x weight / sampled lookups a day``, and
    halving the sampled searches leaves trust as it was, up to noise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = spec.observations_per_day * world.weight / lookups_per_day
    return np.where(lookups_per_day > 0, scale, 0.0)


class Behaviour:
    """The NCBs' behaviour over one run, acting on ``overlay``."""

    def __init__(
        self,
        spec: BehaviourSpec,
        overlay: Overlay,
        world: WorldIndex,
        channels: list[Channel],
        manual_entries: Callable[[np.ndarray], np.ndarray],
        reluctance: float,
        ncbs: Sequence[NCB],
        streams: Streams,
        send_time: np.ndarray,
        n_days: int,
        sampled: Sampling,
    ) -> None:
        """``channels``: what the NCBs query (``sim.architectures.channels``);
        ``manual_entries``: systems each change is keyed into by hand; ``reluctance``: how
        much less an NCB shares under this architecture than through federated queries;
        ``send_time``: when each planned change would leave its NCB (lapses leave then);
        ``sampled``: how the run samples the real records and searches."""
        self.spec = spec
        self.overlay = overlay
        self.records = overlay.records
        self.ncbs = ncbs
        self.agents = AgentSet(ncbs)
        """The NCBs, stepped at each day's end through Mesa's agent set."""
        self.send_time = send_time
        self.channels = channels
        capacity = np.array([ncb.staff_hours_per_day for ncb in ncbs])
        self.workload = Workload(
            spec.workload,
            capacity,
            self.records,
            manual_entries,
            n_days,
            1.0 / sampled.records,
        )
        self.lookup_scale = lookup_scale(spec.trust, world, sampled.lookups_per_day)
        self.lookups = Lookups(
            spec.trust,
            self.records,
            world,
            self.channels,
            [ncb.node.availability for ncb in ncbs],
            streams.get("behaviour.lookups"),
        )
        self.sharing = Sharing(
            spec.sharing, reluctance, overlay, world, n_days, streams.get("behaviour.share")
        )
        self.trust_daily = np.full((world.n_countries, n_days), np.nan)
        self.propensity_daily = np.full((world.n_countries, n_days), np.nan)
        self.stuck = 0
        """Changes that never leave because their NCB has no staff time at all."""
        for ncb in ncbs:
            ncb.start_behaving(spec, [c.name for c in self.channels if c.consulted[ncb.index]])

    # --- the day's changes --------------------------------------------------------------------

    def todays_changes(
        self, day: int, rows: np.ndarray, t_send: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Decide sharing for today's creations, serve the staff backlogs, drop missed reviews
        (and activate their lapses); return the rows to send and when each leaves.

        Missed reviews are decided on a first pass of the backlog; the day is then served again
        without them (their work is never done) and with the lapses due today."""
        rows, t_send = self._live(rows, t_send)
        propensity = np.array([ncb.propensity for ncb in self.ncbs])
        self.sharing.decide(day, rows, propensity)
        owner, hours, (done, end) = self._served(day, rows, t_send)
        missed = self.workload.missed_reviews(rows, done)
        if missed.any():
            for row in rows[missed]:
                self.overlay.miss_review(int(row))
            due_today = self.overlay.lapses_before(rows[missed], day + 1)
            rows, t_send = self._live(
                np.concatenate([rows, due_today]),
                np.concatenate([t_send, self.send_time[due_today]]),
            )
            owner, hours, (done, end) = self._served(day, rows, t_send)
        self.workload.backlogs.commit(end)
        self.workload.log_day(day, owner, t_send, done, hours)
        self.lookups.source_changed(rows)
        leave = np.where(hours > 0, done, t_send)
        never = ~np.isfinite(leave)  # an NCB without staff never gets to them
        self.stuck += int(never.sum())
        return rows[~never], leave[~never]

    def _live(self, rows: np.ndarray, t_send: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        live = self.overlay.live(rows)
        return rows[live], t_send[live]

    def _served(
        self, day: int, rows: np.ndarray, t_send: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, BacklogState]]:
        """(owner, staff hours, (completion times, backlogs at the day's end)) of the day's
        changes, planned through the backlogs (kept only when committed)."""
        owner = self.records.owner[self.records.change_rec[rows]]
        hours = self.workload.hours(rows)
        return owner, hours, self.workload.backlogs.plan_day(day, owner, t_send, hours)

    # --- the day's end ---------------------------------------------------------------------------

    def end_of_day(self, day: int, querier: np.ndarray, t: np.ndarray) -> None:
        """Each NCB learns from its lookups of the day (queries ``querier`` made at ``t``),
        then decides how much to share."""
        counts = self.lookups.outcomes(day, querier, t)
        peers = self.sharing.peer_level(day)
        self.agents.do("end_of_day", self.spec, self.channels, counts, self.lookup_scale, peers)
        for ncb in self.ncbs:
            self.trust_daily[ncb.index, day] = ncb.mean_trust()
            self.propensity_daily[ncb.index, day] = ncb.propensity

    # --- at the end -----------------------------------------------------------------------------

    def log(self) -> BehaviourLog:
        work = self.workload.work_done()
        reviews = self.workload.reviews()
        return BehaviourLog(
            work_owner=work[0].astype(np.int64),
            work_arrival=work[1],
            work_done=work[2],
            work_hours=work[3],
            capacity=self.workload.backlogs.capacity,
            work_scale=self.workload.work_scale,
            review_owner=reviews[0].astype(np.int64),
            review_time=reviews[1],
            review_missed=reviews[2].astype(bool),
            trust=self.trust_daily,
            propensity=self.propensity_daily,
            backlog_delay=self.workload.delay_daily,
        )
