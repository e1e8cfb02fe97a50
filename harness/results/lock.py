"""One writer per results file: two nights (or two runs) never append to the same file at once.

An advisory lock (`fcntl.flock`) on a `.lock` file beside the results; the kernel drops it when its holder
exits, however it exits, so a killed night never leaves a stale lock behind (at most an unlocked file, which
the next night takes). The lock file names who holds it, and goes when its holder is done.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class Locked(Exception):
    """Another fitbench is writing this results file: one line, exit 2."""


@contextmanager
def results_lock(path: Path) -> Iterator[None]:
    lock = Path(f"{path}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            raise Locked(f"{path} is being written by {holder}; wait for it, or give another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"fitbench pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode())
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)  # while still held: a later writer makes a new one
    finally:
        os.close(fd)  # closing releases the lock
