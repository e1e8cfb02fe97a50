"""Behaviour findings: a symptom or an error that changed between two matched groups of records, said in the
user's direction and grouped by root cause.

The user's question is "does my code, written that way, still work?": a variant that trained (`ok`) and now
fails *breaks* — whether it is a bug that starts to bite or a fix that stops working — one that failed and now
trains *heals*, one that fails differently *changes*. The chapter's question ("does its claim hold?") is said
beside it. A release that breaks a variant is a regression of that release, whatever the chapter says.

Many variants often fail for one reason (a transformers that cannot import, a Keras that refuses a callback):
they become one finding, with the error's informative line once and the variants it covers listed.

What a behaviour *is* is `identity`: the symptom, a failure's exception type and its informative line, normalised
(harness/results/errors.py: numbers, paths, addresses, shapes and ids masked) — two bugs that both raise a
ValueError in the input pipeline are two behaviours, two runs of one bug are one. compare, the nightly, bisect and
the "what changed when" table all compare identities; a variant that failed and fails with another line *changes*
("fails differently"), it never breaks.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

from harness.results.errors import error_text, normalised_line
from harness.results.groups import Key, behaviour, env_key, majority, runs_fitbench
from harness.results.records import RunRecord
from harness.spec.symptoms import CRASHED, INITIAL_LOSS_OFF, NAN_LOSS, NOT_APPLICABLE, OK, PLATEAU, TIMEOUT
from harness.verdict.findings import BEHAVIOUR, BREAKS, CHANGES, HEALS, Finding

RANK = {BREAKS: 0, CHANGES: 1, HEALS: 2}   # a group of findings takes its most severe member's direction
_MEANING = {  # (role, direction) -> what it means for the chapter's story
    ("fix", BREAKS): "the fix stops working", ("fix", HEALS): "the fix works again",
    ("broken", BREAKS): "the bug starts to bite", ("broken", HEALS): "the bug no longer bites",
    ("check", BREAKS): "the check now fails", ("check", HEALS): "the check passes again",
}


SEP = " · "  # between an identity's label and its line: a label never holds it


def identity(record: RunRecord) -> str:
    """The behaviour two runs must share to behave alike: 'data_error (ValueError) · Column labels not found in
    dataset!' — the label (harness.results.groups.behaviour: the symptom, and a generic failure's type) and the
    error's normalised informative line; the label alone for a run that raised nothing, and for a timeout or a
    crash, whose message is fitbench's own words (a limit, a stderr tail), not the library's."""
    label = behaviour(record)
    if not record.error or record.observed in (TIMEOUT, CRASHED):
        return label
    line = normalised_line(record.error)
    kind = str(record.error.get("type") or "")
    if kind and f"({kind})" not in label:
        line = f"{kind}: {line}" if line else kind  # a named symptom's label leaves the type out
    return f"{label}{SEP}{line}" if line else label


def label(identity_: str) -> str:
    """The label part of an identity: 'data_error (ValueError)'."""
    return identity_.partition(SEP)[0]


def transition(before: str, after: str) -> str:
    """Two identities as a reader reads the change: 'plateau → data_error (ValueError)' where the labels differ;
    'fails differently: data_error (ValueError) · A → data_error (ValueError) · B' where only the lines do."""
    if label(before) != label(after):
        return f"{label(before)} → {label(after)}"
    return f"fails differently: {before} → {after}"


def works(record: RunRecord) -> bool:
    return record.observed == OK


def applies(record: RunRecord) -> bool:
    return record.observed != NOT_APPLICABLE and record.outcome != "skipped"


def failure_line(record: RunRecord) -> str:
    """Why a run did not train, in one line: the error's informative line, or the number behind a silent
    failure (a plateau's final loss, a NaN's step, an initial loss far from ln C)."""
    if record.error:
        line = error_text(record.error, 300)
        return line if runs_fitbench(record) else f"fitbench does not run in this environment: {line}"
    m, cfg = record.metrics or {}, record.config or {}
    if record.observed == PLATEAU and isinstance(m.get("final_loss"), (int, float)):
        return f"final loss {m['final_loss']:.3g} after {cfg.get('steps', '?')} steps (a plateau: ≥ " \
               f"{cfg.get('plateau_loss', 0.9)})"
    if record.observed == NAN_LOSS and m.get("first_nonfinite_step") is not None:
        return f"the loss is not finite from step {m['first_nonfinite_step']}"
    if record.observed == INITIAL_LOSS_OFF and isinstance(m.get("initial_loss"), (int, float)):
        return f"initial loss {m['initial_loss']:.3g}, far from ln(num_labels)"
    return next((n for n in record.notes if not n.startswith("chapter's claim")), "")


def _meaning(role: str, direction: str, claim: str, b_agree: bool, c_agree: bool) -> str:
    parts = [_MEANING.get((role, direction), "it fails differently" if direction == CHANGES else "")]
    if b_agree != c_agree:
        parts.append(f"the chapter's claim ({claim}) {'now holds' if c_agree else 'no longer holds'}")
    return "; ".join(p for p in parts if p)


def _fixes(case: str, env: str, current: list[RunRecord], broken_variant: str) -> list[str]:
    """The case's fixes that work in the current environment: what a user whose code broke can do today."""
    seen, out = set(), []
    for r in current:
        if r.case == case and r.role == "fix" and r.variant != broken_variant and works(r) and env_key(r) == env \
                and r.variant not in seen:
            seen.add(r.variant)
            out.append(f"{r.case}:{r.variant} — {r.says}")
    return out


