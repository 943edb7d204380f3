"""What the record integrals mean at the border: hits, missed hits, false hits and stale hits
per year at real volume, derived from the exact time integrals, not from the sampled searches.

The subject model (its parameters are in ``queries``, a kind's own values first):

- Country q makes R_q searches a day at real volume (``queries.per_country_per_day`` x its
  weight), a share s_k of them about a subject of kind k, spread evenly over time.
- A share h_k of them (``on_record_share``) is about a subject with a record of kind k active
  with another country's NCB, and that record is any of the other countries' active records
  of kind k with equal chance (subjects spread over the owners as their records do). Such a
  search is a **hit** if the officer's systems show the record (q's node is up and a system it
  consults shows it; federated: the owner's answer is back in time), a **stale hit** if the
  record is shown in a version the owner has since changed (a hit still: stale hits are among
  the hits), a **missed hit** if q is entitled to see it and the systems do not show it (or do
  not answer in time, or q's own node is down), and none of these if its owner restricted it
  from q.
- Assumption for false hits: the subject of a record its owner has deleted (a recovered
  passport back with its holder, a person no longer wanted) goes on being searched, ρ_k times
  (``deleted_search_ratio``) as often as the subject of an active record. A search of it while
  the deleted record is still shown is a **false hit**: an officer acts on a cancelled alert.

So for one search of kind k by q at time t, with A(t) the other countries' active records of
kind k (``allact``), E(t) those q is entitled to see (``act``), V(t) those shown (``vis_act``),
G(t) the deleted ones shown (``ghost``) and S(t) the outdated ones shown (the quantity the
stale rate counts):

    P(hit) = h V/A,  P(missed hit) = h (E - V)/A,  P(false hit) = h ρ G/A,  P(stale hit) = h S/A.

A day's expected count is R_q s_k h_k times the day's integral of V/A (and so on); A moves by a
fraction of a percent in a day, so that integral is the ratio of the day's integrals of V and A
divided by the day's length, to that order (exactly when A is constant over the day). Days are
summed over the measured window and scaled to 365 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.catalogue import CATALOGUE
from sim.log import RunLog
from sim.metrics.layout import Grid

DAYS_PER_YEAR = 365.0

OUTCOMES = ("hits", "missed_hits", "false_hits", "stale_hits")
"""The outcomes counted, each reported per year and per 1,000 searches."""

STALE_PARTS: tuple[str, ...] = CATALOGUE["stale_rate"].ratio[0]  # type: ignore[index]
"""The integrals that count a shown record as outdated: the very ones ``stale_rate`` counts,
so that stale hits follow that rate's definition (material staleness once updates are told
apart as material or administrative)."""


def outcome_counts(log: RunLog, daily: dict[str, np.ndarray], days: Grid) -> dict[str, np.ndarray]:
    """Expected searches and outcomes in the window at real volume, [country, kind, day]."""
    mix = log.subjects
    assert mix is not None
    length = days.day_hi - days.day_lo
    per_day = log.query_rate * log.queries.weight  # real searches a day of each country
    searches = per_day[:, None, None] * mix.share[None, :, None] * length[None, None, :]
    on_record = searches * mix.on_record[None, :, None]
    population = daily["allact"]
    per_record = np.where(population > 0, on_record / np.where(population > 0, population, 1), 0.0)
    stale = sum(daily[name] for name in STALE_PARTS)
    return {
        "searches": searches,
        "hits": per_record * daily["vis_act"],
        # vis_act <= act; the two integrals come by different sums, so a kind shown in full
        # can differ by rounding (1e-14 of a record-day): never a negative count.
        "missed_hits": per_record * np.maximum(daily["act"] - daily["vis_act"], 0.0),
        "false_hits": per_record * mix.deleted_ratio[None, :, None] * daily["ghost"],
        "stale_hits": per_record * stale,
    }


def outcome_metrics(
    counts: dict[str, np.ndarray], rows: np.ndarray, days: Grid, kind: int | None = None
) -> dict[str, float | None]:
    """Per year and per 1,000 searches, for the queriers ``rows`` (and one kind, or all)."""
    measured = float((days.day_hi - days.day_lo).sum())
    kinds = slice(None) if kind is None else slice(kind, kind + 1)
    total = {name: float(values[rows][:, kinds].sum()) for name, values in counts.items()}
    return outcome_rates(total, measured)


def outcome_rates(total: Mapping[str, float], measured_days: float) -> dict[str, float | None]:
    """Per year and per 1,000 searches, of the expected counts ``total`` (``searches`` and
    each of :data:`OUTCOMES`) over ``measured_days`` (a run, or any window of its days)."""
    years = measured_days / DAYS_PER_YEAR
    out: dict[str, float | None] = {
        "searches_per_year": total["searches"] / years if years > 0 else None
    }
    for name in OUTCOMES:
        out[f"{name}_per_year"] = total[name] / years if years > 0 else None
        out[f"{name}_per_1000_searches"] = (
            1000 * total[name] / total["searches"] if total["searches"] > 0 else None
        )
    return out


def outcome_counts_by_day(
    counts: dict[str, np.ndarray], rows: np.ndarray, kind: int | None = None
) -> dict[str, np.ndarray]:
    """The expected counts of the queriers ``rows`` (one kind, or all) each day."""
    kinds = slice(None) if kind is None else slice(kind, kind + 1)
    return {name: values[rows][:, kinds].sum(axis=(0, 1)) for name, values in counts.items()}


def outcomes_by_kind(
    counts: dict[str, np.ndarray], rows: np.ndarray, days: Grid, kind_names: tuple[str, ...]
) -> dict[str, Any]:
    """The families ``<outcome>_per_year_by_kind``: {kind: per year}, for the sweeps' tables
    (and their intervals) to hold each kind's counts."""
    by_kind = {k: outcome_metrics(counts, rows, days, i) for i, k in enumerate(kind_names)}
    return {
        f"{name}_per_year_by_kind": {k: by_kind[k][f"{name}_per_year"] for k in kind_names}
        for name in OUTCOMES
    }
