"""Optimizers compared as users compare them (`sections=("optimizers",)`, e.g. `"adam"` vs `Adam(5e-5)` vs
`create_optimizer`), across versions and devices in one view: per environment (CPU and GPU of the same versions
next to each other), how soon each leaves the plateau, in steps and seconds, the validation accuracy it ends at,
its step time, and what its first step cost and why (tracing, XLA compilation: on a GPU tf-keras's Adam compiles
its update with XLA once per weight, while create_optimizer's AdamWeightDecay is the legacy Adam without XLA) —
one picture of small multiples (one panel per number) and its table; and the learning rate each step used.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.columns import cannot_run
from harness.report.common import SINGLE_RUN, Context, Section, median, metric, muted, slug, spread
from harness.report.figures import panels, save_figure
from harness.report.sections.curves import curve_threshold, first_step_under
from harness.results.fmt import fmt, number
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec import Case
from harness.spec.sections import CASE, renders

# (column, panel title, format): the numbers of the one view, in the order a user reads them
NUMBERS = (("steps", "steps to leave the plateau", "{:.0f}"), ("seconds", "seconds to leave it", "{:.1f}"),
           ("val acc.", "validation accuracy", "{:.2f}"), ("step s", "step time, median s", "{:.3f}"),
           ("first step s", "first step s (tracing + XLA)", "{:.1f}"))


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


def optimizer_numbers(ctx: Context, spec: Case) -> pd.DataFrame:
    """One row per variant and environment, numbers as numbers (None: not measured, or never reached)."""
    line = curve_threshold(ctx.records, spec.id)
    value = line[1] if line else None
    names = [v.name for v in spec.variants]
    keys = [c.key for c in ctx.columns]
    rows = []
    for (case, variant, _, env), group in group_records(ctx.records).items():
        if case != spec.id or group[0].outcome == "skipped" or all(cannot_run(r) for r in group):
            continue
        steps = [first_step_under(r.metrics.get("loss_per_step") or [], value) if value is not None else None
                 for r in group]
        rows.append({"variant": variant, "env": env, "optimizer": group[0].config.get("optimizer", "–"),
                     "learning rate": _schedule(group), "observed": group[0].observed, "steps": median(steps),
                     "seconds": median([_seconds_until(r, s) for r, s in zip(group, steps)]),
                     "val acc.": metric(group, "val_accuracy"), "step s": metric(group, "step_time_median_s"),
                     "step s spread": spread([r.metrics.get("step_time_median_s") for r in group]),
                     "first step s": metric(group, "time_to_first_step_s"), "tracing s": _first(group, "tracing_s"),
                     "XLA s": _first(group, "xla_compile_s"), "XLA programs": _first(group, "xla_compilations"),
                     "completed": all(r.outcome == "completed" for r in group), "repeats": len(group),
                     "_order": (names.index(variant) if variant in names else 99, keys.index(env))})
    frame = pd.DataFrame(rows)
    return frame.sort_values("_order").drop(columns="_order").reset_index(drop=True) if not frame.empty else frame


def optimizer_table(ctx: Context, spec: Case, numbers: pd.DataFrame) -> pd.DataFrame:
    """The picture's table twin, and more: the optimizer, its learning rate, the first step split."""
    line = curve_threshold(ctx.records, spec.id)
    under = f"first step < {line[1]:g}" if line else "first step under the line"
    titles = ctx.env_titles()
    rows = []
    for _, n in numbers.iterrows():
        never = "never" if n["completed"] else "–"
        rows.append({"variant": n["variant"], "environment": titles.get(n["env"], n["env"]),
                     "optimizer": n["optimizer"], "learning rate": n["learning rate"], "observed": n["observed"],
                     under: fmt(n["steps"], "{:.0f}", never), "seconds to it": fmt(n["seconds"], "{:.1f}", never),
                     "val acc.": fmt(n["val acc."], "{:.2f}"), "step s (median)": n["step s spread"],
                     "first step s": fmt(n["first step s"], "{:.1f}"), "tracing s": fmt(n["tracing s"], "{:.1f}"),
                     "XLA s (programs)": (f"{fmt(n['XLA s'], '{:.1f}')} ({n['XLA programs']:.0f})"
                                          if number(n["XLA programs"]) else "–"), "repeats": str(n["repeats"])})
    return pd.DataFrame(rows)


