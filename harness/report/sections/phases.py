"""Where the time goes: per-phase wall time of each variant (the worker's phases plus the runner's spawn and
teardown), per case: a stacked bar per variant in one panel per environment (small multiples, two to a row) and
the table; what dominates is what to cut next."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import Context, Section, median, short_env, slug
from harness.report.figures import panels, save_figure
from harness.results.first_step import SPLIT_PHASES, phases_with_split
from harness.results.fmt import fmt, number
from harness.results.groups import group_records
from harness.train.phases import PHASES as PHASE_ORDER
from harness.spec.sections import CASE, renders


def phases_table(ctx: Context) -> pd.DataFrame:
    """Seconds per phase (median over repeats) per case:variant and environment; records without phases (older
    fitbench, skipped variants) are left out, and a phase no record of a group reached stays empty."""
    rows = []
    for (case, variant, _, env), group in group_records(ctx.records).items():
        phased = [phases_with_split(r.metrics["phases"], r.metrics.get("first_step")) for r in group
                  if isinstance(r.metrics.get("phases"), dict)
                  and any(number(v) is not None for v in r.metrics["phases"].values())]
        if not phased:
            continue
        names = {name for p in phased for name in p}
        seconds = {name: median([p.get(name) for p in phased]) for name in names}
        launcher = next((r.context.launcher for r in group if r.context.launcher), None)
        stopped = [f"{r.outcome} in {r.diagnostics['stopped_in']}" for r in group if r.diagnostics.get("stopped_in")]
        label = f"{case}:{variant}" + (f" ({stopped[0]})" if stopped else "")  # timed out: where it was
        rows.append({"case:variant": label, "environment": env, "launcher": launcher or "–",
                     **seconds, "wall s": median([r.wall_s for r in group]),
                     "order": ctx.order(case, variant)})
    if not rows:
        return pd.DataFrame()
    keys = [c.key for c in ctx.columns]
    frame = pd.DataFrame(rows)
    frame["column"] = frame["environment"].map(lambda e: keys.index(e) if e in keys else len(keys))
    frame = frame.sort_values(["column", "order"]).drop(columns=["order", "column"]).reset_index(drop=True)
    order = [q for p in PHASE_ORDER for q in (SPLIT_PHASES if p == "compile_first_step" else (p,))]
    order.insert(order.index(SPLIT_PHASES[0]), "compile_first_step")  # records without the split keep the whole
    phases = [p for p in order if p in frame] + sorted(c for c in frame.columns if c not in order
                                                       and c not in ("case:variant", "environment", "launcher",
                                                                     "wall s"))
    phases = [p for p in phases if frame[p].notna().any()]  # a phase no record reached is no column
    frame["sum of phases s"] = frame[phases].sum(axis=1, min_count=1)
    return frame[["case:variant", "environment", "launcher", *phases, "sum of phases s", "wall s"]]


def phases_figure(table: pd.DataFrame) -> plt.Figure | None:
    """Small multiples: one panel per environment (two to a row), a horizontal stacked bar per variant in each,
    the rows the same in every panel: what each second of its wall time did, where."""
    if table.empty:
        return None
    phases = [c for c in table.columns if c not in ("case:variant", "environment", "launcher", "sum of phases s",
                                                    "wall s")]
    envs = list(dict.fromkeys(table["environment"]))
    rows = list(dict.fromkeys(table["case:variant"]))
    fig, axes = panels(len(envs), width=6.2, height=0.26 * len(rows) + 0.9, ncols=2, legend=1.8, sharey=False)
    colours = {p: plt.get_cmap("tab10")(i % 10) for i, p in enumerate(phases)}
    for ax, env in zip(axes, envs):
        part = table[table["environment"] == env].set_index("case:variant").reindex(rows[::-1])  # first on top
        left = pd.Series(0.0, index=part.index)
        for phase in phases:
            width = part[phase].fillna(0.0)
            ax.barh(range(len(part)), width, left=left, color=colours[phase], label=phase, height=0.7)
            left += width
        for y, (total, wall) in enumerate(zip(left, part["wall s"])):
            if number(wall) is not None or total:
                ax.text(total, y, f" {total:.1f}s" + (f" (wall {wall:.1f}s)" if number(wall) else ""), va="center",
                        fontsize=6.5)
        ax.set_yticks(range(len(part)), list(part.index), fontsize=7)
        ax.set_title(env, fontsize=7.5)
        ax.set_xlabel("seconds")
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.2)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False, title="phase")
    return fig


TEXT = ("Per-phase wall time of each variant, measured in the worker (imports, data + tokenizer, model build, "
        "compile + first step, steady steps, validation) plus the runner's own spawn and teardown; medians over "
        "repeats. What dominates here is what to cut next.")


@renders("phases", CASE)
def case_section(ctx: Context) -> Section | None:
    table = phases_table(ctx)
    if table.empty:
        return None
    case = ctx.case_ids()[0]
    titles = ctx.env_titles(lines=2)
    drawn = table.assign(environment=table["environment"].map(lambda e: titles.get(e, short_env(e, 2))))
    png = save_figure(phases_figure(drawn), ctx.out / f"phases-{slug(case)}.png")
    shown = table.copy()
    for col in shown.columns:
        if col not in ("case:variant", "environment", "launcher"):
            shown[col] = shown[col].map(lambda v: fmt(v, "{:.2f}"))
    shown["environment"] = shown["environment"].map(lambda e: ctx.env_titles().get(e, short_env(e)))
    if shown["environment"].nunique() == 1:
        shown = shown.drop(columns="environment")
    return "Where the time goes", [{"kind": "p", "text": TEXT},
                                   {"kind": "img", "src": png.name, "alt": f"{case}: phases per variant"},
                                   {"kind": "table", "df": shown}]
