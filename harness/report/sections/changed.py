"""The front page's first section: what changed. Between neighbouring environments of a matrix — one library
moved, the others held (the axes of harness/report/changes.py) — each pair is judged by `fitbench compare`'s own
code (harness.verdict.compare.compare_records), so the report and compare never classify one environment two
ways: an environment where fitbench cannot run is, next to one where it runs, 45 variants that break or heal,
not "counted nowhere". Breaks first, then heals and changes. Performance is not judged here (single runs of
different environments: compare --confirm re-measures, a report does not), nor coverage: a matrix or a bisect
runs in each environment what it was asked to, so a variant one ran and its neighbour did not is no finding.

Records of one environment have no neighbour: what they show against the chapter leads instead — the claims that
do not hold, each with its reason. A night's report has its own lead (the verdict against last night, the
nightly's preamble) and does not get this section too.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from harness.env.packages import version_key
from harness.report.changes import AXES, _version
from harness.report.common import Block, Context, Section
from harness.results.groups import env_key
from harness.results.records import RunRecord
from harness.verdict.behaviour import failure_line
from harness.verdict.compare import compare_records
from harness.verdict.findings import BREAKS, CHANGES, HEALS, Finding
from harness.spec.sections import FRONT, renders

ANCHOR = "what-changed"
TITLE = "What changed"
ORDER = {BREAKS: 0, HEALS: 1, CHANGES: 2}
CSS = {BREAKS: "bad", HEALS: "ok", CHANGES: "warn"}   # the report's one colour language


@dataclass(frozen=True)
class Pair:
    axis: str            # the library that moved
    held: str            # what was held, as the README's "what changed when" says it
    before: str          # column keys (env_key), older release first
    after: str
    versions: tuple[str, str]


def _held_text(held: tuple[str, ...], values: tuple[str, ...]) -> str:
    names = {"tensorflow": "TF", "tf-keras": "tf-keras", "transformers": "transformers"}
    parts = []
    for package, value in zip(held, values):
        if package.endswith("?"):
            parts.append({"tied": "tf-keras following TF", "without": "no tf-keras"}.get(value, value))
        else:
            parts.append(f"{names[package]} {value}" if value != "none" else f"no {names[package]}")
    return " · ".join(parts)


def neighbours(records: list[RunRecord]) -> list[Pair]:
    """Pairs of environments on the same hardware that differ in one library, adjacent in its releases, and that
    ran at least one variant in common (a bisect's environments ran one variant each: nothing to compare)."""
    first: dict[str, RunRecord] = {}
    ran: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in records:
        first.setdefault(env_key(r), r)
        ran[env_key(r)].add((r.case, r.variant))
    out: list[Pair] = []
    for axis, held in AXES.items():
        bands: dict[tuple, dict[str, str]] = defaultdict(dict)
        for key, r in first.items():
            machine = key.split(" · ", 3)[3]  # device · hardware [· machine]: never compared across machines
            values = tuple(_version(r, p) for p in held)
            bands[(machine, values)].setdefault(_version(r, axis), key)
        for (_, values), by_version in bands.items():
            ordered = sorted(by_version, key=version_key)
            out += [Pair(axis, _held_text(held, values), by_version[a], by_version[b], (a, b))
                    for a, b in zip(ordered, ordered[1:]) if ran[by_version[a]] & ran[by_version[b]]]
    return out


def pair_findings(records: list[RunRecord], pair: Pair) -> list[Finding]:
    """compare's behaviour findings of `after` against `before`."""
    before = [r for r in records if env_key(r) == pair.before]
    after = [r for r in records if env_key(r) == pair.after]
    verdict = compare_records(before, after)
    return [f for f in verdict.behaviour if f.direction in ORDER]


def _variants(f: Finding) -> tuple[str, str]:
    """(cell text, tooltip with every variant)."""
    names = f.variants
    cases = {v.split(":")[0] for v in names}
    text = ", ".join(names) if len(names) <= 3 else f"{len(names)} variants of {len(cases)} case(s)"
    return text, "; ".join(names)


def _what(f: Finding) -> str:
    return f.what if len(f.variants) == 1 else f"{_tally(f.baseline)} → {_tally(f.current)}"


def _tally(side: object, most: int = 3) -> str:
    """"ok ×20, plateau ×8, … (8 behaviours)": a group's side, its most common behaviours first."""
    if not isinstance(side, dict):
        return str(side)
    ranked = sorted(side.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(k if n == 1 and len(side) == 1 else f"{k} ×{n}" for k, n in ranked[:most])
    return text + (f", … ({len(ranked)} behaviours)" if len(ranked) > most else "")


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def change_rows(ctx: Context) -> list[dict[str, str]]:
    """One row per finding of every neighbouring pair, breaks first, in the report's column order."""
    records = [r for r in ctx.records if r.outcome != "skipped"]
    labels = {c.key: c.label for c in ctx.columns}
    rows = []
    for pair in neighbours(records):
        for f in pair_findings(records, pair):
            text, tip = _variants(f)
            rows.append({"": f.direction, "between": f"{labels[pair.before]} → {labels[pair.after]}",
                         "library": f"{pair.axis} {pair.versions[0]} → {pair.versions[1]}", "held": pair.held,
                         "what": _what(f), "variants": text, "why": _short(f.reason or f.chapter), "_tip": tip,
                         "_why": f.reason or f.chapter,
                         "_order": (ORDER[f.direction], int(labels[pair.after][1:]), int(labels[pair.before][1:]))})
    return sorted(rows, key=lambda row: row["_order"])


def _table(rows: list[dict[str, str]]) -> Block:
    df = pd.DataFrame([{k: v for k, v in row.items() if not k.startswith("_")} for row in rows])
    css = pd.DataFrame([{c: (CSS[row[""]] if c == "" else "nowrap" if c in ("between", "library") else "")
                         for c in df.columns} for row in rows])
    tips = {"variants": "_tip", "why": "_why"}
    titles = pd.DataFrame([{c: (row[tips[c]] if c in tips else "") for c in df.columns} for row in rows])
    return {"kind": "table", "df": df, "css": css, "titles": titles}


def _claims_rows(ctx: Context) -> list[dict[str, str]]:
    """Records whose chapter claim does not hold (one environment: nothing to compare with but the chapter)."""
    rows = []
    for r in sorted(ctx.records, key=lambda r: ctx.order(r.case, r.variant)):
        if r.outcome == "skipped" or r.agrees:
            continue
        rows.append({"": "fix fails" if r.role == "fix" and not r.fix_works else "claim does not hold",
                     "case:variant": f"{r.case}:{r.variant}", "chapter says": r.claim, "observed": r.observed,
                     "why": failure_line(r) or "; ".join(n for n in r.notes if n.startswith("expectation"))})
    return rows


def counts(rows: list[dict[str, str]]) -> str:
    n = defaultdict(int)
    for row in rows:
        n[row[""]] += 1
    # "1 break, 2 heals": the direction's word as a count reads it
    return ", ".join(f"{n[d]} {d if n[d] != 1 else d[:-1]}" for d in ORDER if n[d]) or "nothing"


def headline(ctx: Context) -> str:
    """The report's one-line summary (the command prints it last): environments, and what changed."""
    running = sum(c.runs for c in ctx.columns)
    envs = f"{len(ctx.records)} records, {len(ctx.columns)} environment(s)" + (
        f" ({len(ctx.columns) - running} where fitbench cannot run)" if running < len(ctx.columns) else "")
    if neighbours(ctx.records):
        return f"{envs}; between neighbouring environments: {counts(change_rows(ctx))}"
    ran = [r for r in ctx.records if r.outcome != "skipped"]
    return f"{envs}; the chapter's claim holds in {sum(r.agrees for r in ran)} of {len(ran)} records"


@renders("changed", FRONT)
def build(ctx: Context) -> Section:
    pairs = neighbours(ctx.records)
    if not pairs:
        rows = _claims_rows(ctx)
        ran = [r for r in ctx.records if r.outcome != "skipped"]
        alone = "One environment: nothing to compare it with" if len(ctx.columns) == 1 else \
            f"{len(ctx.columns)} environments, no two of which differ in one library alone: nothing to compare"
        intro = (f"{alone}, so here is what the records show against the chapter. Its claim holds in "
                 f"{sum(r.agrees for r in ran)} of {len(ran)} records; "
                 + ("these do not:" if rows else "nothing to flag."))
        blocks: list[Block] = [{"kind": "p", "text": intro}]
        if rows:
            df = pd.DataFrame(rows)
            css = pd.DataFrame([{c: ("bad" if c == "" else "") for c in df.columns} for _ in rows])
            blocks.append({"kind": "table", "df": df, "css": css})
        return TITLE, blocks, ANCHOR
    rows = change_rows(ctx)
    quiet = [p for p in pairs if not any(r["between"] == f"{_label(ctx, p.before)} → {_label(ctx, p.after)}"
                                         for r in rows)]
    blocks = [{"kind": "p", "text": (
        f"Between neighbouring environments — one library moved, the others held, the same hardware — judged as "
        f"`fitbench compare` judges them (breaks: it worked and now fails; heals: the reverse; changes: it fails "
        f"differently): {counts(rows)} over {len(pairs)} pairs. Timings are not judged here (single runs).")}]
    if rows:
        blocks.append(_table(rows))
    if quiet:
        blocks.append({"kind": "p", "text": "No behaviour changed between: " + "; ".join(
            f"{_label(ctx, p.before)} → {_label(ctx, p.after)} ({p.axis} {p.versions[0]} → {p.versions[1]})"
            for p in quiet) + "."})
    return TITLE, blocks, ANCHOR


def _label(ctx: Context, key: str) -> str:
    return ctx.column(key).label
