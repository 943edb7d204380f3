"""A world's draws kept across its runs (``sim.builder.Draws``) are the draws a run would make
alone: the records with and without the ghosts of the past come from one draw of every
record's life (``Lives``), shared and read-only, and equal what a fresh draw gives."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from sim.builder import Draws, planned_records
from sim.records import SourceRecords
from sim.rng import Streams
from sim.world import WorldIndex
from tests.helpers import scenario

SHORT_REVIEWS = {
    "records": {
        "prehistory_days": 200,
        "kinds": {
            "notices": {
                "share": 1.0,
                "lifetime_days": {"dist": "exponential", "mean": 300},
                "review_days": 60,
            }
        },
    }
}
"""Records whose lives begin before day 0 and are reviewed: some of them deleted before day 0
are ghosts a system that missed the deletion still shows."""


def same(a: SourceRecords, b: SourceRecords) -> None:
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


@pytest.mark.parametrize("order", [(True, False), (False, True)])
def test_both_ghost_settings_from_one_draw_equal_fresh_draws(order):
    s = scenario(SHORT_REVIEWS)
    world = WorldIndex.from_schema(s.world, s.records.denials)
    draws = Draws()
    kept = {ghosts: draws.records(s, 11, ghosts, world, Streams(11)) for ghosts in order}
    assert len(draws._lives) == 1  # one draw of the lives for both settings
    for ghosts, records in kept.items():
        same(records, planned_records(s, world, Streams(11), ghosts))
    assert kept[True].n_records > kept[False].n_records  # the ghosts are there
    (lives,) = draws._lives.values()
    assert not lives.owner.flags.writeable  # shared: no run may write into it


def test_another_seed_draws_other_lives():
    s = scenario(SHORT_REVIEWS)
    world = WorldIndex.from_schema(s.world, s.records.denials)
    draws = Draws()
    a = draws.records(s, 11, False, world, Streams(11))
    b = draws.records(s, 12, False, world, Streams(12))
    assert len(draws._lives) == 2
    assert not np.array_equal(a.created[:50], b.created[:50])
    same(b, planned_records(s, world, Streams(12), False))
