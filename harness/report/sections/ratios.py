"""Cases that measure one thing several ways (`sections=("ratios",)`, e.g. precision and compilation modes): each
variant's throughput as a ratio of the case's `baseline` variant, within one results file and environment."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.report.common import Block, Context, Section, metric
from harness.results.fmt import fmt, percent
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec import Case
from harness.spec.sections import CASE, renders


def limited_by(group: list[RunRecord]) -> str:
    """What keeps a variant from going faster, as far as its numbers tell: a card that idles between kernels is
    waiting for the host (per-step Python, kernel launches, casts: more steps per call or a larger batch help); a
    busy card at a low MFU runs kernels too small or not on tensor cores; a busy card at a high MFU is the limit."""
    busy, util = metric(group, "gpu_busy_pct"), metric(group, "mfu")
    if busy is None:
        return "–"
    if busy < 60:
        return f"the host: the GPU idles {100 - busy:.0f}% of the time between kernels"
    if util is not None and util < 0.25:
        return f"kernel size or dtype: the GPU is busy but at {util * 100:.2g}% of its peak"
    return "the GPU itself"


def ratio_tables(by_file: dict[Path, list[RunRecord]], spec: Case) -> list[tuple[tuple[str, str], pd.DataFrame]]:
    """One table per ((environment, results file name)) with records of `spec`: each variant's samples/s and MFU, and
    its samples/s as a ratio to the baseline variant's record of the same file and environment (a ratio across
    runs or machines would mix in their noise and their cards)."""
    names = [v.name for v in spec.variants]
    tables = []
    for path, records in by_file.items():
        chosen = [r for r in records if r.case == spec.id and r.outcome != "skipped"]
        for env in sorted({env_key(r) for r in chosen}):
            groups = {k[1]: g for k, g in group_records(r for r in chosen if env_key(r) == env).items()}
            base = metric(groups.get(spec.baseline, []), "samples_per_s")
            order = sorted(groups, key=lambda v: (names.index(v) if v in names else len(names), v))
            rows = []
            for variant in order:
                group = groups[variant]
                speed = metric(group, "samples_per_s")
                rows.append({"variant": variant, "observed": group[0].observed,
                             "samples/s": fmt(speed, "{:,.0f}"),
                             f"× {spec.baseline}": fmt(speed / base if speed is not None and base else None,
                                                        "×{:.2f}"),
                             "MFU": percent(metric(group, "mfu")),
                             "GPU busy": fmt(metric(group, "gpu_busy_pct"), "{:.0f}%"),
                             "compile + warm-up s": fmt(metric(group, "compile_and_warmup_s"), "{:.1f}"),
                             "final loss": fmt(metric(group, "final_loss"), "{:.3f}"),
                             "limited by": limited_by(group), "repeats": str(len(group))})
            tables.append(((env, path.name), pd.DataFrame(rows)))
    return tables


@renders("ratios", CASE)
def case_section(ctx: Context) -> Section | None:
    case = ctx.case_ids()[0] if ctx.records else None
    spec = ctx.cases.get(case) if case else None
    if spec is None:  # only a case that asks for it gets here (harness/report/pages.py)
        return None
    tables = ratio_tables(ctx.by_file, spec)
    if not tables:
        return None
    titles = ctx.env_titles()
    blocks: list[Block] = [{"kind": "p", "text": (
        f"Each variant is its own process; '× {spec.baseline}' is its samples/s over {spec.baseline}'s in the same "
        f"results file and environment ('–' where {spec.baseline} did not run there). Compile and warm-up time is "
        f"reported apart from the steady state.")}]
    for (env, name), frame in tables:
        blocks += [{"kind": "h3", "text": f"{titles.get(env, env)} — {name}"}, {"kind": "table", "df": frame}]
    return "Ratios to a baseline", blocks
