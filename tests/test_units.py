"""Exact checks of the building blocks against brute force or hand-worked traces."""

from __future__ import annotations

import heapq

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.outages import Availability
from sim.engine.queue import ServerPool, departures_single, fifo_departures
from sim.metrics.integrals import (
    cumulative_counts,
    sorted_weighted_quantiles,
    weighted_quantiles,
)
from sim.metrics.intervals import shown_intervals, subtract_windows, up_pieces
from sim.records import draw_records
from sim.rng import Streams
from sim.world import WorldIndex
from tests.helpers import scenario


def naive_fifo(arrivals, service, servers, free=0.0):
    heap = [free] * servers
    out = []
    for a, s in zip(arrivals, service, strict=True):
        start = max(a, heap[0])
        heapq.heapreplace(heap, start + s)
        out.append(start + s)
    return np.array(out)


@settings(deadline=None)  # the first example compiles the servers' kernel
@given(
    st.lists(st.tuples(st.floats(0, 10), st.floats(0, 2)), min_size=1, max_size=40),
    st.integers(1, 4),
)
def test_fifo_departures_match_a_naive_queue(items, servers):
    arrivals = np.sort(np.array([a for a, _ in items]))
    service = np.array([s for _, s in items])
    pool = ServerPool(servers)
    np.testing.assert_allclose(
        pool.serve(arrivals, service), naive_fifo(arrivals, service, servers)
    )


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 8)), min_size=2, max_size=40),
    st.integers(1, 4),
    st.integers(1, 39),
)
def test_fifo_state_carries_over_and_integer_time_stays_exact(items, servers, cut):
    """Served in two batches, the second from the servers' state after the first, the
    departures are those of one naive queue; in integer time (ties, zero service) exactly."""
    arrivals = np.sort(np.array([a for a, _ in items], dtype=np.int64))
    service = np.array([s for _, s in items], dtype=np.int64)
    cut = min(cut, arrivals.size - 1)
    pool = ServerPool(servers)
    first = fifo_departures(servers, arrivals[:cut], service[:cut], [0] * servers)
    pool.free_at = [0] * servers
    pool.advance(first)
    second = fifo_departures(servers, arrivals[cut:], service[cut:], pool.free_at)
    naive = naive_fifo(arrivals.tolist(), service.tolist(), servers, free=0)
    assert np.concatenate([first, second]).tolist() == naive.tolist()


@settings(deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 10), st.floats(0, 2)), min_size=2, max_size=60),
    st.integers(2, 9),
    st.integers(1, 59),
)
def test_servers_equal_the_heap_to_the_bit_across_batches(items, servers, cut):
    """The multi-server recurrence against Python's heapq, served in two batches (the
    servers' free times carried over): every departure equal, not just close."""
    arrivals = np.sort(np.array([a for a, _ in items]))
    service = np.array([s for _, s in items])
    cut = min(cut, arrivals.size - 1)
    pool = ServerPool(servers)
    got = np.concatenate(
        [pool.serve(arrivals[:cut], service[:cut]), pool.serve(arrivals[cut:], service[cut:])]
    )
    assert got.tolist() == naive_fifo(arrivals, service, servers).tolist()


def test_lindley_continues_from_a_busy_server():
    """Arrivals 0, 1, 2 with service 2 behind a server busy until 1.5: 3.5, 5.5, 7.5."""
    out = departures_single(np.array([0.0, 1.0, 2.0]), np.array([2.0, 2.0, 2.0]), 1.5)
    assert out.tolist() == [3.5, 5.5, 7.5]


def test_subtract_windows_trace():
    """[0, 10) minus [2, 3) and [5, 6): [0, 2), [3, 5), [6, 10); [4, 4.5) untouched."""
    lo, hi, parent = subtract_windows(
        np.array([0.0, 4.0]), np.array([10.0, 4.5]), np.array([2.0, 5.0]), np.array([3.0, 6.0])
    )
    assert list(zip(lo.tolist(), hi.tolist(), parent.tolist(), strict=True)) == [
        (0.0, 2.0, 0),
        (3.0, 5.0, 0),
        (6.0, 10.0, 0),
        (4.0, 4.5, 1),
    ]


def test_availability_waits_and_up_pieces():
    a = Availability(np.array([2.0, 5.0]), np.array([3.0, 6.0]))
    assert a.next_up(np.array([1.0, 2.5, 5.0, 6.0])).tolist() == [1.0, 3.0, 6.0, 6.0]
    assert a.is_up(np.array([1.9, 2.0, 2.99, 3.0])).tolist() == [True, False, False, True]
    b = Availability(np.array([2.5]), np.array([5.5]))
    lo, hi, mask = up_pieces([a, b], 0.0, 7.0)
    assert list(zip(lo.tolist(), hi.tolist(), mask.tolist(), strict=True)) == [
        (0.0, 2.0, 3),
        (2.0, 2.5, 2),
        (2.5, 3.0, 0),
        (3.0, 5.0, 1),
        (5.0, 5.5, 0),
        (5.5, 6.0, 2),
        (6.0, 7.0, 3),
    ]


