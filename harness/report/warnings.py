"""Warnings per environment (on the environments page), deprecations first; `NEW` marks a warning that no earlier
report built in the same folder printed (the folder keeps warnings_seen.json for that).

The state is read and written by the report's writer (harness/report/__init__.py `write_report`), not by the page
that shows it: read (and checked) before anything is written, handed to the pages in the `Context`, and written
with this report's warnings only once every page is — rendering has no side effect beside its output, and a
report that fails half-way leaves the folder's memory of warnings as it was."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from harness.report.common import Block, Context
from harness.results.groups import env_key
from harness.results.records import CorruptResults, RunRecord

STATE_FILE = "warnings_seen.json"


def normalize_warning(text: str) -> str:
    """The identity of a warning across runs: without glog time/pid prefixes, addresses and line numbers."""
    text = re.sub(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ", "", text.strip())
    text = re.sub(r"0x[0-9a-fA-F]+", "0x…", text)
    return re.sub(r"(\.py|\.cc|\.h):\d+", r"\1", text)


def warnings_by_env(records: list[RunRecord]) -> dict[str, dict[str, int]]:
    """{environment: {warning: number of runs that printed it}}, deprecations first."""
    by_env: dict[str, dict[str, int]] = {}
    for r in records:
        counts = by_env.setdefault(env_key(r), {})
        for w in dict.fromkeys(r.warnings):
            counts[w] = counts.get(w, 0) + 1
    return {env: dict(sorted(c.items(), key=lambda kv: ("deprecat" not in kv[0].lower(), kv[0])))
            for env, c in sorted(by_env.items())}


def read_state(out: Path) -> dict[str, Any] | None:
    """The warnings state file of earlier reports in `out`, None if there is none; CorruptResults if it is
    not one (write_report calls this before writing anything, so a bad one stops the report cleanly)."""
    path = out / STATE_FILE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptResults(f"{path}: not a fitbench warnings state file ({exc}); delete it to start afresh") \
            from None
    if not (isinstance(state, dict) and isinstance(state.get("warnings", {}), dict)):
        raise CorruptResults(f"{path}: not a fitbench warnings state file; delete it to start afresh")
    return state


def earlier(state: dict[str, Any] | None) -> tuple[frozenset[str] | None, str]:
    """The warnings earlier reports in the folder printed (None: there was none) and the date of the last one."""
    if state is None:
        return None, ""
    return frozenset(state.get("warnings", {})), state.get("updated", "")


def updated_state(state: dict[str, Any] | None, records: list[RunRecord], now: datetime) -> dict[str, Any]:
    """The state after this report: every warning seen so far, each with the date it was first seen."""
    stamp = now.isoformat(timespec="seconds")
    known: dict[str, str] = dict((state or {}).get("warnings", {}))
    for counts in warnings_by_env(records).values():
        for w in counts:
            known.setdefault(normalize_warning(w), stamp)
    return {"updated": stamp, "warnings": known}


def write_state(out: Path, state: dict[str, Any] | None, records: list[RunRecord]) -> Path:
    """Records this report's warnings in `out`'s state file (after its pages are written); returns its path."""
    path = out / STATE_FILE
    path.write_text(json.dumps(updated_state(state, records, datetime.now(timezone.utc)), indent=1,
                               sort_keys=True))
    return path


def warning_blocks(ctx: Context) -> dict[str, list[Block]]:
    """{environment: its warnings table}, deprecations first; NEW marks a warning no earlier report in this folder
    printed (`ctx.warnings_seen`, read by write_report before rendering). Writes nothing."""
    by_env = warnings_by_env(ctx.records)
    seen, since = ctx.warnings_seen, ctx.warnings_since
    intro = ("First report in this folder: nothing to compare with; later reports mark warnings not seen before as "
             "NEW." if seen is None else f"NEW = not printed in any report built in this folder before (last: "
                                         f"{since}).")
    out: dict[str, list[Block]] = {}
    for env, counts in by_env.items():
        rows = [{"": "NEW" if seen is not None and normalize_warning(w) not in seen else "",
                 "kind": "deprecation" if "deprecat" in w.lower() else "warning", "warning": w, "runs": str(n)}
                for w, n in counts.items()]
        out[env] = [{"kind": "h3", "text": "Warnings (deprecations first)"}, {"kind": "p", "text": intro},
                    {"kind": "table", "df": pd.DataFrame(rows), "css": pd.DataFrame(
                        [{col: ("warn" if row[""] else "") for col in row} for row in rows])} if rows else
                    {"kind": "p", "text": "No warnings printed."}]
    return out
