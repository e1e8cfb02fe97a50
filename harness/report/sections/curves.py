"""Loss curves of the cases that ask for them (`sections=("curves",)`): small multiples, one panel per
environment, three to a row with shared axes, every variant on each; and their table twin: steps and seconds to
the case's loss line (the overfit threshold, or the plateau line of a fit), validation accuracy and final loss."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import Context, Section, median, metric, short_env
from harness.report.figures import panels, save_figure
from harness.results.fmt import fmt, number
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec import Case
from harness.spec.sections import CASE, renders


def curve_threshold(records: list[RunRecord], case: str) -> tuple[str, float] | None:
    """The loss line that gives the case's numbers their meaning: for overfit runs the overfit threshold the
    procedure measures against; for fits the plateau line (`plateau_loss`): a fit whose loss stays above it
    for the budget is a plateau (harness.symptoms.classify_losses). A fit's own `overfit_threshold` means
    nothing there: a working fix reaches 0.17, not 0.05, in its budget, and "never" read as failure."""
    chosen = [r for r in records if r.case == case and r.outcome != "skipped"]
    for r in chosen:
        if r.config.get("procedure") == "overfit" and number(r.metrics.get("overfit_threshold")):
            return "overfit threshold", float(r.metrics["overfit_threshold"])
    for r in chosen:
        if r.config.get("procedure") == "fit" and number(r.config.get("plateau_loss")):
            return "plateau line", float(r.config["plateau_loss"])
    return None


def first_step_under(losses: list[Any], threshold: float) -> int | None:
    """1-based step of the first loss under `threshold`, None if none is."""
    return next((i for i, x in enumerate(losses, 1) if number(x) is not None and x < threshold), None)


def curves_figure(records: list[RunRecord], case: str, spec: Case | None = None,
                  titles: dict[str, str] | None = None) -> plt.Figure | None:
    """Small multiples: one panel per environment (three to a row, axes shared), every variant (and every repeat,
    thinner) of `case` on it, each panel titled with its environment's whole identity (`titles`: env key -> the
    report's "E3 · …" title). The legend sits outside the panels, on the right: inside, it hid the fix's curve
    exactly where it crossed the threshold."""
    chosen = [r for r in records if r.case == case and isinstance(r.metrics.get("loss_per_step"), list)
              and r.metrics["loss_per_step"]]
    if not chosen:
        return None
    envs = sorted({env_key(r) for r in chosen}, key=lambda e: list(titles or {}).index(e) if e in (titles or {})
                  else len(titles or {}))
    order = [v.name for v in spec.variants] if spec else []
    variants = sorted({r.variant for r in chosen}, key=lambda v: (order.index(v) if v in order else len(order), v))
    line = curve_threshold(records, case)
    fig, axes = panels(len(envs), width=4.0, height=2.7, legend=2.6)
    for ax, env in zip(axes, envs):
        for i, variant in enumerate(variants):
            runs = [r for r in chosen if env_key(r) == env and r.variant == variant]
            for j, r in enumerate(runs):
                losses = r.metrics["loss_per_step"]
                ax.plot(range(1, len(losses) + 1), losses, color=f"C{i}", lw=1.8 if j == 0 else 0.8,
                        alpha=1.0 if j == 0 else 0.5, label=f"{variant}" if j == 0 else None)
        if line:
            ax.axhline(line[1], color="grey", ls="--", lw=1, label=f"{line[0]} {line[1]:g}")
        if line and line[0] == "overfit threshold":
            ax.set_yscale("log")
        ax.set_title((titles or {}).get(env, short_env(env, lines=2)), fontsize=7.5)
        ax.grid(alpha=0.3)
    for ax in axes[-min(3, len(axes)):]:
        ax.set_xlabel("optimizer step")
    for ax in axes[::3]:
        ax.set_ylabel("training loss")
    handles: dict[str, Any] = {}
    for ax in axes:  # one legend for all environments: the variants are the same in each
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle(f"{case}: loss per step", fontsize=11)
    return fig


def plot_curves(records: list[RunRecord], case: str, out: Path, spec: Case | None = None,
                titles: dict[str, str] | None = None) -> Path | None:
    fig = curves_figure(records, case, spec, titles)
    return save_figure(fig, out / f"curves_{case}.png") if fig is not None else None


def curve_table(records: list[RunRecord], case: str, titles: dict[str, str] | None = None) -> pd.DataFrame:
    """Per variant and environment: what was observed, and the steps (and seconds) to the case's loss line,
    with the line's value in the column name, so "never" says exactly what did not happen."""
    line = curve_threshold(records, case)
    name, value = line if line else ("threshold", None)
    rows = []
    for (c, variant, _, env), group in group_records(records).items():
        if c != case or group[0].outcome == "skipped":
            continue
        never = "never" if all(r.outcome == "completed" for r in group) else "–"
        row = {"variant": variant, "environment": (titles or {}).get(env, short_env(env)),
               "observed": group[0].observed}
        if name == "plateau line":  # fits: when the loss left the plateau, from the trajectory itself
            steps = median([first_step_under(r.metrics.get("loss_per_step") or [], value) for r in group])
            row[f"first step < {value:g}"] = fmt(steps, "{:.0f}", never)
        else:
            label = f"< {value:g}" if value is not None else "to thr."
            row[f"steps {label}"] = fmt(metric(group, "steps_to_threshold"), "{:.0f}", never)
            row[f"s {label}"] = fmt(metric(group, "seconds_to_threshold"), "{:.1f}", never)
        row.update({"min loss": fmt(metric(group, "min_loss"), "{:.3f}"),
                    "final loss": fmt(metric(group, "final_loss"), "{:.3f}"),
                    "val acc.": fmt(metric(group, "val_accuracy"), "{:.3f}"), "repeats": str(len(group))})
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty and frame["environment"].nunique() == 1:  # the plot's title names it
        frame = frame.drop(columns="environment")
    return frame


TEXT = ("Same data, seed and step budget for every variant; thin lines are repeats, panels share their axes. Table "
        "values are medians over repeats. The dashed line is what the numbers are measured against: for overfitting "
        "one batch, the overfit threshold (steps and seconds until the loss is under it); for a fit, the plateau line "
        "(a fit whose loss stays above it is a plateau; 'first step <' is when it left the plateau). 'never' = not "
        "within the budget.")


@renders("curves", CASE)
def case_section(ctx: Context) -> Section | None:
    """The loss curves of a case that asks for them (`sections=("curves",)`), and their table."""
    case = ctx.case_ids()[0] if ctx.records else None
    spec = ctx.cases.get(case) if case else None
    if spec is None:  # only a case that asks for it gets here (harness/report/pages.py)
        return None
    png = plot_curves(ctx.records, case, ctx.out, spec, ctx.env_titles(lines=2))
    table = curve_table(ctx.records, case, ctx.env_titles())
    if png is None and table.empty:
        return None
    picture = [{"kind": "img", "src": png.name, "alt": f"{case} loss curves"}] if png else []
    return "Loss curves", [{"kind": "p", "text": TEXT}, *picture, {"kind": "table", "df": table}]
