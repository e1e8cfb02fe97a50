"""The front page's last section: where the records came from — the files read, how many records each, and the
dates the records were made. The first screen names none of this: it says what changed."""
from __future__ import annotations


import pandas as pd

from harness.report.common import Context, Section
from harness.results.records import RunRecord
from harness.spec.sections import FRONT, renders


def dates(records: list[RunRecord]) -> str:
    """'2026-11-27' or '2026-11-27 to 2026-11-29': the days the records were made (their started_at), or '' where
    none says."""
    days = sorted({r.started_at[:10] for r in records if r.started_at})
    return "" if not days else days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"


@renders("sources", FRONT)
def build(ctx: Context) -> Section:
    # names, not folders: a merge of shards reads as one machine's run (tests/benchmarks/test_matrix_machines.py)
    rows = [{"file": path.name, "records": len(records), "made": dates(records) or "–"}
            for path, records in sorted(ctx.by_file.items(), key=lambda item: item[0].name)]
    text = f"{len(ctx.records)} records from {len(rows)} file(s), made {dates(ctx.records) or 'on undated runs'}."
    return "Sources", [{"kind": "p", "text": text}, {"kind": "table", "df": pd.DataFrame(rows)}], "sources"
