"""Each querier's daily integrals read from a view's record groups (``sim.metrics.reading``)
against the plain definition: project every group's running values on the querier at every
grid point (its entitled owners and scopes, its kinds), then add, day by day, the projected
value's increase over each of the querier's up pieces."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.engine.outages import Availability
from sim.metrics.layout import Grid, Layout
from sim.metrics.reading import Readings, UpDays, read_groups

N_DAYS, N_QUANTITIES = 12, 3
LAYOUT = Layout(n_countries=5, n_scopes=2, n_kinds=3)


def world(seed: int) -> tuple[SimpleNamespace, Grid, np.ndarray]:
    """Five nodes: always up; down half of day 3; down days 5 to 7 whole; down at many short
    moments (several pieces a day); and down from the first half of day 10 on. A grid of the
    days refined by their edges and random points; random entitlements."""
    rng = np.random.default_rng(seed)
    flickers = np.sort(rng.uniform(0, N_DAYS, 40))
    windows = [
        ([], []),
        ([3.25], [3.75]),
        ([5.0], [8.0]),
        (flickers[0::2], flickers[1::2]),
        ([10.4], [N_DAYS + 1.0]),
    ]
    nodes = [Availability(np.array(s, float), np.array(e, float)) for s, e in windows]
    log = SimpleNamespace(node_availability=nodes, warmup=0.0, horizon=float(N_DAYS))
    days = np.arange(N_DAYS, dtype=float)
    grid = Grid(np.unique(np.r_[days, days + 1.0]), days, days + 1.0)
    grid = grid.refined(log, nodes)  # type: ignore[arg-type]
    extra = np.unique(np.r_[grid.points, rng.uniform(0, N_DAYS, 30)])
    grid = Grid(extra, grid.day_lo, grid.day_hi)
    ent = rng.random((LAYOUT.n_scopes, 5, 5)) < 0.6
    return log, grid, ent


def plain(
    log: SimpleNamespace,
    grid: Grid,
    ent: np.ndarray,
    queriers: np.ndarray,
    groups: np.ndarray,
    values: np.ndarray,
    kinds: np.ndarray | None,
    owners: np.ndarray | None,
) -> np.ndarray:
    """``[querier, kind, quantity, day]`` by the definition (see the module's docstring)."""
    full = np.zeros((LAYOUT.n_groups, *values.shape[1:]))
    full[groups] = values
    out = np.zeros((queriers.size, LAYOUT.n_kinds, values.shape[1], grid.n_days))
    for q in range(values.shape[1]):
        projected = LAYOUT.project(ent, queriers, full[:, q], kinds, owners)
        rows = projected.reshape(queriers.size, LAYOUT.n_kinds, -1)
        for i, node in enumerate(queriers.tolist()):
            up = UpDays.of(log.node_availability[node], grid)
            for a, b, d in zip(up.start, up.end, up.day, strict=True):
                out[i, :, q, d] += rows[i, :, b] - rows[i, :, a]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("kinds", "owners"), [(None, None), (np.array([0, 2]), None), (None, np.array([1, 3, 4]))]
)
def test_daily_readings_equal_the_projection_read_piece_by_piece(
    seed: int, kinds: np.ndarray | None, owners: np.ndarray | None
) -> None:
    log, grid, ent = world(seed)
    rng = np.random.default_rng(seed + 100)
    groups = np.sort(rng.choice(LAYOUT.n_groups, 20, replace=False))
    # Running values: cumulative sums of non-negative increments, as integrals are.
    values = np.cumsum(rng.random((groups.size, N_QUANTITIES, grid.points.size)), axis=-1)
    queriers = np.array([4, 0, 3, 1, 2])
    readings = Readings.of(log, queriers, grid)  # type: ignore[arg-type]
    out = np.zeros((queriers.size, LAYOUT.n_kinds, N_QUANTITIES, grid.n_days))
    read_groups(LAYOUT, ent, queriers, readings, groups, values, out, kinds, owners)
    expected = plain(log, grid, ent, queriers, groups, values, kinds, owners)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    assert np.abs(expected).max() > 0
    # Each kind of reading is exercised: whole days, parts of days, days down throughout.
    assert readings.whole.sum() > 0 and readings.start.size > 0
    down_whole_day = expected[queriers.tolist().index(2), :, :, 6]
    assert not down_whole_day.any()


def test_readings_split_whole_days_from_parts() -> None:
    """A querier up throughout reads every day whole; one down half a day reads that day in
    two parts and the others whole; one down for days reads nothing on them."""
    log, grid, _ = world(1)
    readings = Readings.of(log, np.array([0, 1, 2]), grid)  # type: ignore[arg-type]
    assert readings.whole[0].all()
    assert readings.whole[1].sum() == N_DAYS - 1 and not readings.whole[1, 3]
    first, last = readings.ptr[1], readings.ptr[2]
    assert readings.day[first:last].tolist() == [3, 3]
    assert readings.whole[2, 5:8].sum() == 0 and readings.whole[2].sum() == N_DAYS - 3
    assert readings.ptr[3] == readings.ptr[2]  # whole days down: no parts either
