"""The report's first section on a night: what is new since last night, and what it means for users' code.

What breaks leads — each finding once, with the release where it changed (bisected), the error's informative line,
the release notes and the fixes that still work — then coverage lost, confirmed performance regressions, what
healed or changed, and a line on the suspects. Built from a night's result (harness/releases/night.py) and handed
to the report as its preamble, so the report's own sections stay about records.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from harness.releases.night import NightResult
from harness.report.common import Block, Section
from harness.results.fmt import value_text
from harness.verdict.findings import BREAKS, CONFIRMED, NOT_CONFIRMED, NOT_RUN, Finding, Verdict
from harness.verdict.render import code_note, kinds_line


def news_section(result: NightResult) -> Section:
    blocks: list[Block] = [{"kind": "p", "text": _releases_line(result)}]
    for package, why in result.releases.why.items():
        blocks.append({"kind": "p", "text": f"{package}: {why}."})
    if result.install_error:
        blocks.append({"kind": "p", "text": f"This environment does not install; every variant is recorded "
                                            f"`unsupported`: {result.install_error.splitlines()[0][:300]}"})
    verdict = result.verdict
    if verdict is not None:
        blocks += _verdict_blocks(verdict, result.bisects, first_night=bool((result.previous or {}).get("known")))
    else:
        blocks += [_bisect_block(e) for e in result.bisects]
    return "New releases tonight", blocks


def _releases_line(result: NightResult) -> str:
    versions = " · ".join(f"{p} {v or 'none'}" for p, v in result.releases.versions.items())
    previous = result.previous or {}
    # the first night has no last night: it compares with the newest environment already in the results
    since = (f"the newest environment already in the results ({Path(previous.get('file', '?')).name})"
             if previous.get("known") else "last night")
    if not previous.get("releases"):
        new = "the first night: nothing to compare with yet."
    elif result.moved:
        new = f"new since {since}: " + ", ".join(f"{p} {o or 'none'} → {n or 'none'}"
                                                 for p, (o, n) in result.moved.items()) + "."
    else:
        new = f"nothing new since {since}" + ("." if previous.get("known") else f" ({previous.get('date', '?')}).")
    return f"Tonight's releases: {versions}; {new}"


def _verdict_blocks(verdict: Verdict, bisects: list[dict[str, Any]], first_night: bool) -> list[Block]:
    against = "that environment" if first_night else "last night's environment"
    blocks: list[Block] = [{"kind": "p", "text": f"Verdict against {against}: {verdict.summary()}. "
                                                f"{kinds_line(verdict)}."}]
    breaks = [f for f in verdict.behaviour if f.direction == BREAKS]
    if breaks:
        blocks.append({"kind": "h3", "text": f"What breaks ({len(breaks)}): code written this way worked and now fails"})
        blocks += [_finding_block(f, bisects) for f in breaks]
    lost = [f for f in verdict.coverage if f.direction == NOT_RUN]
    if lost:
        blocks.append({"kind": "h3", "text": "Coverage lost"})
        blocks += [{"kind": "pre", "text": f"not run [{f.device}]: {', '.join(f.variants)}\n{f.reason}"} for f in lost]
    slow = [f for f in verdict.performance if f.status == CONFIRMED and f.regression]
    if slow:
        blocks.append({"kind": "h3", "text": f"Confirmed performance regressions ({len(slow)})"})
        blocks.append({"kind": "table", "df": _perf_table(slow)})
    undecided = verdict.undecided()
    if undecided:
        blocks.append({"kind": "h3", "text": f"Undecided performance suspects ({len(undecided)}): re-measuring ended "
                                             f"before the test could decide; not 'nothing regressed'"})
        blocks.append({"kind": "table", "df": _perf_table(undecided)})
    others = [f for f in verdict.behaviour if f.direction != BREAKS]
    if others:
        blocks.append({"kind": "h3", "text": f"Other behaviour changes ({len(others)}): heals, fails differently"})
        blocks += [_finding_block(f, bisects) for f in others]
    decided = [f for f in verdict.performance if f.status == NOT_CONFIRMED]
    if decided or verdict.suspects():
        blocks.append({"kind": "p", "text": f"Performance: {len(decided)} suspects re-measured and not confirmed, "
                                            f"{len(verdict.suspects())} suspects not re-measured (improvements, or "
                                            f"past the budget); neither fails a night. compare.txt lists them."})
    for line in ([verdict.hardware] if verdict.hardware else []) + verdict.notes:
        blocks.append({"kind": "p", "text": line})
    if verdict.code:
        blocks.append({"kind": "p", "text": code_note(verdict.code)})
    if not verdict.findings():
        blocks.append({"kind": "p", "text": "Nothing changed: every symptom and fix as before, every number within "
                                            "noise."})
    return blocks


def _finding_block(f: Finding, bisects: list[dict[str, Any]]) -> Block:
    where = f.variants[0] if len(f.variants) == 1 else f"{len(f.variants)} variants ({', '.join(f.variants[:8])}" \
        + (" …)" if len(f.variants) > 8 else ")")
    what = f.what if len(f.variants) == 1 else f"{value_text(f.baseline)} → {value_text(f.current)}"
    lines = [f"{f.direction}: {where} [{f.device}]: {what}" + (f" ({f.boundary})" if f.boundary else "")]
    lines += [f"  {x}" for x in (f.chapter, f"why: {f.reason}" if f.reason else "") if x]
    if f.fixes:
        lines.append("  fixes that still work: " + "; ".join(f.fixes[:4]))
    for entry in bisects:
        if entry["case_variant"] == f.variants[0]:
            lines += [f"  bisect {entry['package']} {entry['good']} → {entry['bad']}: {entry['verdict']}"]
            if entry.get("release_notes"):
                lines.append(f"  release notes: {entry['release_notes']}")
            if entry.get("pins"):
                lines.append("  held: " + ", ".join(entry["pins"]))
    return {"kind": "pre", "text": "\n".join(lines)}


def _perf_table(findings: list[Finding]) -> pd.DataFrame:
    return pd.DataFrame([{"case:variant": f.variants[0] if len(f.variants) == 1 else
                          f"{len(f.variants)} variants together", "metric": f.what, "last night": value_text(f.baseline),
                          "tonight": value_text(f.current), "ratio": value_text(f.ratio), "evidence": f.reason}
                         for f in findings])


def _bisect_block(entry: dict[str, Any]) -> Block:
    lines = [f"{entry['case_variant']}: {entry['package']} {entry['good']} → {entry['bad']}: {entry['verdict']}"]
    if entry.get("release_notes"):
        lines.append(f"release notes: {entry['release_notes']}")
    return {"kind": "pre", "text": "\n".join(lines)}
