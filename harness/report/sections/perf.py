"""Throughput, MFU and peak memory of a case's variants, per environment: a chart (one row of bars per variant,
one bar per environment, whose legend names each environment whole) and its table. Per case, so that no chart grows
with the whole suite × every environment (the memory a process holds against the card: memory_bars.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import SINGLE_RUN, Block, Context, Section, metric, muted, short_env, slug
from harness.report.figures import save_figure
from harness.results.fmt import fmt, number, percent
from harness.results.groups import group_records
from harness.spec.sections import CASE, renders

MEMORY_KEYS = ("rss_peak_mib", "nvml_process_peak_mib", "tf_peak_mib")
NOTE = ("MFU – : no peak-FLOP/s table for this device (CPU, or an unknown GPU), or no steady step. A bar or a number "
        "missing in the chart is marked –: not measured in that environment.")


def perf_table(ctx: Context) -> pd.DataFrame:
    titles, keys = ctx.env_titles(), [c.key for c in ctx.columns]
    rows = []
    for (case, variant, _, env), group in group_records(ctx.records).items():
        values = {k: metric(group, k) for k in ("samples_per_s", "mfu", *MEMORY_KEYS)}
        if all(v is None for v in values.values()):
            continue
        rows.append({"case:variant": f"{case}:{variant}", "environment": titles.get(env, short_env(env)),
                     "samples/s": values["samples_per_s"], "MFU": values["mfu"],
                     **{k.removesuffix("_mib").replace("_", " ") + " MiB": values[k] for k in MEMORY_KEYS},
                     "repeats": len(group), "order": (ctx.order(case, variant), keys.index(env) if env in keys else 0)})
    frame = pd.DataFrame(rows)
    return frame.sort_values("order").drop(columns="order").reset_index(drop=True) if not frame.empty else frame


def perf_figure(table: pd.DataFrame) -> plt.Figure | None:
    """Throughput (a log axis where CPU and GPU rows differ by 100×) and peak memory per case:variant, one bar per
    environment (and memory kind). A row without a value gets an explicit "–" where its bar would be, so an
    empty slot never reads as "not drawn yet"."""
    if table.empty:
        return None
    memory_cols = [c for c in table.columns if c.endswith("MiB") and table[c].notna().any()]
    rows = list(dict.fromkeys(table["case:variant"]))[::-1]  # top to bottom in the chapter's order
    bars = len(set(table["environment"])) * max(1, len(memory_cols))
    fig, axes = plt.subplots(1, 2, figsize=(15, len(rows) * (0.16 * bars + 0.35) + 2.2), sharey=True,
                             layout="constrained")
    speeds = table["samples/s"].dropna()
    spread = bool(len(speeds) and speeds.min() > 0 and speeds.max() / speeds.min() > 20)  # CPU beside GPU: ~100×
    for ax, cols, xlabel, log in ((axes[0], ["samples/s"], "samples/s (steady state, median step" +
                                   ("; log scale)" if spread else ")"), spread),
                                  (axes[1], memory_cols, "peak memory, MiB", False)):
        if not cols or table[cols].isna().all().all():
            ax.text(0.5, 0.5, "– not measured", transform=ax.transAxes, ha="center", color="grey")
            continue
        wide = table.pivot_table(index="case:variant", columns="environment", values=cols, sort=False, dropna=False)
        wide.columns = [f"{env} {col}" if len(cols) > 1 else env for col, env in wide.columns]
        wide = wide.reindex(rows).dropna(axis=1, how="all")  # e.g. NVML memory of the CPU environment
        wide.plot.barh(ax=ax, width=0.8, logx=log, legend=False)
        _mark_missing(ax, wide)
        ax.margins(x=0.06)  # room for the value labels of the longest bars
        ax.set_xlabel(xlabel)
        ax.set_ylabel("")
        ax.grid(axis="x", alpha=0.3)
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    if handles:  # under the charts (environment names are long, every part stays), top to bottom as the bars
        fig.legend(list(handles.values())[::-1], list(handles)[::-1], loc="outside lower center", fontsize=7,
                   frameon=False, ncols=1 if len(handles) > 6 else 2)
    return fig


def _mark_missing(ax: plt.Axes, wide: pd.DataFrame) -> None:
    empty_rows = {y for y, (_, row) in enumerate(wide.iterrows()) if row.isna().all()}
    for bars, column in zip(ax.containers, wide.columns):
        ax.bar_label(bars, labels=[bar_label(v) for v in wide[column]], fontsize=7, padding=2)
        if len(wide.columns) <= 2:  # a "–" in the empty slot, in its colour: which environment lacks it
            for y, (bar, value) in enumerate(zip(bars, wide[column])):
                if value != value and y not in empty_rows:
                    _dash(ax, bar.get_y() + bar.get_height() / 2, "–", bar.get_facecolor())
    for y in empty_rows:  # one mark for a row with no bar at all
        _dash(ax, y, "– not measured", "dimgrey")


def _dash(ax: plt.Axes, y: float, text: str, colour: Any) -> None:
    ax.annotate(text, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=8 if len(text) > 1 else 13, fontweight="bold", color=colour)


def bar_label(value: Any) -> str:
    """'' for a missing value (the "–" marks it), whole numbers from 10 up, one decimal below."""
    if number(value) is None or value != value:
        return ""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}"


def plot_perf(table: pd.DataFrame, out: Path, name: str = "throughput_memory") -> Path | None:
    fig = perf_figure(table)
    return save_figure(fig, out / f"{name}.png") if fig is not None else None


def shown_table(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.copy()
    for col in shown.columns:
        if col.endswith("MiB") or col == "samples/s":
            shown[col] = shown[col].map(lambda v: fmt(v, "{:,.0f}"))
    shown["MFU"] = shown["MFU"].map(percent)
    return shown.astype(str)


@renders("perf", CASE)
def case_section(ctx: Context) -> Section | None:
    case = ctx.case_ids()[0] if ctx.records else ""
    table = perf_table(ctx)
    blocks: list[Block] = []
    if not table.empty:
        png = plot_perf(table, ctx.out, f"throughput_memory-{slug(case)}")
        blocks += ([{"kind": "img", "src": png.name, "alt": f"{case}: throughput and peak memory"}] if png else [])
        shown = shown_table(table)
        blocks += [{"kind": "table", "df": shown, "css": muted(shown, ("samples/s", "MFU"))},
                   {"kind": "p", "text": f"{NOTE} {SINGLE_RUN}"}]
    return ("Throughput, MFU and peak memory", blocks) if blocks else None
