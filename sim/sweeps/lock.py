"""One sweep at a time in a results directory.

Two sweeps writing one directory used to both finish "successfully", the directory holding a
mix of their runs and only the second's tables. The sweep now holds an exclusive ``flock`` on
``DIR/.pdsa-sweep.lock`` while it runs, and writes its pid and start time into it, so a second
one is refused with exit status 2, naming them. The operating system releases the lock when
its holder dies, however it dies, so a lock left by a killed sweep is simply taken over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sim.sweeps.store import ResultsDirError

LOCK_FILE = ".pdsa-sweep.lock"


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Hold the results directory ``out`` (created if needed) for the duration of a sweep.

    Raises:
        ResultsDirError: another living sweep holds it, or it cannot be created or written.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:  # before any run: a bad --out, like a bad file (exit status 2)
        raise ResultsDirError(str(out), "", f"cannot write here: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"{holder(fd)}; wait for it, or use another --out"
            raise ResultsDirError(str(out), "", message) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(owner()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def owner() -> dict[str, object]:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": started}


def holder(fd: int) -> str:
    """``another sweep is running here (pid 123 on host, started ...)``, from the lock file."""
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        info = {}
    if not isinstance(info, dict) or "pid" not in info:
        return "another sweep is running here"
    return (
        f"another sweep is running here (pid {info['pid']} on {info.get('host', '?')},"
        f" started {info.get('started', '?')})"
    )
