"""Records written by an older fitbench, brought to the current schema as they are read (asv's results.py
`api_version` and `update_to_2` are the model). Nothing recorded is rewritten: a committed results file keeps the
schema it was written with, and every reader sees the current one.

Schema 1 kept everything in `metrics`: registered metrics, a procedure's own measurements and the runner's
bookkeeping. Schema 2 keeps registered metrics in `metrics`, the rest of the measurements in `diagnostics`, and
the bookkeeping in `context` (harness/results/context.py).
"""
from __future__ import annotations

from typing import Any, Callable

from harness.results import context, metrics

SCHEMA = 2   # the schema this fitbench writes, and the newest it reads


class NewerSchema(ValueError):
    """A record written by a newer fitbench than this one."""


def migrate_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 → 2: `metrics` split into registered metrics, diagnostics and the run context."""
    old = data.get("metrics")
    if not isinstance(old, dict):  # left for the type check to name
        return {**data, "schema": 2}
    bookkeeping = {k: v for k, v in old.items() if k in context.KEYS}
    registered, diagnostics = metrics.split({k: v for k, v in old.items() if k not in context.KEYS})
    return {**data, "metrics": registered, "diagnostics": diagnostics, "context": bookkeeping, "schema": 2}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: migrate_1_to_2}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A record's JSON object in the current schema; ValueError for a schema that is not a known one, NewerSchema
    for one written by a newer fitbench."""
    schema = data.get("schema")
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise ValueError(f"field 'schema' must be a record schema (1 to {SCHEMA}), got {schema!r}")
    if schema > SCHEMA:
        raise NewerSchema(f"record schema {schema} is newer than this fitbench reads (up to {SCHEMA}): "
                          f"update fitbench to read it")
    while schema < SCHEMA:
        data = MIGRATIONS[schema](data)
        schema = data["schema"]
    return data