@given(
    st.lists(st.tuples(st.floats(0, 10), st.floats(0, 5), st.integers(0, 2)), max_size=30),
    st.lists(st.floats(0, 12), min_size=1, max_size=8),
)
@settings(max_examples=200)
def test_cumulative_integrals_match_brute_force(intervals, points):
    points = np.unique(np.array(points))
    a = np.array([x for x, _, _ in intervals])
    b = a + np.array([d for _, d, _ in intervals])
    g = np.array([k for _, _, k in intervals], dtype=np.int64)
    got = cumulative_counts(g, a, b, 1.0, 3, points)
    want = np.zeros((3, points.size))
    for lo, hi, k in zip(a, b, g, strict=True):
        want[k] += np.clip(points, lo, hi) - lo
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_cumulative_integrals_with_open_ends_stay_in_their_group():
    """An interval that outlives the grid must not leak into another group's integral."""
    got = cumulative_counts(
        np.array([0]), np.array([1.0]), np.array([np.inf]), 1.0, 3, np.array([0.0, 2.0, 4.0])
    )
    assert got.tolist() == [[0.0, 1.0, 3.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_weighted_quantiles():
    assert weighted_quantiles(
        np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 2.0]), [0.5, 0.75]
    ) == [2.0, 3.0]


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(
        st.sampled_from([0.0, 0.0, 0.0, 1e-3, 0.25, 1.0, 7.5]), min_size=0, max_size=30
    ),
    qs=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
)
def test_weighted_quantiles_ignore_zero_weights_exactly(weights, qs):
    """Zero weights kept in the cumulative sum give exactly the quantiles of the sample
    without them (the reference drops them first), at q = 0 and 1 too."""
    w = np.array(weights, dtype=float)
    values = np.arange(w.size, dtype=float)
    keep = w > 0
    if not keep.any():
        expected = [None] * len(qs)
    else:
        kept, cdf = values[keep], np.cumsum(w[keep])
        idx = np.searchsorted(cdf / cdf[-1], qs, side="left")
        expected = [float(kept[min(i, kept.size - 1)]) for i in idx]
    assert sorted_weighted_quantiles(values, w, qs) == expected


def source_for(records: dict):
    s = scenario({"records": records, "horizon_days": 50, "warmup_days": 0})
    return draw_records(s.records, WorldIndex.from_schema(s.world), 50.0, Streams(1))


def test_store_replay_never_shows_older_versions_and_keeps_tombstones():
    """A store applies v0 at 1, v2 at 2, v1 at 3 (late, ignored), the deletion at 4 and a
    late duplicate of v0 at 5 (after the tombstone: never shown again)."""
    src = source_for(
        {
            "creation_per_country_per_day": 1,
            "updates_per_record_per_day": 0.2,
            "lifetime_days": {"dist": "fixed", "value": 20},
        }
    )
    rec = int(np.flatnonzero(src.last_version >= 3)[0])
    last = int(src.last_version[rec])  # the deletion's version
    versions = np.array([0, 2, 1, last, 0])
    times = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    shown = shown_intervals(np.full(5, rec), versions, times, src, 50.0)
    assert list(
        zip(shown.version.tolist(), shown.start.tolist(), shown.end.tolist(), strict=True)
    ) == [(0, 1.0, 2.0), (2, 2.0, 4.0)]


def test_deletion_before_creation_leaves_a_tombstone():
    src = source_for(
        {"creation_per_country_per_day": 1, "lifetime_days": {"dist": "fixed", "value": 5}}
    )
    rec = 0
    shown = shown_intervals(np.array([rec, rec]), np.array([1, 0]), np.array([3.0, 4.0]), src, 50.0)
    assert shown.rec.size == 0


