"""Executors: who runs the chunks of a sweep. Serial (in this process), a pool of local
processes, or a Dask distributed cluster.

Each runs :func:`sim.sweeps.worker.run_record` on every spec and reports run statuses through
``on_done`` as runs finish, in whatever order. Results never depend on the executor: a run's
record is a function of its spec alone.

The local pool is this module's own rather than ``concurrent.futures``: there, one dead worker
breaks the whole pool and every remaining run is lost with it, and the run that killed the
worker cannot be told apart from the others. Here each worker says which run it starts; a
worker that dies is replaced, its run is retried once on a fresh worker and, if it kills that
one too, recorded as failed with the cause; runs it had not started go back in the queue.
Workers end by themselves when the sweep's process dies (no orphans).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from sim.sweeps.plan import RunSpec
from sim.sweeps.store import write_run
from sim.sweeps.worker import empty_body, header, run_chunk, status_of

OnDone = Callable[[list[dict[str, Any]]], None]
OnWarning = Callable[[str], None]

TASKS_PER_WORKER = 4
"""Chunks per worker: enough to balance the load, few enough to keep per-task costs small."""
MAX_CHUNK = 25
ATTEMPTS = 2
"""Workers a run may take down before it is recorded as failed."""
PARENT_POLL_SECONDS = 0.5
STILLBORN_LIMIT = 5
"""Workers in a row that may die before starting a run (a broken installation) before the
sweep stops instead of starting more."""


class WorkersFailing(RuntimeError):
    """Worker processes die as they start: the sweep cannot go on (its runs are kept)."""


class SchedulerLost(RuntimeError):
    """The Dask scheduler cannot be reached, or went away mid-sweep: the sweep stops (its runs
    are kept, and the runs it had not finished are not recorded as failed: ``--resume`` does
    them)."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def chunk_size(n_runs: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(n_runs / (workers * TASKS_PER_WORKER))))


def chunks(specs: Sequence[RunSpec], size: int) -> list[list[RunSpec]]:
    return [list(specs[i : i + size]) for i in range(0, len(specs), size)]


def lost_statuses(chunk: Sequence[RunSpec], cause: str, out_dir: Path) -> list[dict[str, Any]]:
    """Runs lost with a worker, recorded as failed with ``cause`` (``--resume`` retries them)."""
    statuses = []
    for spec in chunk:
        record = header(spec) | empty_body(cause, 0.0)
        write_run(out_dir, record)
        statuses.append(status_of(record))
    return statuses


def run_serial(
    specs: Sequence[RunSpec], out_dir: Path, on_done: OnDone, timeout: float | None = None
) -> None:
    """One run at a time in this process; progress after every run."""
    for spec in specs:
        on_done(run_chunk([spec], str(out_dir), timeout))


# --- the local process pool -------------------------------------------------------------------


def serve(conn: Connection, out_dir: str, timeout: float | None, parent: int) -> None:
    """A worker process: run the chunks it is sent, saying ``("start", run_id)`` before each
    run and ``("done", status)`` after it, until told to stop or the parent is gone."""
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for spec in chunk:
            conn.send(("start", spec.run_id))
            conn.send(("done", run_chunk([spec], out_dir, timeout)[0]))


