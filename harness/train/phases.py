"""Where a run's wall time goes: a process-wide clock of named phases, read into every record.

The worker starts the clock at its first line; procedures say when the next phase begins (`begin("data")`,
`begin("model")`, …) and the StepRecorder marks the end of the first optimizer step. Each phase lasts until the
next one begins, so the phases add up to the worker's whole life. The runner adds what only it can see:
`spawn` (from launching the worker to the worker's first line) and `teardown` (from the result being written to
the process being gone).

Phase names, in the order a run passes through them (absent where a run never reached one):
"""
from __future__ import annotations

import time

PHASES = ("spawn", "imports", "device_setup", "data", "model", "compile_first_step", "steady_steps", "validation",
          "other", "teardown")

_marks: list[tuple[str, float]] = []


def start(name: str = "imports", at: float | None = None) -> None:
    """Reset the clock; the first phase is `name`, starting `at` (time.time(), default now)."""
    _marks.clear()
    _marks.append((name, time.time() if at is None else at))


def begin(name: str) -> None:
    """The current phase ends now and `name` begins. A no-op before start() (procedures called in tests)."""
    if _marks and _marks[-1][0] != name:
        _marks.append((name, time.time()))


def current() -> str | None:
    return _marks[-1][0] if _marks else None


def durations(until: float | None = None) -> dict[str, float]:
    """{phase: seconds} in canonical order (a phase entered twice is summed), the last one ending `until`."""
    end = time.time() if until is None else until
    totals: dict[str, float] = {}
    for (name, t0), (_, t1) in zip(_marks, [*_marks[1:], ("", end)]):
        totals[name] = totals.get(name, 0.0) + max(t1 - t0, 0.0)
    order = {name: i for i, name in enumerate(PHASES)}
    return {k: round(totals[k], 4) for k in sorted(totals, key=lambda k: order.get(k, len(PHASES)))}
