"""Optimizers compared as users compare them (`sections=("optimizers",)`, e.g. `"adam"` vs `Adam(5e-5)` vs
`create_optimizer`): per environment and device, how soon each leaves the plateau, in steps and seconds, the
validation accuracy it ends at, its step time, what its first step cost and why (tracing, XLA compilation: on a
GPU tf-keras's Adam compiles its update with XLA once per weight, while create_optimizer's AdamWeightDecay is the
legacy Adam without XLA), and the learning rate each step used: create_optimizer's schedule against a constant.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import Block, Context, Section, median, metric, short_env
from harness.report.sections.curves import curve_threshold, first_step_under
from harness.results.fmt import fmt, number
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec import Case


def _first(group: list[RunRecord], key: str) -> float | None:
    return median([(r.metrics.get("first_step") or {}).get(key) for r in group])


def _schedule(group: list[RunRecord]) -> str:
    rates = next((r.metrics.get("lr_per_step") for r in group if r.metrics.get("lr_per_step")), None)
    if not rates or rates[0] is None:
        return "–"
    first, last = rates[0], rates[-1]
    return f"constant {first:.2g}" if abs(last - first) <= 1e-12 else f"{first:.2g} → {last:.2g}"


def _seconds_until(record: RunRecord, step: int | None) -> float | None:
    seconds = record.metrics.get("step_seconds") or []
    return sum(seconds[:step]) if step and len(seconds) >= step else None


def optimizer_table(records: list[RunRecord], spec: Case) -> pd.DataFrame:
    line = curve_threshold(records, spec.id)
    value = line[1] if line else None
    names = [v.name for v in spec.variants]
    rows = []
    for (case, variant, _, env), group in group_records(records).items():
        if case != spec.id or group[0].outcome == "skipped":
            continue
        steps = [first_step_under(r.metrics.get("loss_per_step") or [], value) if value is not None else None
                 for r in group]
        compilations = _first(group, "xla_compilations")
        rows.append({
            "variant": variant, "environment": short_env(env), "optimizer": group[0].config.get("optimizer", "–"),
            "learning rate": _schedule(group), "observed": group[0].observed,
            f"first step < {value:g}" if value is not None else "first step under the line":
                fmt(median(steps), "{:.0f}", "never"),
            "seconds to it": fmt(median([_seconds_until(r, s) for r, s in zip(group, steps)]), "{:.1f}", "never"),
            "val acc.": fmt(metric(group, "val_accuracy"), "{:.2f}"),
            "step s (median)": fmt(metric(group, "step_time_median_s"), "{:.3f}"),
            "first step s": fmt(metric(group, "time_to_first_step_s"), "{:.1f}"),
            "tracing s": fmt(_first(group, "tracing_s"), "{:.1f}"),
            "XLA s (programs)": (f"{fmt(_first(group, 'xla_compile_s'), '{:.1f}')} ({compilations:.0f})"
                                 if number(compilations) else "–"),
            "repeats": str(len(group)), "_order": (names.index(variant) if variant in names else 99, env)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values("_order").drop(columns="_order")
    return frame.drop(columns="environment") if frame["environment"].nunique() == 1 else frame


def schedule_figure(records: list[RunRecord], spec: Case) -> plt.Figure | None:
    """The learning rate of every step, one line per variant, one axes per environment."""
    chosen = [r for r in records if r.case == spec.id and r.metrics.get("lr_per_step")]
    if not chosen:
        return None
    envs = sorted({env_key(r) for r in chosen})
    names = [v.name for v in spec.variants]
    fig, axes = plt.subplots(1, len(envs), figsize=(4.6 * len(envs) + 2.6, 3.0), squeeze=False, sharey=True,
                             layout="constrained")
    for ax, env in zip(axes[0], envs):
        seen: dict[str, Any] = {}
        for r in sorted((r for r in chosen if env_key(r) == env), key=lambda r: names.index(r.variant)
                        if r.variant in names else 99):
            if r.variant not in seen:
                rates = r.metrics["lr_per_step"]
                seen[r.variant] = ax.plot(range(1, len(rates) + 1), rates, label=r.variant, lw=1.6)
        ax.set_yscale("log")
        ax.set_title(short_env(env), fontsize=9)
        ax.set_xlabel("optimizer step")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("learning rate")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle(f"{spec.id}: learning rate per step", fontsize=11)
    return fig


def _plot(fig: plt.Figure | None, path: Path) -> Path | None:
    if fig is None:
        return None
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def build(ctx: Context) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": (
        "Same data, seed and step budget for every optimizer. 'first step <' is when the loss first left the "
        "plateau line, 'seconds to it' the training time until then; the first step's cost is split into tracing "
        "and XLA compilation (on a GPU tf-keras's Adam compiles its update with XLA, one program per weight, "
        "which create_optimizer's AdamWeightDecay — the legacy Adam — does not), the rest being its execution. "
        "The loss curves are in the section above.")}]
    for spec in ctx.feeding("optimizers"):
        blocks.append({"kind": "h3", "text": f"{spec.id}: {spec.title}"})
        table = optimizer_table(ctx.records, spec)
        if table.empty:
            blocks.append({"kind": "p", "text": f"No records of {spec.id} in these results."})
            continue
        png = _plot(schedule_figure(ctx.records, spec), ctx.out / f"lr_{spec.id}.png")
        blocks.append({"kind": "table", "df": table})
        if png:
            blocks.append({"kind": "img", "src": png.name, "alt": f"{spec.id} learning rate per step"})
    return "Optimizers compared: learning rate, time to leave the plateau, first-step cost", blocks
