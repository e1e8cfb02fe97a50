"""How many records, groups, claims that hold and fixes that work: the report's first paragraph."""
from __future__ import annotations

from harness.report.common import Context, Section
from harness.results.groups import group_records


def build(ctx: Context) -> Section:
    records = ctx.records
    groups = group_records(records)
    ran = [g for g in groups.values() if g[0].outcome != "skipped"]
    holds = sum(all(r.agrees for r in g) for g in ran)
    fixes = [g for g in ran if g[0].role == "fix"]
    names = sorted({p.name for p in ctx.paths})
    text = (f"{len(records)} records ({len(groups)} case × variant × environment groups) from "
            f"{len(ctx.paths)} file(s): {', '.join(names[:12])}{' …' if len(names) > 12 else ''}. The chapter's "
            f"claim holds in {holds} of {len(ran)} groups that ran; "
            f"{sum(all(r.fix_works for r in g) for g in fixes)} of {len(fixes)} fixes work.")
    return "Summary", [{"kind": "p", "text": text}]
