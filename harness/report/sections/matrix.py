"""The compatibility matrix: one row per case × variant, one column per environment; every cell says in words
*and* colour what was observed and whether the chapter's claim holds there."""
from __future__ import annotations

import pandas as pd

from harness.report.common import Block, Context, Section
from harness.results.errors import error_line
from harness.results.groups import group_records
from harness.results.records import RunRecord


def cell(group: list[RunRecord]) -> tuple[str, str, str]:
    """(text, css class, tooltip) of one matrix cell; the text alone carries the verdict (✓ / ✗ / ~ / –)."""
    first = group[0]
    seen = pd.Series([r.observed for r in group]).value_counts()
    times = f" ×{len(group)}" if len(group) > 1 else ""
    tip = "; ".join(error_line(r) for r in group if r.error) or "; ".join(first.notes)
    if first.outcome == "skipped":
        return f"– n/a on {first.device}", "na", first.notes[0] if first.notes else ""
    if len(seen) > 1:
        mix = ", ".join(f"{s} ×{n}" for s, n in seen.items())
        return f"~ repeats disagree: {mix} (chapter: {first.claim})", "warn", tip
    observed = first.observed
    if first.role == "fix":
        if all(r.fix_works for r in group):
            return f"✓ fix works{times}", "ok", tip
        return f"✗ fix fails: {observed} (chapter: {first.claim}){times}", "bad", tip
    if all(r.agrees for r in group):
        verb = "bug reproduces: " if first.role == "broken" else ""
        return f"✓ {verb}{observed}{times}", "ok", tip
    if observed == first.claim:
        failed = [n.removeprefix("expectation failed: ") for n in first.notes if n.startswith("expectation")]
        return f"✗ {observed}, but {'; '.join(failed) or 'an expectation failed'}{times}", "warn", tip
    return f"✗ {observed} (chapter: {first.claim}){times}", "bad", tip


def matrix_block(ctx: Context) -> Block:
    """Rows case:variant (role), columns environments; pandas pivots the (text, class, tooltip) triples."""
    rows = [{"row": f"{c}:{v} ({g[0].role})", "env": e, "order": i, "cell": cell(g)}
            for i, ((c, v, _, e), g) in enumerate(sorted(group_records(ctx.records).items(),
                                                         key=lambda kv: ctx.order(*kv[0][:2])))]
    frame = pd.DataFrame(rows)
    order = frame.groupby("row", sort=False)["order"].min().sort_values().index
    table = frame.pivot(index="row", columns="env", values="cell").reindex(order)
    na = ("–", "na", "not run in this environment")
    cells = table.apply(lambda col: col.map(lambda x: x if isinstance(x, tuple) else na))
    return {"kind": "table", "index": "case:variant (role)",
            "df": cells.apply(lambda col: col.map(lambda x: x[0])),
            "css": cells.apply(lambda col: col.map(lambda x: x[1])),
            "titles": cells.apply(lambda col: col.map(lambda x: x[2]))}




def build(ctx: Context) -> Section:
    legend = ("✓ green: the chapter's claim holds (a bug reproduces, a fix works, a check passes) · "
              "✗ red: it does not, with what was observed and what the chapter says · ~ amber: repeats "
              "disagree or a metric expectation failed · – grey: not applicable or not run. "
              "Hover a cell (HTML) for the error or the notes.")
    return "Compatibility matrix", [{"kind": "p", "text": legend}, matrix_block(ctx)]
