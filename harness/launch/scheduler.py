"""Which variants run side by side: up to `jobs` at once, in the order given, a variant that must run alone with
nothing beside it.

A variant whose numbers are timings or whole-card memory (throughput, MFU, seconds to overfit, precision modes,
the memory grab, OOM) runs alone: a neighbour would be in its numbers. The others only report a symptom and can
share the machine. Each task learns who ran beside it (its `neighbours`), which its record keeps. The scheduler
knows nothing of processes: `start`, `finished`, `finish` and `stop` do that (harness/launch/runner.py), so the
rules are tested with fakes as well as with real processes.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Task:
    name: str
    alone: bool
    payload: Any = None
    handle: Any = None                        # what `start` returned while it runs
    neighbours: set[str] = field(default_factory=set)


def may_start(task: Task, running: list[Task], jobs: int) -> bool:
    if task.alone:
        return not running
    return not any(t.alone for t in running) and len(running) < jobs


def run_tasks(tasks: list[Task], jobs: int, start: Callable[[Task], Any], finished: Callable[[list[Task]], list[Task]],
              finish: Callable[[Task], None], stop: Callable[[Task], None], tick_s: float = 0.05) -> None:
    """Run `tasks` in order, `jobs` at a time. `start(task)` returns a handle, or None when the task is over at
    once (a variant that does not apply here); `finished(running)` returns the tasks that are done; `finish(task)`
    takes each done task's result, in the order they end. Any exception (Ctrl-C) stops every running task first."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    pending, running = deque(tasks), []
    try:
        while pending or running:
            while pending and may_start(pending[0], running, jobs):
                task = pending.popleft()
                for other in running:
                    other.neighbours.add(task.name)
                    task.neighbours.add(other.name)
                task.handle = start(task)
                if task.handle is None:
                    finish(task)
                else:
                    running.append(task)
            done = finished(running) if running else []
            for task in done:
                running.remove(task)
                finish(task)
            if running and not done:
                time.sleep(tick_s)
    except BaseException:
        for task in running:
            stop(task)
        raise
