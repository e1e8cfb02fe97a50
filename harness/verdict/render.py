"""A Verdict as text: what `fitbench compare` prints and the nightly keeps as compare.txt.

What fails the night comes first (a variant that breaks, a variant not run, a confirmed slowdown), each with its
reason once; then what healed or changed, suspects that were never a verdict, and the one line that says what
the exit code means.
"""
from __future__ import annotations

import math

from harness.results.fmt import value_text
from harness.verdict.findings import (BEHAVIOUR, BREAKS, CHANGES, CONFIRMED, COVERAGE, HEALS, NOT_CONFIRMED,
                                      NOT_RUN, SUSPECT, UNDECIDED, Finding, Verdict)
from harness.verdict.noise import BUSY

MAX_SUSPECTS = 12   # the rest are in --json


def _where(f: Finding) -> str:
    head = f.variants[0] if len(f.variants) == 1 else f"{len(f.variants)} variants"
    return f"{head} [{f.device}]"


def _variants(f: Finding) -> list[str]:
    if len(f.variants) <= 1:
        return []
    shown = ", ".join(f.variants[:12]) + (f", … {len(f.variants) - 12} more" if len(f.variants) > 12 else "")
    return [f"      variants: {shown}"]


def behaviour_lines(f: Finding) -> list[str]:
    label = {BREAKS: "BREAKS", HEALS: "heals", CHANGES: "changes"}.get(f.direction, f.direction)
    what = f.what if len(f.variants) == 1 else f"{value_text(f.baseline)} → {value_text(f.current)}"
    lines = [f"  {label:<8}{_where(f)}  {what}" + (f"  ({f.boundary})" if f.boundary else "")]
    lines += _variants(f)
    if f.chapter:
        lines.append(f"      {f.chapter}")
    if f.reason:
        lines.append(f"      why: {f.reason}")
    if f.fixes:
        lines.append("      fixes that still work: " + "; ".join(f.fixes[:4]))
    return lines


def coverage_lines(f: Finding) -> list[str]:
    label = "NOT RUN" if f.direction == NOT_RUN else f.direction
    return [f"  {label:<8}[{f.device}] {len(f.variants)} variant{'s' * (len(f.variants) != 1)}: "
            f"{', '.join(f.variants[:12])}{' …' if len(f.variants) > 12 else ''}", f"      {f.reason}"]


def performance_line(f: Finding) -> str:
    label = {CONFIRMED: "CONFIRMED" if f.regression else "confirmed", NOT_CONFIRMED: "not confirmed",
             SUSPECT: "suspect", UNDECIDED: "UNDECIDED"}.get(f.status, f.status)
    return (f"  {label:<14}{f.direction:<12}{_where(f)}  {f.what}: {value_text(f.baseline)} → "
            f"{value_text(f.current)}  ({f.reason})")


def _capped(findings: list[Finding]) -> list[str]:
    """The first MAX_SUSPECTS findings' lines, and how many more --json lists (re-measured ones come first)."""
    ordered = sorted(findings, key=lambda f: "not re-measured" in f.reason)
    shown = [performance_line(f) for f in ordered[:MAX_SUSPECTS]]
    if len(findings) > MAX_SUSPECTS:
        shown.append(f"  … {len(findings) - MAX_SUSPECTS} more (--json lists them)")
    return shown


def _section(title: str, lines: list[str]) -> list[str]:
    return [title, *lines] if lines else []


def render(verdict: Verdict) -> str:
    lines: list[str] = []
    if verdict.files:
        lines.append(f"baseline: {verdict.files['baseline']}\ncurrent:  {verdict.files['current']}")
    lines += [f"environment: {b} → {c}" for b, c in verdict.environments]
    breaks = [f for f in verdict.behaviour if f.direction == BREAKS]
    others = [f for f in verdict.behaviour if f.direction != BREAKS]
    lines += _section(f"BEHAVIOUR REGRESSIONS ({len(breaks)}): code written this way worked and now fails",
                      [x for f in breaks for x in behaviour_lines(f)])
    lost = [f for f in verdict.coverage if f.direction == NOT_RUN]
    lines += _section(f"COVERAGE LOST ({sum(len(f.variants) for f in lost)} variants)",
                      [x for f in lost for x in coverage_lines(f)])
    decided = [f for f in verdict.performance if f.status in (CONFIRMED, NOT_CONFIRMED)]
    confirmed = [f for f in decided if f.regression]
    lines += _section(f"PERFORMANCE REGRESSIONS, confirmed ({len(confirmed)})",
                      [performance_line(f) for f in confirmed])
    undecided = verdict.undecided()
    lines += _section(f"PERFORMANCE UNDECIDED ({len(undecided)}): re-measuring ended before the test could decide, "
                      f"or did not reach them", _capped(undecided))
    lines += _section(f"behaviour, other changes ({len(others)})", [x for f in others for x in behaviour_lines(f)])
    lines += _section("coverage, other", [x for f in verdict.coverage if f.direction != NOT_RUN
                                          for x in coverage_lines(f)])
    lines += _section(f"performance, re-measured ({len(decided) - len(confirmed)})",
                      [performance_line(f) for f in decided if not f.regression])
    suspects = verdict.suspects()
    lines += _section(f"performance suspects, not re-measured ({len(suspects)}): never a verdict by themselves; "
                      f"`--confirm` re-measures them", _capped(suspects))
    lines += _footer(verdict)
    return "\n".join(lines)


