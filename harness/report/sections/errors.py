"""Errors: per case:variant and environment, the exception type and the informative line of its message."""
from __future__ import annotations

import pandas as pd

from harness.report.common import Context, Section, short_env
from harness.results.errors import error_line
from harness.results.groups import env_key


def build(ctx: Context) -> Section:
    records = ctx.records
    rows = [{"case:variant": f"{r.case}:{r.variant}", "environment": short_env(env_key(r)),
             "observed": r.observed, "error": error_line(r)} for r in records if r.error]
    frame = pd.DataFrame(rows).drop_duplicates() if rows else pd.DataFrame()
    return "Errors", [{"kind": "table", "df": frame} if rows else {"kind": "p", "text": "No run raised."}]
