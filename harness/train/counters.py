"""Hardware counters of this process, where the machine has them: the user-space instructions a training step
retires, the quietest measure of work there is (no other process, clock speed or wait moves it much).

Linux's perf_event_open(2), one counter per thread of the process (TensorFlow runs a step on its own thread
pools, created before the first step and kept); a thread that appears later is opened at the next read (not
`inherit`, which adds a child thread's count to its parent's only when the child exits: a pool thread would be
counted twice, and not per step). A thread started and ended between two reads is not counted. On
VMs without a virtual PMU (the 2-core machines fitbench is developed on: `perf stat -e instructions:u` says "not
supported") opening fails with ENOENT: `open_counter` then returns None with the reason, one syscall spent, and
the run records no instructions — never a failure. Written here with ctypes because no maintained package counts
every thread of a running process from Python (cirron compiles a C helper and counts the calling thread only).
"""
from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys
from pathlib import Path

# perf_event_attr.type / .config (linux/perf_event.h)
HARDWARE, SOFTWARE = 0, 1
EVENTS = {"instructions": (HARDWARE, 1), "cycles": (HARDWARE, 0), "task-clock": (SOFTWARE, 1)}
_SYSCALL = {"x86_64": 298, "aarch64": 241, "i686": 336}
_ATTR_SIZE = 128                                  # zero-filled past the fields set: any kernel since 3.x takes it
_EXCLUDE_KERNEL, _EXCLUDE_HV = 1 << 5, 1 << 6   # perf_event_attr's flag bits


class ProcessCounter:
    """One event counted over every thread of this process: `read()` is the sum so far (a step is the difference of
    two reads). `close()` (or `with`) gives the file descriptors back."""

    def __init__(self, event: str, first_fd: int, tid: int):
        self.event = event
        self._fds: dict[int, int] = {tid: first_fd}

    def read(self) -> int:
        self._open_new_threads()
        return sum(struct.unpack("Q", os.read(fd, 8))[0] for fd in self._fds.values())

    def _open_new_threads(self) -> None:
        for tid in _threads():
            if tid not in self._fds:
                fd, _ = _open(self.event, tid)
                if fd >= 0:   # a thread that ended between the listing and the open: nothing to count
                    self._fds[tid] = fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> "ProcessCounter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_counter(event: str = "instructions") -> tuple[ProcessCounter | None, str]:
    """(a counter of `event` over this process's threads, "") or (None, why not: "not supported here (…)")."""
    if event not in EVENTS:
        raise ValueError(f"open_counter: event must be one of {sorted(EVENTS)}, got {event!r}")
    threads = _threads()
    tid = threads[0] if threads else os.getpid()
    fd, err = _open(event, tid)
    if fd < 0:
        return None, f"{event}: not supported here ({err})"
    counter = ProcessCounter(event, fd, tid)
    counter._open_new_threads()
    return counter, ""


def _threads() -> list[int]:
    try:
        return sorted(int(p.name) for p in Path("/proc/self/task").iterdir())
    except OSError:   # not Linux
        return []


def _open(event: str, tid: int) -> tuple[int, str]:
    """perf_event_open(attr, tid, cpu=-1, group=-1, flags=0): (fd, "") or (-1, the error)."""
    number = _SYSCALL.get(platform.machine()) if sys.platform.startswith("linux") else None   # Linux's numbers
    if number is None:
        return -1, f"no perf_event_open on {platform.machine() or 'this machine'}"
    kind, config = EVENTS[event]
    attr = bytearray(_ATTR_SIZE)
    struct.pack_into("IIQ", attr, 0, kind, _ATTR_SIZE, config)
    struct.pack_into("Q", attr, 40, _EXCLUDE_KERNEL | _EXCLUDE_HV)   # user space: no privilege needed
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(number, (ctypes.c_char * _ATTR_SIZE).from_buffer(attr), tid, -1, -1, 0)
    return (fd, "") if fd >= 0 else (-1, os.strerror(ctypes.get_errno()))
