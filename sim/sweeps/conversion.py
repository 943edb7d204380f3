"""The sweep's tables phase on the machine's cores: worker processes read a chunk of run
records each and write its part of every long table, while this process joins the parts in
order.

Reading the records (JSON), converting them to Arrow and writing the parts is most of the
phase, and it runs after every run has finished, when the cores are otherwise idle (the
robustness experiment: 5,376 records, 11 GB of JSON). The tables are those one process
writes: the chunks are the same and are joined in the same order.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from sim.sweeps import store
from sim.sweeps.longtables import stray_parts
from sim.sweeps.store import Written, chunk_of_runs, chunks


def written_chunks(
    out_dir: Path, run_ids: Sequence[str], processes: int
) -> Generator[Written, None, None]:
    """The runs ``run_ids`` written ``CHUNK_RUNS`` at a time (chunk i: ``chunk_of_runs(...,
    i)``), in order, by ``processes`` worker processes (1: this one), at most one chunk a
    process ahead of the joining.

    A chunk a worker could not write (a corrupt record, a worker that died) is written again
    here, so that its error is the one a single process raises. Stopped early (an error, a
    signal), the workers are stopped and every part left is removed."""
    batches = [list(batch) for batch in chunks(run_ids, store.CHUNK_RUNS)]
    finished = False
    try:
        if processes <= 1 or len(batches) <= 1:
            yield from (chunk_of_runs(out_dir, batch, i) for i, batch in enumerate(batches))
        else:
            yield from pooled(out_dir, batches, processes)
        finished = True
    finally:
        if not finished:
            for part in stray_parts(out_dir):
                part.unlink(missing_ok=True)


def pooled(
    out_dir: Path, batches: list[list[str]], processes: int
) -> Generator[Written, None, None]:
    """``written_chunks`` by a pool of worker processes."""
    context = multiprocessing.get_context("spawn")  # as the sweep's workers: mesa needs it
    pool = ProcessPoolExecutor(
        min(processes, len(batches)),
        mp_context=context,
        initializer=signal.signal,  # Ctrl-C is the parent's to handle
        initargs=(signal.SIGINT, signal.SIG_IGN),
    )

    def submitted(index: int) -> Future[Written] | None:
        with contextlib.suppress(RuntimeError):  # a broken pool: the chunk is written here
            return pool.submit(chunk_of_runs, out_dir, batches[index], index)
        return None

    try:
        pending = deque(submitted(i) for i in range(min(processes, len(batches))))
        for index in range(len(batches)):
            future = pending.popleft()
            if index + processes < len(batches):
                pending.append(submitted(index + processes))
            yield chunk_of(future, out_dir, batches[index], index)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def chunk_of(
    future: Future[Written] | None, out_dir: Path, batch: list[str], index: int
) -> Written:
    """The worker's chunk ``index``, else this process's own (see ``written_chunks``)."""
    if future is not None:
        with contextlib.suppress(Exception):
            return future.result()
    return chunk_of_runs(out_dir, batch, index)