def _exit_with_parent(parent: int) -> None:
    """End this worker once the process that started it is gone (it is then re-parented)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(3)


@dataclass
class Worker:
    """One worker process, the chunk it holds and the run it is on."""

    process: Any
    conn: Connection
    todo: deque[RunSpec] = field(default_factory=deque)
    current: RunSpec | None = None
    started_any: bool = False

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.todo)


class Pool:
    """Local worker processes (spawned: ``import mesa`` requires it), replaced as they die."""

    def __init__(self, size: int, out_dir: Path, timeout: float | None) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.args = (str(out_dir), timeout, os.getpid())
        self.workers = [self.start() for _ in range(size)]

    def start(self) -> Worker:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=serve, args=(child_end, *self.args), daemon=True)
        process.start()
        child_end.close()
        return Worker(process, parent_end)

    def give(self, worker: Worker, chunk: list[RunSpec]) -> None:
        worker.todo.extend(chunk)
        with contextlib.suppress(OSError):  # a worker that just died: its sentinel says so
            worker.conn.send(chunk)

    def replace(self, worker: Worker) -> None:
        worker.conn.close()
        worker.process.join(timeout=5)
        self.workers[self.workers.index(worker)] = self.start()

    def kill(self) -> None:
        """End every worker at once (the sweep was interrupted: runs in flight are lost and
        done again on ``--resume``; their files are never half-written)."""
        for worker in self.workers:
            worker.process.kill()
        for worker in self.workers:
            worker.process.join()
            worker.conn.close()

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        deadline = time.monotonic() + 5
        for worker in self.workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def death_cause(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def run_processes(
    specs: Sequence[RunSpec],
    out_dir: Path,
    on_done: OnDone,
    workers: int,
    size: int,
    timeout: float | None = None,
    on_warning: OnWarning | None = None,
) -> None:
    """Chunks in a pool of spawned processes; each worker writes its run files itself."""
    queue = deque(chunks(specs, size))
    attempts: dict[str, int] = {}
    stillborn = 0
    pool = Pool(workers, out_dir, timeout)
    try:
        while queue or any(w.busy for w in pool.workers):
            for worker in pool.workers:
                if queue and not worker.busy:
                    pool.give(worker, queue.popleft())
            for worker in ready(pool.workers):
                if not receive(worker, on_done):
                    stillborn = 0 if worker.started_any else stillborn + 1
                    if stillborn > STILLBORN_LIMIT:
                        cause = death_cause(worker.process)
                        raise WorkersFailing(f"worker processes die as they start ({cause})")
                    retry = lost(worker, attempts, out_dir, on_done, on_warning)
                    queue.extendleft(reversed(retry))
                    pool.replace(worker)
    except BaseException:  # interrupted (a signal) or failing: do not wait for runs in flight
        pool.kill()
        raise
    pool.close()


def ready(workers: list[Worker]) -> list[Worker]:
    """Busy workers with a message waiting or a process that ended."""
    busy = [w for w in workers if w.busy]
    handles = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
    return [w for w in busy if w.conn in handles or w.process.sentinel in handles]


def receive(worker: Worker, on_done: OnDone) -> bool:
    """Take every message the worker sent; False when it is gone."""
    try:
        while worker.conn.poll():
            kind, value = worker.conn.recv()
            if kind == "start":
                worker.current = worker.todo.popleft()
                worker.started_any = True
            else:
                worker.current = None
                on_done([value])
    except (EOFError, OSError):
        return False
    return bool(worker.process.is_alive())


def lost(
    worker: Worker,
    attempts: dict[str, int],
    out_dir: Path,
    on_done: OnDone,
    on_warning: OnWarning | None,
) -> list[list[RunSpec]]:
    """What a dead worker held: its run retried (or recorded failed), the rest requeued."""
    worker.process.join(timeout=5)
    cause = death_cause(worker.process)
    retry = [list(worker.todo)] if worker.todo else []
    spec, worker.current = worker.current, None
    worker.todo.clear()
    if spec is None:
        return retry
    attempts[spec.run_id] = attempts.get(spec.run_id, 0) + 1
    if attempts[spec.run_id] < ATTEMPTS:
        if on_warning is not None:
            on_warning(f"a worker died ({cause}) running {spec.run_id}; running it again")
        return [[spec], *retry]
    message = f"worker lost: {cause} while running this run, on {ATTEMPTS} workers"
    on_done(lost_statuses([spec], message, out_dir))
    return retry


# --- Dask -------------------------------------------------------------------------------------


def run_dask(
    specs: Sequence[RunSpec],
    out_dir: Path,
    on_done: OnDone,
    scheduler: Any,
    size: int,
    timeout: float | None = None,
) -> None:
    """Chunks on a Dask cluster (an address or a ``Client``); this process writes the files,
    since the workers may not share its filesystem. Dask itself retries a chunk whose worker
    died (``distributed.scheduler.allowed-failures``); a chunk it gives up on is recorded as
    failed, run by run, with its cause."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise SchedulerLost("Dask is not installed: pip install 'pdsa[dask]'") from None
    client = scheduler if isinstance(scheduler, Client) else connected(Client, scheduler)
    try:
        futures = {
            client.submit(run_chunk, c, None, timeout, pure=False): c for c in chunks(specs, size)
        }
        for future in as_completed(futures):
            on_done(dask_statuses(future, futures[future], out_dir))
    except (OSError, TimeoutError) as error:  # the scheduler went away while submitting
        raise SchedulerLost(f"lost the Dask scheduler ({one_line_of(error)})") from None
    finally:
        if client is not scheduler:
            with contextlib.suppress(Exception):
                client.close(timeout=5)


def connected(client_type: Any, address: str) -> Any:
    """A client of the scheduler at ``address``; one it cannot reach is :class:`SchedulerLost`."""
    try:
        return client_type(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as error:
        message = f"cannot reach the Dask scheduler {address}: {one_line_of(error)}"
        raise SchedulerLost(message) from None


CONNECT_SECONDS = 30
"""How long to try reaching a Dask scheduler before giving up (Dask's own default)."""


def client_running(future: Any) -> bool:
    """Whether the future's client still holds its scheduler connection (Dask's client status
    is ``"running"`` while connected; ``"connecting"`` once the connection dropped)."""
    return getattr(getattr(future, "client", None), "status", "running") == "running"


def one_line_of(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return (text[:200] + "...") if len(text) > 200 else text or type(error).__name__


def dask_statuses(future: Any, chunk: Sequence[RunSpec], out_dir: Path) -> list[dict[str, Any]]:
    """The chunk's run statuses, its records written; a chunk whose worker died (Dask gave up
    on it) is recorded failed run by run. A chunk cancelled because the scheduler went away, or
    whose finished result could not be fetched because it went away as the chunk finished (the
    client's connection error, or the client no longer running), stops the sweep instead:
    nothing is wrong with its runs."""
    from concurrent.futures import CancelledError

    try:
        records = future.result()
    except CancelledError as error:
        reason = getattr(error, "reason", "") or "its tasks were cancelled"
        raise SchedulerLost(f"lost the Dask scheduler ({reason})") from None
    except Exception as error:  # a lost worker, a broken task, or the scheduler gone
        if isinstance(error, OSError) or not client_running(future):
            cause = f"{type(error).__name__}: {one_line_of(error)}"
            raise SchedulerLost(f"lost the Dask scheduler ({cause})") from None
        message = f"worker lost: {type(error).__name__}: {one_line_of(error)}"
        return lost_statuses(chunk, message, out_dir)
    for record in records:
        write_run(out_dir, record)
    return [status_of(r) for r in records]
