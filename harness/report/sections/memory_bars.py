"""GPU memory held, for the cases that ask for it (`sections=("memory_bars",)`): the memory each variant's process
holds after trivial work (the default allocator against memory growth), per environment, against the card's total,
on a log axis, and its table. GPU records only: a case run on CPU alone shows nothing here."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from harness.report.common import Context, Section, median, metric, short_env, slug
from harness.report.figures import save_figure
from harness.report.sections.perf import bar_label
from harness.results.fmt import fmt
from harness.results.groups import group_records
from harness.results.records import RunRecord
from harness.spec import Case
from harness.spec.sections import CASE, renders


@renders("memory_bars", CASE)
def case_section(ctx: Context) -> Section | None:
    case = ctx.case_ids()[0] if ctx.records else None
    spec = ctx.cases.get(case) if case else None
    if spec is None:  # only a case that asks for it gets here (harness/report/pages.py)
        return None
    png = plot_memory_held(ctx.records, spec, ctx.out, ctx.env_titles())
    if png is None:
        return None
    return (f"GPU memory held: {spec.id} ({spec.title})",
            [{"kind": "img", "src": png.name, "alt": f"{spec.id}: memory held"},
             {"kind": "table", "df": memory_table(ctx.records, spec, ctx.env_titles())}])


def _held(records: list[RunRecord], spec: Case, titles: dict[str, str]) -> pd.DataFrame:
    groups = {k: g for k, g in group_records(records).items() if k[0] == spec.id
              and metric(g, "process_mib") is not None}
    order = list(titles)
    return pd.DataFrame([{"environment": titles.get(k[3], short_env(k[3])), "variant": k[1],
                          "MiB": metric(g, "process_mib"), "card MiB": metric(g, "device_total_mib")}
                         for k, g in sorted(groups.items(), key=lambda kv: order.index(kv[0][3])
                                            if kv[0][3] in order else len(order))])


def memory_table(records: list[RunRecord], spec: Case, titles: dict[str, str]) -> pd.DataFrame:
    """The memory-held chart's twin: MiB per variant and environment, and the card's total."""
    frame = _held(records, spec, titles)
    wide = frame.pivot_table(index="environment", columns="variant", values="MiB", sort=False)
    wide = wide.map(lambda v: fmt(v, "{:,.0f}"))
    wide["card MiB"] = [fmt(median(list(frame[frame["environment"] == e]["card MiB"])), "{:,.0f}") for e in wide.index]
    return wide.reset_index()


def plot_memory_held(records: list[RunRecord], spec: Case, out: Path,
                     titles: dict[str, str] | None = None) -> Path | None:
    """GPU only: the memory each variant's process holds after trivial work (e.g. the default allocator vs memory
    growth), per environment, against the card's total."""
    frame = _held(records, spec, titles or {})
    if frame.empty:
        return None
    wide = frame.pivot_table(index="environment", columns="variant", values="MiB", sort=False)
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(wide) + 1.6), layout="constrained")
    roles = {v.name: v.role for v in spec.variants}  # the bug in red, its fixes in green
    wide.plot.barh(ax=ax, color={v: "C3" if roles.get(v) == "broken" else "C2" for v in wide.columns}, logx=True)
    ax.invert_yaxis()  # the first environment on top, as in the table
    for bars in ax.containers:  # log axis: 590 MiB next to 141,418 MiB is a bar too, and the labels say how much
        ax.bar_label(bars, labels=[bar_label(v) for v in bars.datavalues], fontsize=7, padding=2)
    totals = [median(list(frame[frame["environment"] == e]["card MiB"])) for e in wide.index]
    for y, total in enumerate(totals):  # each environment's own card: an H100 and an H200 are not one line
        if total:
            ax.plot([total, total], [y - 0.45, y + 0.45], color="grey", ls="--",
                    label="the card's total" if y == next(i for i, t in enumerate(totals) if t) else None)
    total = max((t for t in totals if t), default=None)
    ax.set_xlabel("GPU memory held by the process after trivial work, MiB (NVML; log scale)")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=7)
    # a decade below the smallest bar, so that the small one is a bar too, not a sliver at the axis
    ax.set_xlim(left=10 ** (math.floor(math.log10(max(wide.min().min(), 1))) - 1),
                right=(total or wide.max().max()) * 2)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return save_figure(fig, out / f"memory_{slug(spec.id)}.png")
