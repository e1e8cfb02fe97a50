"""A case read as a sequence (`sections=("strip",)`, e.g. the chapter's script with its fixes applied one after
another): step → what you see today → what the chapter says, per environment."""
from __future__ import annotations

import pandas as pd

from harness.report.common import Block, Context, Section
from harness.results.errors import error_line
from harness.results.fmt import fmt, number
from harness.results.groups import env_key, group_records
from harness.results.records import RunRecord
from harness.spec.sections import CASE, renders


def seen_today(record: RunRecord) -> str:
    """What a reader sees at this step: the symptom, then the error's informative line or the loss numbers."""
    if record.outcome == "skipped":
        return f"– not applicable on {record.device}" + (f": {record.notes[0]}" if record.notes else "")
    m = record.metrics
    if record.error:
        detail = error_line(record)
    else:
        numbers = [f"{label} {fmt(m.get(key), spec)}" for key, label, spec in (
            ("final_loss", "final loss", "{:.3f}"), ("val_accuracy", "val accuracy", "{:.2f}"),
            ("initial_loss", "initial loss", "{:.3f}")) if number(m.get(key)) is not None]
        detail = ", ".join(numbers[:2])
    return f"{record.observed}: {detail}" if detail else record.observed


def strip_tables(ctx: Context, case: str) -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """Per environment: one row per step (variant) of the case's script, in the spec's order (the order of the
    records where a variant is not known here), with css classes for the agree column."""
    chosen = [r for r in ctx.records if r.case == case]
    first_seen = {r.variant: i for i, r in reversed(list(enumerate(chosen)))}
    tables = []
    found = {env_key(r) for r in chosen}
    for env in [c.key for c in ctx.columns if c.key in found]:
        groups = {k[1]: g for k, g in group_records(r for r in chosen if env_key(r) == env).items()}
        order = sorted(groups, key=lambda v: (ctx.order(case, v)[:2], first_seen[v]))
        rows, css = [], []
        for n, variant in enumerate(order, 1):
            group = groups[variant]
            first = group[0]
            seen = sorted({seen_today(r) for r in group})
            agree = "–" if first.outcome == "skipped" else "✓" if all(r.agrees for r in group) else \
                "~" if any(r.agrees for r in group) else "✗"
            rows.append({"step": f"{n}. {variant}: {first.says}" if first.says else f"{n}. {variant}",
                         "what you see today": " / ".join(seen) + (f" (×{len(group)})" if len(group) > 1 else ""),
                         "what the chapter says": first.claim, "agree": agree})
            css.append({"step": "", "what you see today": "", "what the chapter says": "",
                        "agree": {"✓": "ok", "✗": "bad", "~": "warn"}.get(agree, "na")})
        tables.append((env, pd.DataFrame(rows), pd.DataFrame(css)))
    return tables


def across_versions(ctx: Context, case: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """One row per step, one column per environment (library versions): the sequence of what a reader sees on
    each version, on one page — what someone on an old pin wants. None with a single environment."""
    from harness.results.groups import behaviour

    chosen = [r for r in ctx.records if r.case == case and r.outcome != "skipped"]
    found = {env_key(r) for r in chosen}
    envs = [c.key for c in ctx.columns if c.key in found]
    titles = ctx.env_titles()
    if len(envs) < 2:
        return None
    variants = sorted({r.variant for r in chosen}, key=lambda v: ctx.order(case, v)[:2])
    groups = group_records(chosen)
    cells, css = {}, {}
    for n, variant in enumerate(variants, 1):
        row, classes = {}, {}
        for env in envs:
            group = next((g for (c, v, _, e), g in groups.items() if v == variant and e == env), None)
            row[titles[env]] = behaviour(group[0]) if group else ""
            classes[titles[env]] = ("" if not group else "ok" if all(r.agrees for r in group) else "bad")
        cells[f"{n}. {variant}"], css[f"{n}. {variant}"] = row, classes
    return (pd.DataFrame.from_dict(cells, orient="index"), pd.DataFrame.from_dict(css, orient="index"))


@renders("strip", CASE)
def case_section(ctx: Context) -> Section | None:
    case = ctx.case_ids()[0] if ctx.records else None
    spec = ctx.cases.get(case) if case else None
    if spec is None:  # only a case that asks for it gets here (harness/report/pages.py)
        return None
    titles = ctx.env_titles()
    blocks: list[Block] = [{"kind": "p", "text": (
        "A script run from the top, as a reader does, with the fixes applied one after another: each row is one "
        "state of the script, what it does today, and what the chapter says the reader sees there.")}]
    across = across_versions(ctx, spec.id)
    if across:
        frame, css = across
        blocks += [{"kind": "p", "text": "Step by step, per library version (green: what the chapter says; red: "
                                         "not); each environment's details follow."},
                   {"kind": "table", "df": frame, "css": css, "index": "step"}]
    for env, frame, css in strip_tables(ctx, spec.id):
        blocks += [{"kind": "h3", "text": titles.get(env, env)}, {"kind": "table", "df": frame, "css": css}]
    return "Reading the chapter as a reader", blocks
