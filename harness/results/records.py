"""Typed result records and the JSON-lines files that hold them.

One record per (case, variant) run. Files are append-only: each record is written as one line, flushed and
fsynced before the next run starts, so a crash of the suite loses at most the run in flight. JsonlWriter is the one
writer of records.

A record keeps three kinds of numbers apart: `metrics` (registered ones only, harness/results/metrics.py: what
compare, the report and asv read), `diagnostics` (what a procedure measured besides: a case's own facts, token
rates, the phase a run failed in) and `context` (the runner's bookkeeping, harness/results/context.py). `schema`
is read: an older record migrates as it is read (harness/results/migrate.py), a newer one is refused.
"""
from __future__ import annotations

import json
import os
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.results import context, metrics
from harness.results.context import RunContext
from harness.results.migrate import SCHEMA, NewerSchema, upgrade

__all__ = ["SCHEMA", "NewerSchema", "RunContext", "RunRecord", "JsonlWriter", "CorruptResults"]


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
    metrics: dict[str, Any] = field(default_factory=dict)        # registered metrics only
    diagnostics: dict[str, Any] = field(default_factory=dict)    # the procedure's other measurements
    context: RunContext = field(default_factory=RunContext)      # how the runner ran it
    error: dict[str, Any] | None = None   # {type, message, stderr_tail}
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the run printed as warnings, deduplicated
    config: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    wall_s: float = 0.0
    started_at: str = ""
    schema: int = SCHEMA

    def __post_init__(self) -> None:
        # a measurement that is not a registered metric has a place of its own; a bag here is a writer's bug
        unknown = [name for name in self.metrics or {} if metrics.get(name) is None]
        if unknown:
            raise ValueError(f"metrics.{unknown[0]} is not a registered metric (harness/results/metrics.py): "
                             f"a diagnostic or the run context")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=_jsonable)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunRecord":
        """A record read back, migrated to the current schema (a record without `schema` is of schema 1, as
        when the field had that default); ValueError naming the first field that is missing or wrongly typed,
        NewerSchema for a record of a newer fitbench."""
        if not isinstance(data, dict):
            raise ValueError(f"a record is a JSON object, got {type(data).__name__}")
        data = upgrade({"schema": 1, **data})
        known = {f.name for f in fields(cls)}
        required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(f"record lacks field {missing[0]!r}")
        _check_types(data)
        kept = {k: v for k, v in data.items() if k in known}
        return cls(**{**kept, "context": RunContext.from_dict(data.get("context") or {})})


# What every reader (table, report, compare) relies on: a record of the right shape, or CorruptResults. JSON has
# no int/float split that matters here, but bool is an int in Python, so numbers exclude it explicitly.
_NUMBER = (int, float)
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "case": (str,), "variant": (str,), "role": (str,), "device": (str,), "claim": (str,), "says": (str,),
    "observed": (str,), "agrees": (bool,), "fix_works": (bool, type(None)), "outcome": (str,),
    "metrics": (dict,), "diagnostics": (dict,), "context": (dict, type(None)), "error": (dict, type(None)),
    "notes": (list,), "warnings": (list,), "config": (dict,), "env": (dict,), "seed": (int,), "wall_s": _NUMBER, "started_at": (str,), "schema": (int,),
}
# the JSON type each registered metric's shape needs; None always means "not measured"
SHAPE_TYPES: dict[str, tuple[type, ...]] = {"number": _NUMBER, "numbers": (list,), "seconds_by_name": (dict,)}


def _type_error(where: str, value: Any, types: tuple[type, ...]) -> ValueError:
    names = " or ".join(dict.fromkeys(  # int and float are both "number": said once
        "null" if t is type(None) else {"dict": "object", "list": "array", "str": "string",
                                        "bool": "boolean"}.get(t.__name__, "number") for t in types))
    return ValueError(f"{where} must be {names}, got {json.dumps(value, default=str)[:60]}")


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _check_types(data: dict[str, Any]) -> None:
    """Raise ValueError naming the first field whose JSON type is not what RunRecord declares."""
    for name, types in FIELD_TYPES.items():
        if name in data and not _is(data[name], types):
            raise _type_error(f"field {name!r}", data[name], types)
    for name in ("notes", "warnings"):
        if not all(isinstance(x, str) for x in data.get(name, [])):
            raise ValueError(f"field {name!r} must be an array of strings")
    env = data.get("env", {})
    if env.get("versions") is not None and not isinstance(env["versions"], dict):
        raise _type_error("env.versions", env["versions"], (dict,))
    for name, value in (data.get("context") or {}).items():
        if name not in context.FIELD_TYPES:
            raise ValueError(f"context.{name} is not a run context field ({', '.join(context.KEYS)})")
        if value is not None and not _is(value, context.FIELD_TYPES[name]):
            raise _type_error(f"context.{name}", value, context.FIELD_TYPES[name])
    for name, value in data.get("metrics", {}).items():
        metric = metrics.get(name)
        if metric is None or value is None:  # an unknown name: RunRecord itself refuses it, naming it
            continue
        types = SHAPE_TYPES[metric.shape]
        if not _is(value, types):
            raise _type_error(f"metrics.{name}", value, types)
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if any(x is not None and not _is(x, _NUMBER) for x in items):
            raise ValueError(f"metrics.{name} must hold numbers")
    for name, value in data.get("diagnostics", {}).items():
        if value is not None and name.endswith(UNITS) and not _is(value, _NUMBER):
            # a procedure's own measurement, by its unit: the readers format these as numbers
            raise _type_error(f"diagnostics.{name}", value, _NUMBER)


UNITS = ("_s", "_mib", "_loss", "_per_s", "_accuracy")   # a diagnostic named with one of these is a number


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
