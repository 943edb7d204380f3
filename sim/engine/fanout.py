"""A search fanned out to every other national node, answered in one compiled pass.

Each of n searches asks m nodes; per (search, node) the delays out and back and the service
time are drawn by the caller (so the random streams are what they always were). What a search
gets is how many nodes answered within the deadline and when the last of those answers came:
one pass over the n x m draws, instead of the half-dozen n x m temporaries (arrival, up,
done, on time, masked) numpy needed, which were most of a broadcast world-year's time.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.engine.outages import DownWindows, is_down


def broadcast_answers(
    t: np.ndarray,
    querier: np.ndarray,
    out: np.ndarray,
    back: np.ndarray,
    service: np.ndarray,
    down: DownWindows,
    deadline: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per search sent at ``t[i]`` by node ``querier[i]`` to every other node j: the answers
    back within ``deadline`` (node j up when the search arrives, ``t + out``; answer back at
    ``t + out + service + back``) and when the last of them came (-inf if none).

    ``out``, ``back`` and ``service`` are (n, m); the arithmetic is done in the same order as
    elementwise numpy would, so the results are the same to the bit."""
    return fanout_kernel(
        np.ascontiguousarray(t, dtype=float),
        np.ascontiguousarray(querier, dtype=np.int64),
        np.ascontiguousarray(out, dtype=float),
        np.ascontiguousarray(back, dtype=float),
        np.ascontiguousarray(service, dtype=float),
        down.ptr,
        down.starts,
        down.ends,
        float(deadline),
    )


@numba.njit(cache=True)
def fanout_kernel(t, querier, out, back, service, ptr, starts, ends, deadline):
    n, m = out.shape
    answered = np.zeros(n, dtype=np.int64)
    last = np.full(n, -np.inf)
    for i in range(n):
        for j in range(m):
            if j == querier[i]:
                continue  # nobody asks itself
            arrival = t[i] + out[i, j]
            if is_down(arrival, starts, ends, ptr[j], ptr[j + 1]):
                continue
            done = arrival + service[i, j] + back[i, j]
            if done - t[i] <= deadline:
                answered[i] += 1
                if done > last[i]:
                    last[i] = done
    return answered, last