def _footer(verdict: Verdict) -> list[str]:
    lines = []
    if verdict.hardware:
        lines.append(verdict.hardware)
    if verdict.code:
        lines.append(code_note(verdict.code))
    lines += verdict.notes
    noise = verdict.noise
    lines.append(f"noise: {noise.get('compared', 0)} number comparisons; a suspect passes max("
                 f"{noise.get('timing_factor', 0.1):.0%} timings / {noise.get('factor', 0.05):.0%} others, "
                 f"{noise.get('k', 3):g} × MAD/median); a suspect counts only when re-measured in paired rounds: "
                 f"one-sided paired t past Holm's correction (α 0.01 a night) and the ratio past half the target")
    if noise.get("beside_others"):
        lines.append(f"  {noise['beside_others']} timing comparisons left out: those runs shared the machine (--jobs)")
    moved = {m: math.expm1(x) for m, x in (noise.get("moved") or {}).items() if abs(math.expm1(x)) >= 0.05}
    if moved:  # another machine of the same kind, or a change every variant feels: a slowdown is judged against it
        lines.append("  every variant moved: " + ", ".join(f"{m} {x:+.1%}" for m, x in sorted(moved.items()))
                     + " (the median over the variants); a slowdown is also suspected against that move")
    c = verdict.confirmation
    if c:
        lines.append(f"confirmation: {c.get('rounds', 0)} rounds, {c.get('seconds', 0):.0f} s, "
                     f"{c.get('variants', 0)} variants re-measured; records in {c.get('folder', '?')}"
                     + (f"; {c['stopped']}" if c.get("stopped") else ""))
        lines += [f"  group ({g['variants']} variants, {g['metric']}): {g['status'] or 'pending'}: {g['reason']}"
                  for g in c.get("groups") or []]
        busy = busy_line(c.get("others_cpu") or {})
        if busy:
            lines.append(busy)
        visible = sorted((c.get("smallest_visible") or {}).values())
        if visible:
            lines.append(f"  the smallest slowdown these rounds could have confirmed: {visible[0]:.0%} (best test), "
                         f"{visible[len(visible) // 2]:.0%} (median test); target {c.get('target', 0.1):.0%}")
    lines.append(f"verdict: {verdict.summary()}")
    return lines


def busy_line(others: dict[str, list[float | None]]) -> str:
    """What the rest of the machine did during the rounds (each side's others' CPU share): beside a busy neighbour
    the rounds' spread is the neighbour's, and the way to a verdict is a machine nothing else uses."""
    shares = sorted(x for pair in others.values() for x in pair if x is not None)
    if not shares:
        return ""
    busy = sum(1 for pair in others.values() if any(x is not None and x > BUSY for x in pair))
    median = shares[len(shares) // 2]
    if not busy:
        return f"  the machine was quiet during the rounds: other processes used {median:.0%} of its CPUs (median)"
    return (f"  the machine was BUSY in {busy} of {len(others)} rounds: other processes used {median:.0%} of its CPUs "
            f"(median; up to {shares[-1]:.0%}): the rounds' spread, and so what they could see, is the machine's — "
            f"confirm on a machine nothing else uses")


def code_note(code: dict[str, list[str]]) -> str:
    return (f"fitbench itself differs: baseline made by {', '.join(code['baseline'])}; current by "
            f"{', '.join(code['current'])}. A timing or memory change may be fitbench's own, not the libraries' "
            f"(run the baseline's environment again with this fitbench to tell).")


def kinds_line(verdict: Verdict) -> str:
    """One line per kind, for the morning report's first screen."""
    b = {d: sum(1 for f in verdict.behaviour if f.direction == d) for d in (BREAKS, CHANGES, HEALS)}
    lost = sum(len(f.variants) for f in verdict.coverage if f.direction == NOT_RUN)
    perf = {s: sum(1 for f in verdict.performance if f.status == s)
            for s in (CONFIRMED, NOT_CONFIRMED, UNDECIDED, SUSPECT)}
    return (f"{BEHAVIOUR}: {b[BREAKS]} breaks, {b[CHANGES]} changes, {b[HEALS]} heals · {COVERAGE}: {lost} not run · "
            f"performance: {perf[CONFIRMED]} confirmed, {perf[NOT_CONFIRMED]} not confirmed, {perf[UNDECIDED]} "
            f"undecided, {perf[SUSPECT]} suspects")
