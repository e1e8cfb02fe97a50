"""harness/train/counters.py: a perf counter over every thread of this process, or the reason there is none. The
counting path is checked with the software task clock, which every Linux has; the hardware events this machine
lacks must come back as a reason, not an error."""
from __future__ import annotations

import threading
import time

import pytest

from harness.train import counters


def _spin(n: int) -> None:
    x = 0
    for i in range(n):
        x += i


def test_the_task_clock_over_all_threads_is_the_process_cpu_time():
    go = threading.Event()
    workers = [threading.Thread(target=lambda: (go.wait(), _spin(1_500_000))) for _ in range(3)]
    for w in workers:
        w.start()   # a pool that exists before the count starts, as TensorFlow's does
    counter, why = counters.open_counter("task-clock")
    assert counter is not None, why
    with counter:
        cpu0, count0 = time.process_time(), counter.read()
        go.set()
        for w in workers:
            w.join()
        _spin(500_000)
        counted, cpu = (counter.read() - count0) / 1e9, time.process_time() - cpu0
    assert abs(counted / cpu - 1) < 0.1, (counted, cpu)


def test_an_event_the_machine_cannot_count_is_a_reason_not_an_error(monkeypatch):
    monkeypatch.setattr(counters, "_open", lambda event, tid: (-1, "No such file or directory"))
    assert counters.open_counter("instructions") == (None, "instructions: not supported here (No such file or "
                                                            "directory)")


def test_an_unknown_event_names_the_argument_and_the_choices():
    with pytest.raises(ValueError, match="event must be one of .*'task-clock'.*got 'instrs'"):
        counters.open_counter("instrs")


def test_off_linux_no_syscall_is_made(monkeypatch):
    """perf_event_open's number means another call elsewhere (macOS shares x86_64): never made there."""
    monkeypatch.setattr(counters.sys, "platform", "darwin")
    monkeypatch.setattr(counters.ctypes, "CDLL", lambda *a, **k: (_ for _ in ()).throw(AssertionError("called")))
    counter, why = counters.open_counter("task-clock")
    assert counter is None and why.startswith("task-clock: not supported here (no perf_event_open on ")
