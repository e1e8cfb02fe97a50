"""Where the time goes: per-phase wall time of each variant (the worker's phases plus the runner's spawn and
teardown), as a stacked bar per variant and a table; what dominates is what to cut next."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import Context, Section, median, short_env
from harness.results.first_step import SPLIT_PHASES, phases_with_split
from harness.results.fmt import fmt, number
from harness.results.groups import group_records
from harness.train.phases import PHASES as PHASE_ORDER


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
        launcher = next((r.metrics.get("launcher") for r in group if r.metrics.get("launcher")), None)
        stopped = [f"{r.outcome} in {r.metrics['stopped_in']}" for r in group if r.metrics.get("stopped_in")]
        label = f"{case}:{variant}" + (f" ({stopped[0]})" if stopped else "")  # timed out: where it was
        rows.append({"case:variant": label, "environment": env, "launcher": launcher or "–",
                     **seconds, "wall s": median([r.wall_s for r in group]),
                     "order": ctx.order(case, variant)})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).sort_values(["environment", "order"]).drop(columns="order")
    order = [q for p in PHASE_ORDER for q in (SPLIT_PHASES if p == "compile_first_step" else (p,))]
    order.insert(order.index(SPLIT_PHASES[0]), "compile_first_step")  # records without the split keep the whole
    phases = [p for p in order if p in frame] + sorted(c for c in frame.columns if c not in order
                                                       and c not in ("case:variant", "environment", "launcher",
                                                                     "wall s"))
    phases = [p for p in phases if frame[p].notna().any()]  # a phase no record reached is no column
    frame["sum of phases s"] = frame[phases].sum(axis=1, min_count=1)
    return frame[["case:variant", "environment", "launcher", *phases, "sum of phases s", "wall s"]]


def phases_figure(table: pd.DataFrame) -> plt.Figure | None:
    """A horizontal stacked bar per variant (one axes per environment): what each second of its wall time did."""
    if table.empty:
        return None
    phases = [c for c in table.columns if c not in ("case:variant", "environment", "launcher", "sum of phases s",
                                                    "wall s")]
    envs = list(dict.fromkeys(table["environment"]))
    heights = [0.3 * (table["environment"] == e).sum() + 0.9 for e in envs]
    fig, axes = plt.subplots(len(envs), 1, figsize=(13, sum(heights) + 0.8), squeeze=False, layout="constrained",
                             gridspec_kw={"height_ratios": heights})
    colours = {p: plt.get_cmap("tab10")(i % 10) for i, p in enumerate(phases)}
    for ax, env in zip(axes[:, 0], envs):
        part = table[table["environment"] == env].iloc[::-1]  # first variant on top
        left = pd.Series(0.0, index=part.index)
        for phase in phases:
            width = part[phase].fillna(0.0)
            ax.barh(part["case:variant"], width, left=left, color=colours[phase], label=phase, height=0.7)
            left += width
        for y, (total, wall) in enumerate(zip(left, part["wall s"])):
            ax.text(total, y, f" {total:.1f}s" + (f" (wall {wall:.1f}s)" if number(wall) else ""), va="center",
                    fontsize=7)
        ax.set_title(short_env(env), fontsize=9)
        ax.set_xlabel("seconds")
        ax.grid(axis="x", alpha=0.3)
        ax.margins(x=0.12)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False, title="phase")
    return fig


def build(ctx: Context) -> Section:
    table = phases_table(ctx)
    text = ("Per-phase wall time of each variant, measured in the worker (imports, data + tokenizer, model build, "
            "compile + first step, steady steps, validation) plus the runner's own spawn and teardown; medians "
            "over repeats. What dominates here is what to cut next.")
    if table.empty:
        return "Where the time goes", [{"kind": "p", "text": text}, {"kind": "p", "text": (
            "No record in these results carries phase times (they were written by a fitbench older than "
            "the phase clock).")}]
    fig = phases_figure(table)
    path = ctx.out / "phases.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    shown = table.copy()
    for col in shown.columns:
        if col not in ("case:variant", "environment", "launcher"):
            shown[col] = shown[col].map(lambda v: fmt(v, "{:.2f}"))
    shown["environment"] = shown["environment"].map(short_env)
    if shown["environment"].nunique() == 1:
        shown = shown.drop(columns="environment")
    return "Where the time goes", [{"kind": "p", "text": text},
                                   {"kind": "img", "src": path.name, "alt": "phases per variant"},
                                   {"kind": "table", "df": shown}]
