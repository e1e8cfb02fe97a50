"""What a worker's stderr tells the runner: the warnings a run printed, TensorFlow's XLA compilations, and a
tail worth keeping in a record.

TF logs each XLA program it builds as a VLOG (harness/launch/launcher.py turns it on where XLA is measured):
`device_compiler.h:538] Compilation of XLA executable time: 162 ms (162016 us) (cumulative: ...)`, with the time
in the line's prefix; where the program came from the persistent cache, the same line follows a
`device_executable_persistor.h:371] Loading cached entry for: ...` (both measured, TF 2.21). INFO lines are left out of the tail kept for a crash:
the reason a worker died is never one of them.
"""
from __future__ import annotations

import re

WARNING_WORDS = ("warning", "deprecat")
_COMPILE = re.compile(r"Compilation of XLA executable time: .*?\((\d+) us\)")
_LOADED = "Loading cached entry for:"
# absl's prefix: "I0000 00:00:1795764898.277636" (no absl init: the seconds are since the epoch) or
# "I1127 07:20:01.123456"; only the first carries a date-free absolute time the runner can compare
_EPOCH = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:(\d{9,}\.\d+)\s")


def warnings_of(stderr: str) -> list[str]:
    lines = {line.strip()[:300] for line in stderr.splitlines() if any(w in line.lower() for w in WARNING_WORDS)}
    return sorted(lines)[:40]


def _when(line: str) -> float | None:
    match = _EPOCH.match(line)
    return float(match.group(1)) if match else None


def xla_compilations(stderr: str) -> list[tuple[float | None, float]]:
    """(time it ended, seconds) of every XLA program TF logged building (compiled, or loaded from the persistent
    cache); the time is None where the log line does not carry one."""
    return [(_when(line), int(m.group(1)) / 1e6) for line in stderr.splitlines() if (m := _COMPILE.search(line))]


def xla_loaded(stderr: str) -> list[float | None]:
    """The time of every XLA program loaded from the persistent cache instead of compiled."""
    return [_when(line) for line in stderr.splitlines() if _LOADED in line]


def tail(stderr: str, limit: int = 3000) -> str:
    """The end of stderr without TF's INFO lines."""
    kept = [line for line in stderr.splitlines() if not re.match(r"^I\d{4} ", line)]
    return "\n".join(kept)[-limit:]
