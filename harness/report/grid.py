"""A case's symptoms across versions as one picture: a grid of variants (rows) × environments (columns, in version
order, each titled with its whole identity), the colour of a cell its verdict (the report's one colour language,
harness/report/cells.py: the matrix under it is coloured the same) and its text the verdict's mark and the
symptom. Categorical facts in cells, not lines across a categorical axis: a boundary between two releases is where
the colour changes along a row. Its table twin is the case's matrix under it."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from harness.report.cells import COLOURS, verdict
from harness.report.common import Context, slug
from harness.report.figures import save_figure
from harness.results.groups import group_records


def grid_cells(ctx: Context, case: str) -> tuple[list[str], list, dict[tuple[str, str], tuple[str, str]]]:
    """(variants in the spec's order, columns with records of the case, {(variant, column key): (symptom,
    mark, css class)})."""
    groups = {(k[1], k[3]): g for k, g in group_records(r for r in ctx.records if r.case == case).items()}
    variants = sorted({v for v, _ in groups}, key=lambda v: ctx.order(case, v))
    columns = [c for c in ctx.columns if any(e == c.key for _, e in groups)]
    cells = {}
    for (variant, env), group in groups.items():
        seen = list(dict.fromkeys(r.observed for r in group))
        cells[(variant, env)] = ("/".join(seen), *verdict(group))
    return variants, columns, cells


def grid_figure(ctx: Context, case: str) -> plt.Figure | None:
    variants, columns, cells = grid_cells(ctx, case)
    if len(columns) < 2:  # one column: the matrix says it all
        return None
    fig, ax = plt.subplots(figsize=(max(6.0, 2.2 + 1.3 * len(columns)), 1.8 + 0.36 * len(variants)),
                           layout="constrained")
    for y, variant in enumerate(variants):
        for x, column in enumerate(columns):
            symptom, mark, css = cells.get((variant, column.key), ("", "", ""))
            colour = COLOURS[css] if symptom else "white"
            ax.add_patch(Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="white", lw=1.5))
            if symptom:
                ax.text(x + 0.5, y + 0.5, f"{mark} {symptom}", ha="center", va="center", fontsize=7)
    ax.set_xlim(0, len(columns))
    ax.set_ylim(len(variants), 0)
    ax.set_xticks([x + 0.5 for x in range(len(columns))],
                  [f"{c.label}\n" + c.title.replace(" · ", "\n") for c in columns], fontsize=6.5)
    ax.xaxis.tick_top()
    ax.set_yticks([y + 0.5 for y in range(len(variants))], variants, fontsize=8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"{case}: symptom per environment. Colour = the verdict, as in the tables:\n"
                 "✓ green: the chapter's claim holds · ✗ red: it does not · ~ amber: repeats disagree or an "
                 "expectation failed · – grey: n/a, cannot run", fontsize=8.5, loc="left")
    return fig


def plot_grid(ctx: Context, case: str, out: Path) -> Path | None:
    fig = grid_figure(ctx, case)
    return save_figure(fig, out / f"grid-{slug(case)}.png", dpi=100) if fig is not None else None