def one_view(numbers: pd.DataFrame, spec: Case, titles: dict[str, str]) -> plt.Figure | None:
    """One panel per number, three to a row; in each, one row per environment (its whole identity) and one bar
    per optimizer variant, the value written beside it ("never" where it never left the plateau)."""
    if numbers.empty:
        return None
    envs = list(dict.fromkeys(numbers["env"]))
    variants = list(dict.fromkeys(numbers["variant"]))
    # one row of narrow panels sharing the environments' axis: a row of the picture reads as a row of the table
    height = max(1.8, 0.6 + 0.2 * len(envs) * len(variants))
    fig, axes = panels(len(NUMBERS), width=2.5, height=height, ncols=len(NUMBERS), legend=1.8, sharex=False,
                       sharey=True)
    height = 0.8 / len(variants)
    for ax, (column, title, spec_fmt) in zip(axes, NUMBERS):
        for i, variant in enumerate(variants):
            part = numbers[numbers["variant"] == variant].set_index("env")
            for y, env in enumerate(envs):
                value = part[column].get(env) if env in part.index else None
                pos = y - 0.4 + (i + 0.5) * height
                if number(value) is not None:
                    ax.barh(pos, value, height=height * 0.9, color=f"C{i}", label=variant)
                    ax.text(value, pos, " " + spec_fmt.format(value), va="center", fontsize=6.5)
                elif env in part.index:
                    ax.text(0, pos, " never" if column in ("steps", "seconds") and part.loc[env, "completed"]
                            else " –", va="center", fontsize=6.5, color=f"C{i}")
        ax.set_title(title, fontsize=9)
        ax.margins(x=0.25)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(envs)), [titles.get(e, e) for e in envs], fontsize=7)
    axes[0].invert_yaxis()
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    shown = [v for v in variants if v in handles]
    fig.legend([handles[v] for v in shown], shown, loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle(f"{spec.id}: each optimizer per environment", fontsize=11)
    return fig


def schedule_figure(records: list[RunRecord], spec: Case, titles: dict[str, str]) -> plt.Figure | None:
    """The learning rate of every step, one line per variant, one panel per environment (wrapping)."""
    chosen = [r for r in records if r.case == spec.id and r.metrics.get("lr_per_step")]
    if not chosen:
        return None
    envs = [e for e in titles if any(env_key(r) == e for r in chosen)]
    names = [v.name for v in spec.variants]
    fig, axes = panels(len(envs), width=3.6, height=2.4, legend=2.2)
    for ax, env in zip(axes, envs):
        seen: dict[str, Any] = {}
        for r in sorted((r for r in chosen if env_key(r) == env),
                        key=lambda r: names.index(r.variant) if r.variant in names else 99):
            if r.variant not in seen:
                rates = r.metrics["lr_per_step"]
                seen[r.variant] = ax.plot(range(1, len(rates) + 1), rates, label=r.variant, lw=1.6)
        ax.set_yscale("log")
        ax.set_title(titles[env], fontsize=7.5)
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize=8, frameon=False)
    fig.suptitle(f"{spec.id}: learning rate per step", fontsize=11)
    return fig


def _png(fig: plt.Figure | None, path: Path) -> list[dict[str, str]]:
    return [{"kind": "img", "src": save_figure(fig, path).name, "alt": path.stem}] if fig is not None else []


TEXT = ("Same data, seed and step budget for every optimizer, across the environments of these records (CPU and "
        "GPU of the same versions next to each other). 'steps to leave the plateau' is when the loss first went "
        "under the plateau line, 'seconds to leave it' the training time until then; the first step's cost is "
        "split into tracing and XLA compilation (on a GPU tf-keras's Adam compiles its update with XLA, one program "
        "per weight, which create_optimizer's AdamWeightDecay — the legacy Adam — does not).")


@renders("optimizers", CASE)
def case_section(ctx: Context) -> Section | None:
    case = ctx.case_ids()[0] if ctx.records else None
    spec = ctx.cases.get(case) if case else None
    if spec is None:  # only a case that asks for it gets here (harness/report/pages.py)
        return None
    numbers = optimizer_numbers(ctx, spec)
    if numbers.empty:
        return None
    table = optimizer_table(ctx, spec, numbers)
    timing = ("seconds to it", "step s (median)", "first step s", "tracing s", "XLA s (programs)")
    blocks = [{"kind": "p", "text": TEXT}, *_png(one_view(numbers, spec, ctx.env_titles()),
                                                  ctx.out / f"optimizers_{slug(spec.id)}.png"),
              {"kind": "table", "df": table, "css": muted(table, timing)}, {"kind": "p", "text": SINGLE_RUN},
              *_png(schedule_figure(ctx.records, spec, ctx.env_titles(lines=2)), ctx.out / f"lr_{slug(spec.id)}.png")]
    return "Optimizers compared: time to leave the plateau, accuracy, step time, first-step cost", blocks
