"""Coverage: what the baseline ran and the current run did not, and the reverse.

A variant the baseline has, that the current run lacks while its case still defines it, is a regression
("not run"): a suite that silently stops running a variant stops telling anyone about it. One that no case
defines any more is "retired"; one only the current run has is "new". Neither of those fails anything.
"""
from __future__ import annotations

from typing import Callable

from harness.results.groups import Key, majority
from harness.results.records import RunRecord
from harness.verdict.findings import COVERAGE, NEW, NOT_RUN, RETIRED, Finding

Defined = Callable[[str, str], bool]   # (case, variant) -> whether this fitbench's cases still define it


def coverage_findings(base: dict[Key, list[RunRecord]], cur: dict[Key, list[RunRecord]],
                      defined: Defined | None = None) -> list[Finding]:
    """One finding per (direction, device, environment) with every variant it covers, `not run` first. Coverage
    is about (case, variant, device): a variant the current run has in another environment is covered (that is
    how an upgrade looks), one it has in no environment is not."""
    cur_triples, base_triples = {k[:3] for k in cur}, {k[:3] for k in base}
    groups: dict[tuple[str, str, str], dict[str, str]] = {}
    for side, keys, other in (("base", base, cur_triples), ("cur", cur, base_triples)):
        for (case, variant, device, env), records in keys.items():
            if (case, variant, device) in other:
                continue
            if side == "cur":
                direction = NEW
            else:
                direction = NOT_RUN if defined is None or defined(case, variant) else RETIRED
            groups.setdefault((direction, device, env), {})[f"{case}:{variant}"] = \
                majority([r.observed for r in records])
    order = {NOT_RUN: 0, RETIRED: 1, NEW: 2}
    out = []
    for (direction, device, env), was in sorted(groups.items(), key=lambda kv: order[kv[0][0]]):
        new = direction == NEW
        out.append(Finding(COVERAGE, direction, direction, list(was), device,
                           baseline_env="" if new else env, current_env=env if new else "",
                           baseline=None if new else was, current=was if new else None, reason=_WHY[direction]))
    return out


_WHY = {NOT_RUN: "the baseline ran these and the current run did not, while the cases still define them",
        RETIRED: "no case of this fitbench defines these any more",
        NEW: "only the current run has these"}
