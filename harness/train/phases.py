"""Where a run's wall time goes: a process-wide clock of named phases, read into every record.

The worker starts the clock at its first line; procedures say when the next phase begins (`begin("data")`,
`begin("model")`, …) and the StepRecorder marks the end of the first optimizer step. Each phase lasts until the
next one begins, so the phases add up to the worker's whole life. The runner adds what only it can see:
`spawn` (from launching the worker to the worker's first line) and `teardown` (from the result being written to
the process being gone).

Every mark is also appended to a journal file in the variant's folder, so that the runner can tell where the
time of a worker went, and what it was doing, when it killed it at its limit or it crashed.

Phase names, in the order a run passes through them (absent where a run never reached one):
"""
from __future__ import annotations

import time
from pathlib import Path

PHASES = ("spawn", "imports", "device_setup", "data", "model", "compile_first_step", "steady_steps", "validation",
          "other", "teardown")

JOURNAL = "phases.log"  # the journal's name in a variant's folder

_marks: list[tuple[str, float]] = []
_journal: list[Path] = []  # at most one: where marks are appended as they happen


def _append(name: str, at: float) -> None:
    if _journal:
        try:
            with open(_journal[0], "a", encoding="utf-8") as f:
                f.write(f"{name}\t{at:.6f}\n")
        except OSError:  # the folder is gone (the runner cleaned up): the clock still runs
            pass


def start(name: str = "imports", at: float | None = None, journal: Path | None = None) -> None:
    """Reset the clock; the first phase is `name`, starting `at` (time.time(), default now); marks also go to
    `journal` when given."""
    _marks.clear()
    _journal[:] = [journal] if journal else []
    _marks.append((name, time.time() if at is None else at))
    _append(*_marks[-1])


def begin(name: str) -> None:
    """The current phase ends now and `name` begins. A no-op before start() (procedures called in tests)."""
    if _marks and _marks[-1][0] != name:
        _marks.append((name, time.time()))
        _append(*_marks[-1])


def current() -> str | None:
    return _marks[-1][0] if _marks else None


def window(name: str) -> tuple[float, float] | None:
    """(start, end) of the first time phase `name` ran, in time.time(); end is now if it still runs."""
    for (phase, t0), (_, t1) in zip(_marks, [*_marks[1:], ("", time.time())]):
        if phase == name:
            return t0, t1
    return None


def durations(until: float | None = None, marks: list[tuple[str, float]] | None = None) -> dict[str, float]:
    """{phase: seconds} in canonical order (a phase entered twice is summed), the last one ending `until`."""
    marks = _marks if marks is None else marks
    end = time.time() if until is None else until
    totals: dict[str, float] = {}
    for (name, t0), (_, t1) in zip(marks, [*marks[1:], ("", end)]):
        totals[name] = totals.get(name, 0.0) + max(t1 - t0, 0.0)
    order = {name: i for i, name in enumerate(PHASES)}
    return {k: round(totals[k], 4) for k in sorted(totals, key=lambda k: order.get(k, len(PHASES)))}


def read_journal(path: Path) -> list[tuple[str, float]]:
    """The marks a worker appended (a line cut by a kill is left out)."""
    marks = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            name, _, at = line.partition("\t")
            try:
                marks.append((name, float(at)))
            except ValueError:
                continue
    return marks
