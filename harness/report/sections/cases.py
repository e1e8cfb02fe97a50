"""The front page's index of case pages: one row per case in these records, how many of its claims hold where
fitbench runs, and in which environments one does not; the case's name links to its page (its matrix rows,
every record's details, its pictures and their tables)."""
from __future__ import annotations

import pandas as pd

from harness.report.columns import cannot_run, label_runs
from harness.report.common import Context, Section
from harness.results.groups import group_records
from harness.spec.sections import FRONT, renders


@renders("cases", FRONT)
def build(ctx: Context) -> Section | None:
    if ctx.single:  # one case: the front page is its page, and an index of one says nothing
        return None
    running = {c.key: c.label for c in ctx.columns if c.runs}
    groups = group_records(ctx.records)
    rows, css, links = [], [], []
    for case in ctx.case_ids():
        ran = [(k, g) for k, g in groups.items() if k[0] == case and k[3] in running
               and g[0].outcome != "skipped" and not all(cannot_run(r) for r in g)]
        holds = sum(all(r.agrees for r in g) for _, g in ran)
        differ = sorted({running[k[3]] for k, g in ran if not all(r.agrees for r in g)}, key=lambda x: int(x[1:]))
        spec = ctx.cases.get(case)
        rows.append({"case": case, "what it replays": spec.title if spec else "(a case this fitbench does not know)",
                     "claims hold": f"{holds} of {len(ran)}" if ran else "–",
                     "a claim does not hold in": label_runs(differ) if differ else "–"})
        css.append({"case": "", "what it replays": "",
                    "claims hold": "" if not ran else "ok" if holds == len(ran) else "warn",
                    "a claim does not hold in": ""})
        links.append({"case": ctx.case_page(case), "what it replays": "", "claims hold": "",
                      "a claim does not hold in": ""})
    if not rows:
        return None
    return "Cases", [{"kind": "p", "text": "Each case's page has its rows of the matrix, every record's key numbers, "
                                          "error and notes, and its pictures, each with a table beside it."},
                     {"kind": "table", "df": pd.DataFrame(rows), "css": pd.DataFrame(css),
                      "links": pd.DataFrame(links)}]