@given(
    st.lists(st.floats(-5, 500, allow_nan=False), min_size=2, max_size=60),
    st.lists(st.floats(-50, 600, allow_nan=False), min_size=0, max_size=400),
    st.booleans(),
)
@settings(max_examples=300)
def test_grid_positions_equal_searchsorted(points, times, clustered):
    """The bucketed search gives exactly ``searchsorted(..., side="right")``, ties included."""
    from sim.metrics.integrals import grid_positions

    grid = np.unique(np.array(points))
    t = np.array(times + ([float(grid[0])] * 300 if clustered else []) + grid.tolist() * 5)
    np.testing.assert_array_equal(grid_positions(grid, t), np.searchsorted(grid, t, side="right"))


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), bins=st.integers(1, 40))
def test_compiled_increments_and_integrals_are_numpys_to_the_bit(seed, n, bins):
    """``binned`` and ``running_integral`` replace four bincounts and the cumsum arithmetic
    with one pass each: the same sums in the same order, so the same bits."""
    from sim.metrics.integrals import binned, running_integral

    rng = np.random.default_rng(seed)
    start, end = rng.integers(0, bins, n), rng.integers(0, bins, n)
    a, b = rng.uniform(0.0, 400.0, n), rng.uniform(0.0, 400.0, n)
    count, moment = binned(start, end, a, b, bins)
    assert np.array_equal(
        count, (np.bincount(start, minlength=bins) - np.bincount(end, minlength=bins)).astype(float)
    )
    assert np.array_equal(
        moment,
        np.bincount(start, weights=a, minlength=bins) - np.bincount(end, weights=b, minlength=bins),
    )
    counts, moments = count.reshape(1, -1), moment.reshape(1, -1)
    points = np.sort(rng.uniform(0.0, 400.0, bins))
    for weight in (1.0, 0.37):
        expected = points[None, :] * np.cumsum(counts, axis=1) - np.cumsum(moments, axis=1)
        expected = weight * expected if weight != 1.0 else expected
        assert np.array_equal(running_integral(counts, moments, points, weight), expected)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_points=st.integers(2, 60),
    spread=st.sampled_from([1e-6, 1.0, 400.0]),
)
def test_grid_positions_are_searchsorted(seed, n_points, spread):
    """Times at, between, before and after the points, infinite and NaN."""
    from sim.metrics.integrals import grid_positions

    rng = np.random.default_rng(seed)
    points = np.unique(rng.uniform(0.0, spread, n_points))
    t = np.concatenate(
        [
            rng.uniform(-0.1 * spread, 1.1 * spread, 8 * n_points),
            points,
            np.nextafter(points, -np.inf),
            [-np.inf, np.inf, np.nan, points[0], points[-1]],
        ]
    )
    assert np.array_equal(grid_positions(points, t), np.searchsorted(points, t, side="right"))


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    n_records=st.integers(1, 50),
    times=st.sampled_from(["spread", "ties", "negative", "past the horizon"]),
)
def test_store_logs_are_ordered_by_record_then_time_stably(seed, n, n_records, times):
    """A store's log replayed by record, then time, ties in log order: the counting sort
    gives the stable sort's order (a record with more applications than ``MAX_GROUPED`` merge
    sorted), and the sort itself where it would not (a time before 0)."""
    from sim.metrics.intervals import by_record_then_time

    rng = np.random.default_rng(seed)
    rec = rng.integers(0, n_records, n)
    t = {
        "spread": rng.uniform(0.0, 100.0, n),
        "ties": rng.integers(0, 5, n).astype(float),
        "negative": rng.uniform(-30.0, 100.0, n),
        "past the horizon": rng.uniform(0.0, 300.0, n),
    }[times]
    keys = rec * (np.ceil(100.0) + 2.0) + np.minimum(t, 101.0)
    expected = np.argsort(keys, kind="stable")
    assert np.array_equal(by_record_then_time(rec, t, 100.0), expected)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    n_records=st.integers(1, 50),
    times=st.sampled_from(["spread", "ties", "negative", "nan", "one busy record"]),
    dtype=st.sampled_from([np.int32, np.int64]),
)
def test_record_time_order_is_the_lexsort(seed, n, n_records, times, dtype):
    """Retention and the owners' overlay order logs by record, then time, ties in log order:
    ``record_time_order`` (a counting sort, then insertion sorts, or a merge sort for more
    than ``MAX_GROUPED`` rows of one record) is ``np.lexsort((t, rec))``, and falls back to
    it where it cannot be (a NaN time)."""
    from sim.engine.order import MAX_GROUPED, record_time_order

    rng = np.random.default_rng(seed)
    rec = rng.integers(0, n_records, n).astype(dtype)
    t = {
        "spread": rng.uniform(0.0, 100.0, n),
        "ties": rng.integers(0, 5, n).astype(float),
        "negative": rng.uniform(-300.0, 100.0, n),
        "nan": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 5, n).astype(float)),
        "one busy record": rng.integers(0, 3, n).astype(float),
    }[times]
    if times == "one busy record":
        rec = np.concatenate([rec, np.full(MAX_GROUPED + 1, n_records - 1, dtype=dtype)])
        t = np.concatenate([t, rng.integers(0, 3, MAX_GROUPED + 1).astype(float)])
    assert np.array_equal(record_time_order(rec, t), np.lexsort((t, rec)))


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), ties=st.booleans(), ints=st.booleans()
)
def test_stable_order_is_the_stable_sort(seed, n, ties, ints):
    from sim.engine.order import stable_order

    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 6, n) if ties else rng.permutation(n)
    keys = keys if ints else keys.astype(float) + rng.uniform(0.0, 0.5 if ties else 0.0, n)
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))


def test_the_sweeps_spare_memory_comes_back_zeroed_and_is_let_go():
    from sim.metrics.segments import Spare

    spare = Spare()
    first = spare.zeros((3, 4))
    first += 7.0
    spare.give_back(first)
    again = spare.zeros((2, 5))  # smaller: the same memory, zeroed
    assert again.shape == (2, 5) and not again.any() and np.shares_memory(again, first)
    lent = spare.zeros((2, 2))  # lent out and not given back: a fresh array
    assert not np.shares_memory(lent, first)
    spare.give_back(again)
    spare.release()
    assert not np.shares_memory(spare.zeros((3, 4)), first)
