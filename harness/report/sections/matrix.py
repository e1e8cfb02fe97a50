"""The compatibility matrix: one row per case × variant, one column per environment where fitbench runs; every
cell says in words *and* colour what was observed and whether the chapter's claim holds there, and links to the
record's details (its key numbers, error and notes) on the case's page.

On the front page the matrix is compact: tooltips cut to 200 characters, and the variants that apply nowhere in
these records (GPU only, on CPU records) are one line under it instead of rows of dashes. A case's page has its
own rows with the whole error or notes as a tooltip.
"""
from __future__ import annotations

import pandas as pd

from harness.report.cells import LEGEND, cell  # noqa: F401  (cell: the matrix's cells, as tests know them)
from harness.report.common import Block, Context, Section, record_anchor
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec.sections import CASE, FRONT, renders

def _rows(ctx: Context, compact: bool) -> list[tuple[str, str, list[RunRecord]]]:
    """(case, variant, group) in the suite's order; `compact`: only where fitbench runs."""
    shown = {c.key for c in ctx.columns if c.runs or not compact}
    groups = sorted(group_records(ctx.records).items(), key=lambda kv: ctx.order(*kv[0][:2]))
    return [(c, v, g) for (c, v, _, e), g in groups if e in shown]


def matrix_block(ctx: Context, compact: bool = False) -> tuple[Block | None, list[str]]:
    """The matrix table (rows case:variant (role), columns the environments, titled with their whole identity),
    and with `compact` (the front page) only where fitbench runs, and the variants left out because they apply
    nowhere here."""
    rows = _rows(ctx, compact)
    if not rows:
        return None, []
    by_row: dict[str, dict[str, tuple[str, str, str, str]]] = {}
    cases: dict[str, str] = {}
    for case, variant, group in rows:
        name = f"{case}:{variant} ({group[0].role})"
        column = ctx.column(env_key(group[0]))
        text, css, tip = cell(group)
        target = f"{ctx.case_page(case)}#{record_anchor(variant, column.label)}"
        # hover a cell for its error or notes (docs/nightly.md): on the front page the first 200 characters,
        # which keeps a 10-environment page small; the case's page has them whole
        short = tip if len(tip) <= 200 else tip[:199] + "…"
        by_row.setdefault(name, {})[column.key] = (text, css, short if compact else tip, target)
        cases[name] = case
    skipped = [name for name, cells in by_row.items() if all(c[1] == "na" and c[0].startswith("– n/a") for c in
                                                              cells.values())] if compact else []
    names = [n for n in by_row if n not in skipped]
    shown = [c for c in ctx.columns if (c.runs or not compact) and any(c.key in by_row[n] for n in names)]
    empty = ("–", "na", "not run in this environment", "")
    grid = [[by_row[n].get(c.key, empty) for c in shown] for n in names]
    header = [f"{c.label} · {c.title}" for c in shown]

    def part(i: int) -> pd.DataFrame:
        return pd.DataFrame([[x[i] for x in row] for row in grid], index=names, columns=header)

    block = {"kind": "table", "index": "case:variant (role)", "df": part(0), "css": part(1), "titles": part(2),
             "links": part(3), "index_links": [ctx.case_page(cases[n]) for n in names] if compact else None}
    return block, skipped


@renders("matrix", FRONT)
def build(ctx: Context) -> Section | None:
    """The front page's matrix."""
    block, skipped = matrix_block(ctx, compact=True)
    if block is None:
        return None
    blocks: list[Block] = [{"kind": "p", "text": LEGEND}, block]
    if skipped:
        blocks.append({"kind": "p", "text": f"Not applicable on the devices of these records ({len(skipped)}): "
                                            + ", ".join(s.rsplit(' (', 1)[0] for s in skipped) + "."})
    return "Compatibility matrix", blocks


@renders("matrix", CASE)
def case_section(ctx: Context) -> Section | None:
    """A case's own rows in every environment, with tooltips, under their picture (harness/report/grid.py)
    where there are several environments."""
    from harness.report.grid import plot_grid

    block, _ = matrix_block(ctx)
    if block is None:
        return None
    case = ctx.case_ids()[0]
    png = plot_grid(ctx, case, ctx.out)
    picture = [{"kind": "img", "src": png.name, "alt": f"{case}: symptom per environment"}] if png else []
    return "What happened", [*picture, {"kind": "p", "text": LEGEND}, block]
