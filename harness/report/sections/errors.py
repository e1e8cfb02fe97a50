"""Errors said once: every error of the records grouped by its root cause (harness.results.errors.root_cause: the
informative line, without what differs from run to run), with the symptoms it was read as, the variants and the
environments it covers. Most common first."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from harness.report.columns import label_runs
from harness.report.common import Context, Section
from harness.results.errors import root_cause
from harness.results.groups import env_key
from harness.spec.sections import CASE, FRONT, renders


def variants_text(variants: list[tuple[str, str]], of_case: dict[str, int]) -> str:
    """'case_a (all 4); case_b: fix_a, fix_b' — a case whose every variant is there by name once;
    beyond six cases, a count."""
    by_case: dict[str, list[str]] = defaultdict(list)
    for case, variant in dict.fromkeys(variants):
        by_case[case].append(variant)
    if len(by_case) > 6:  # an environment-wide cause: a count says it, the case pages list them
        return f"{sum(map(len, by_case.values()))} variants of {len(by_case)} cases"
    return "; ".join(f"{case} (all {len(names)})" if len(names) > 1 and of_case.get(case) == len(names)
                     else f"{case}: {', '.join(names)}" for case, names in by_case.items())


def error_table(ctx: Context) -> pd.DataFrame:
    labels = {c.key: c.label for c in ctx.columns}
    found: dict[str, dict] = {}
    for r in sorted((r for r in ctx.records if r.error), key=lambda r: ctx.order(r.case, r.variant)):
        entry = found.setdefault(root_cause(r.error), {"symptoms": {}, "variants": [], "envs": set(), "n": 0})
        entry["symptoms"][r.observed] = None
        entry["variants"].append((r.case, r.variant))
        entry["envs"].add(labels[env_key(r)])
        entry["n"] += 1
    of_case = defaultdict(int)
    for case, variant in {(r.case, r.variant) for r in ctx.records}:
        of_case[case] += 1
    rows = [{"error (its informative line)": cause, "read as": ", ".join(e["symptoms"]),
             "variants": variants_text(e["variants"], of_case),
             "environments": label_runs(sorted(e["envs"])) if len(e["envs"]) < len(labels) else
             f"all {len(labels)}", "records": str(e["n"])}
            for cause, e in sorted(found.items(), key=lambda kv: -kv[1]["n"])]
    return pd.DataFrame(rows)


@renders("errors", FRONT)
def build(ctx: Context) -> Section | None:
    frame = error_table(ctx)
    if frame.empty:
        return None
    text = ("Each root cause once: the line of the message that explains it (for TF graph errors the line under "
            "'Graph execution error:'), with object addresses and batch values left out so that the same cause "
            "reads the same everywhere. Environments by their E-number (At a glance).")
    return "Errors by root cause", [{"kind": "p", "text": text}, {"kind": "table", "df": frame}]


@renders("errors", CASE)
def case_section(ctx: Context) -> Section | None:
    section = build(ctx)
    return ("Errors", section[1]) if section else None
