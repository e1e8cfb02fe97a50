"""The checks' journal: one JSON line per event, appended and flushed as it happens, so that the doctor can tell
which checks ended (and what they measured) and which one was running when a process was killed or died.

Events: {"event": "ready", "facts": ...} once the subject is built; {"event": "start", "check": ...} and
{"event": "done", "check": ..., "facts": ...} around each check. Facts are plain JSON (numpy numbers become
Python numbers).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

JOURNAL = "checks.jsonl"  # its name in the doctor's folder for one process


def plain(value: Any) -> Any:
    """JSON's types for numpy scalars and arrays, tuples and sets; anything else as its str."""
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


def append(path: Path | None, event: str, **fields: Any) -> None:
    """One event, written whole and synced: a process killed a moment later has still said it."""
    if path is None:
        return
    line = json.dumps({"event": event, "t": time.time(), **fields}, default=plain)
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def read(path: Path) -> list[dict[str, Any]]:
    """Every whole event so far (a line cut by a kill is left out)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return out
