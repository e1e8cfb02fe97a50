"""The first screen: what the records are, then one row per environment × hardware with its tallies — bugs that
reproduce, fixes that work, checks that pass, claims that hold, variants not applicable or that cannot run there —
and the environments where fitbench cannot run at all, apart, with the reason and the likely fix: they are never
counted as failures."""
from __future__ import annotations

import pandas as pd

from harness.report.columns import Column, cannot_run
from harness.report.common import Context, Section
from harness.results.groups import group_records
from harness.results.records import RunRecord
from harness.spec.sections import FRONT, renders


def tallies(groups: list[list[RunRecord]]) -> dict[str, tuple[int, int]]:
    """{what: (how many hold, of how many)} over one environment's groups of repeats."""
    ran = [g for g in groups if g[0].outcome != "skipped" and not all(cannot_run(r) for r in g)]

    def count(role: str | None, ok) -> tuple[int, int]:
        chosen = [g for g in ran if role is None or g[0].role == role]
        return sum(all(ok(r) for r in g) for g in chosen), len(chosen)

    return {"bugs reproduce": count("broken", lambda r: r.agrees), "fixes work": count("fix", lambda r: r.fix_works),
            "checks pass": count("check", lambda r: r.agrees), "claims hold": count(None, lambda r: r.agrees),
            "not applicable": (sum(g[0].outcome == "skipped" for g in groups), 0),
            "cannot run here": (sum(g[0].outcome != "skipped" and all(cannot_run(r) for r in g) for g in groups), 0)}


def _row(column: Column, counts: dict[str, tuple[int, int]]) -> tuple[dict[str, str], dict[str, str]]:
    row, css = {"#": column.label, "environment × hardware": column.key}, {"#": "", "environment × hardware": ""}
    for what, (k, n) in counts.items():
        if what in ("not applicable", "cannot run here"):
            row[what], css[what] = str(k), "na" if k else ""
        else:
            row[what] = f"{k} of {n}" if n else "–"
            css[what] = "" if not n else "ok" if k == n else "bad" if what == "fixes work" else "warn"
    return row, css


def summary_text(ctx: Context, groups: dict) -> str:
    records = ctx.records
    running = {c.key for c in ctx.columns if c.runs}
    ran = [g for k, g in groups.items() if k[3] in running and g[0].outcome != "skipped"
           and not all(cannot_run(r) for r in g)]
    fixes = [g for g in ran if g[0].role == "fix"]
    blocked = len(ctx.columns) - len(running)
    # the files are named under Sources, at the bottom: a paragraph of venv names is no first screen
    return (f"{len(records)} records ({len(groups)} case × variant × environment groups) from {len(ctx.paths)} "
            f"file(s) (listed under Sources). {len(ctx.columns)} environment(s) × "
            f"hardware; fitbench runs in {len(running)}: there the chapter's claim holds in "
            f"{sum(all(r.agrees for r in g) for g in ran)} of {len(ran)} groups and "
            f"{sum(all(r.fix_works for r in g) for g in fixes)} of {len(fixes)} fixes work"
            + (f"; {blocked} cannot run fitbench (listed apart below, not counted in these tallies; next to an "
               f"environment where it runs, its variants break or heal under What changed)." if blocked else "."))


@renders("glance", FRONT)
def build(ctx: Context) -> Section:
    groups = group_records(ctx.records)
    rows, css, ids = [], [], []
    for column in (c for c in ctx.columns if c.runs):
        row, classes = _row(column, tallies([g for k, g in groups.items() if k[3] == column.key]))
        rows.append(row)
        css.append(classes)
        ids.append(column.anchor)
    blocks = [{"kind": "p", "text": summary_text(ctx, groups)}]
    if rows:
        frame = pd.DataFrame(rows)
        links = pd.DataFrame([{k: (f"environments#{c.anchor}" if k == "environment × hardware" else "")
                               for k in row} for row, c in zip(rows, (c for c in ctx.columns if c.runs))])
        blocks.append({"kind": "table", "df": frame, "css": pd.DataFrame(css), "links": links, "row_ids": ids})
    blocked = [c for c in ctx.columns if not c.runs]
    if blocked:
        blocks.append({"kind": "h3", "text": f"Environments where fitbench cannot run ({len(blocked)})"})
        frame = pd.DataFrame([{"#": c.label, "environment × hardware": c.key, "why": c.reason,
                               "likely fix": c.fix or "–"} for c in blocked])
        blocks.append({"kind": "table", "df": frame, "row_ids": [c.anchor for c in blocked]})
    return "At a glance", blocks, "at-a-glance"