def state(records: list[RunRecord]) -> str:
    """works (every repeat trained), fails (none did), flaky (some did)."""
    ok = [works(r) for r in records]
    return "works" if all(ok) else "fails" if not any(ok) else "flaky"


# (baseline state, current state) -> direction; a flaky side is worse than one that works and better than one that
# fails: code that worked and now fails some of the time breaks
_DIRECTIONS = {("works", "fails"): BREAKS, ("works", "flaky"): BREAKS, ("flaky", "fails"): BREAKS,
               ("fails", "works"): HEALS, ("flaky", "works"): HEALS}


def tally(records: list[RunRecord], lines: bool = False) -> str:
    """The group's behaviour: one name, or every name with its count where repeats disagree; the labels
    ('data_error (ValueError)'), or with `lines` the whole identities (where the labels alone read the same)."""
    name = identity if lines else behaviour
    counts = Counter(name(r) for r in records)
    return next(iter(counts)) if len(counts) == 1 else ", ".join(f"{b} ×{n}" for b, n in counts.most_common())


def fails_differently(base: list[RunRecord], cur: list[RunRecord]) -> bool:
    """The labels read the same on both sides and the identities do not: the same exception type, another line."""
    return Counter(map(behaviour, base)) == Counter(map(behaviour, cur)) and \
        {identity(r) for r in base} != {identity(r) for r in cur}


def direction_of(base: list[RunRecord], cur: list[RunRecord]) -> str | None:
    """breaks / heals / changes for two groups of repeats, None where they show the same behaviours (identities).
    A failure with another line (the same labels, so the same states) is a change: it fails differently."""
    if {identity(r) for r in base} == {identity(r) for r in cur}:
        return None
    if not (majority([applies(r) for r in base]) and majority([applies(r) for r in cur])):
        return CHANGES
    return _DIRECTIONS.get((state(base), state(cur)), CHANGES)


def finding(kb: Key, kc: Key, base: list[RunRecord], cur: list[RunRecord],
            current_all: list[RunRecord]) -> Finding | None:
    """The behaviour finding of one matched pair of groups, or None where nothing changed."""
    case, variant, device, env = kc
    direction = direction_of(base, cur)
    if direction is None:
        if tally(base, True) == tally(cur, True) and "×" not in tally(base, True):
            return None
        return Finding(BEHAVIOUR, CHANGES, "repeats disagree", [f"{case}:{variant}"], device, kb[3], env,
                       tally(base, True), tally(cur, True),
                       reason="the same variant gave different symptoms on the same side: flaky, or load-dependent")
    lines = fails_differently(base, cur)
    failing = next((r for r in cur if not works(r)), None) if direction != HEALS else \
        next((r for r in base if not works(r)), None)
    role, claim = cur[0].role, cur[0].claim
    b_agree, c_agree = majority([r.agrees for r in base]), majority([r.agrees for r in cur])
    reason = failure_line(failing) if failing else ""
    if direction == HEALS and reason:
        reason = f"it failed with: {reason}"
    fixes = _fixes(case, env, current_all, variant) if direction == BREAKS else []
    what = f"fails differently: {tally(base, True)} → {tally(cur, True)}" if lines else \
        f"{tally(base)} → {tally(cur)}"
    return Finding(BEHAVIOUR, direction, what, [f"{case}:{variant}"], device, kb[3],
                   env, tally(base, lines), tally(cur, lines), reason=reason,
                   chapter=_meaning(role, direction, claim, b_agree, c_agree), fixes=fixes)


def _cause(f: Finding) -> tuple[Any, ...]:
    """What makes two findings one root cause: the same environments, and the same error line (numbers and
    addresses aside); without an error line, the same transition."""
    reason = re.sub(r"0x[0-9a-f]+|\d+", "#", f.reason.removeprefix("it failed with: "))
    side = "healed" if f.direction == HEALS else "failing"
    if reason:
        return f.device, f.baseline_env, f.current_env, side, reason
    return f.device, f.baseline_env, f.current_env, side, f.what, f.chapter


def group_by_cause(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per root cause, breaks first; a group lists its variants and tallies its transitions."""
    groups: dict[tuple[Any, ...], list[Finding]] = {}
    for f in findings:
        groups.setdefault(_cause(f), []).append(f)
    out = []
    for members in groups.values():
        if len(members) == 1:
            out.append(members[0])
            continue
        head = min(members, key=lambda f: RANK.get(f.direction, 9))
        whats = Counter(f.what for f in members)
        out.append(Finding(BEHAVIOUR, head.direction,
                           head.what if len(whats) == 1 else ", ".join(f"{w} ×{n}" for w, n in whats.items()),
                           [v for f in members for v in f.variants], head.device, head.baseline_env,
                           head.current_env, dict(Counter(str(f.baseline) for f in members)),
                           dict(Counter(str(f.current) for f in members)), reason=head.reason,
                           chapter=_tally(f.chapter for f in members),
                           fixes=list(dict.fromkeys(x for f in members for x in f.fixes))))
    return sorted(out, key=lambda f: (RANK.get(f.direction, 9), f.variants[0]))


def _tally(meanings: Iterable[str]) -> str:
    """"the fix stops working ×16 · the check now fails ×4 · the chapter's claim no longer holds ×20": a group's
    meanings counted, the claims' own symptoms left out (each variant's is in its record)."""
    parts: Counter[str] = Counter()
    for meaning in meanings:
        for part in filter(None, meaning.split("; ")):
            parts[re.sub(r" \([^)]*\)", "", part)] += 1
    return " · ".join(f"{p} ×{n}" if n > 1 else p for p, n in parts.most_common())
