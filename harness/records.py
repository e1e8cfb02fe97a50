"""Typed result records and the JSON-lines files that hold them.

One record per (case, variant) run. Files are append-only: each record is written as one line, flushed and
fsynced before the next run starts, so a crash of the suite loses at most the run in flight.
"""
from __future__ import annotations

import json
import os
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable

SCHEMA = 1


@dataclass
class RunRecord:
    case: str
    variant: str
    role: str                      # broken | fix | check
    device: str                    # cpu | gpu
    claim: str                     # the symptom the chapter leads us to expect on this device
    says: str                      # the chapter's words behind the claim
    observed: str                  # the symptom that happened (harness.symptoms.VOCABULARY)
    agrees: bool                   # observed == claim, and every metric expectation held
    fix_works: bool | None         # fixes only: observed == ok
    outcome: str                   # completed | error | crashed | timeout | skipped
    metrics: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None   # {type, message, stderr_tail}
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the run printed as warnings, deduplicated
    config: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    wall_s: float = 0.0
    started_at: str = ""
    schema: int = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=_jsonable)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunRecord":
        if not isinstance(data, dict):
            raise ValueError(f"a record is a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(f"record lacks field {missing[0]!r}")
        return cls(**{k: v for k, v in data.items() if k in known})


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


class JsonlWriter:
    """Appends records to `path`, creating it (and its folder) only when the first record arrives."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.count = 0

    def write(self, record: RunRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(record.to_json() + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.count += 1


class CorruptResults(ValueError):
    """A results file that is not fitbench JSON lines; the message names the file and the line."""


def read_records(paths: Iterable[Path]) -> list[RunRecord]:
    records: list[RunRecord] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise CorruptResults(f"{path}: no such results file")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(RunRecord.from_dict(json.loads(line)))
                except (json.JSONDecodeError, TypeError, ValueError) as exc:
                    raise CorruptResults(f"{path}:{n}: not a fitbench record ({exc})") from None
    return records
