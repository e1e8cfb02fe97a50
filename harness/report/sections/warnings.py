"""Warnings per environment (on the environments page), deprecations first; `NEW` marks a warning that no earlier
report built in the same folder printed (the folder keeps warnings_seen.json for that)."""
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


def seen_warnings(out: Path, by_env: dict[str, dict[str, int]]) -> tuple[set[str] | None, str]:
    """Warnings of earlier reports in out_dir (None: no earlier report), and the date of the last one;
    then records this report's warnings into the state file."""
    state_path = out / STATE_FILE
    state = read_state(out)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    known: dict[str, str] = dict((state or {}).get("warnings", {}))
    for counts in by_env.values():
        for w in counts:
            known.setdefault(normalize_warning(w), now)
    state_path.write_text(json.dumps({"updated": now, "warnings": known}, indent=1, sort_keys=True))
    if state is None:
        return None, ""
    return set(state.get("warnings", {})), state.get("updated", "")


def warning_blocks(ctx: Context) -> dict[str, list[Block]]:
    """{environment: its warnings table}, deprecations first; NEW marks a warning no earlier report in this folder
    printed. Records this report's warnings in the folder's state file."""
    by_env = warnings_by_env(ctx.records)
    seen, since = seen_warnings(ctx.out, by_env)
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
