"""Every record of a case, one row per variant and environment: what was observed against what the chapter says,
the key numbers the terminal table shows (the initial loss against ln C, steps to the threshold, validation
accuracy, samples/s), the informative line of its error and the runner's notes. Each row has the anchor a
matrix cell links to."""
from __future__ import annotations

import pandas as pd

from harness.report.columns import cannot_run
from harness.report.common import Context, Section, record_anchor
from harness.report.terminal import key_numbers
from harness.results.errors import error_line
from harness.results.groups import group_records
from harness.spec.sections import CASE, renders


def _verdict(group: list) -> tuple[str, str]:
    first = group[0]
    if first.outcome == "skipped":
        return "– n/a", "na"
    if all(cannot_run(r) for r in group):
        return "– cannot run here", "na"
    if all(r.agrees for r in group):
        return "✓", "ok"
    return ("~", "warn") if any(r.agrees for r in group) else ("✗", "bad")


@renders("details", CASE)
def case_section(ctx: Context) -> Section | None:
    groups = sorted(group_records(ctx.records).items(),
                    key=lambda kv: (ctx.order(*kv[0][:2]), [c.key for c in ctx.columns].index(kv[0][3])))
    if not groups:
        return None
    rows, css, ids = [], [], []
    for (case, variant, _, env), group in groups:
        column = ctx.column(env)
        verdict, cls = _verdict(group)
        first = group[0]
        notes = [n for n in dict.fromkeys(n for r in group for n in r.notes)
                 if not n.startswith("chapter's claim")]  # the two columns before say that one
        rows.append({"variant": variant, "environment": f"{column.label} · {column.title}",
                     "observed": ", ".join(dict.fromkeys(r.observed for r in group)), "chapter says": first.claim,
                     "agrees": verdict, "key numbers": key_numbers(first),
                     "error": "; ".join(dict.fromkeys(error_line(r) for r in group if r.error)) or "–",
                     "notes": "; ".join(notes) or "–", "repeats": str(len(group))})
        css.append({k: (cls if k == "agrees" else "") for k in rows[-1]})
        ids.append(record_anchor(variant, column.label))
    frame = pd.DataFrame(rows)
    text = ("One row per variant and environment (E-numbers: the environments on the front page). A matrix cell "
            "links to its row here.")
    return "Every record: key numbers, error, notes", [
        {"kind": "p", "text": text},
        {"kind": "table", "df": frame, "css": pd.DataFrame(css), "row_ids": ids}]
