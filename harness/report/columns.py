"""The report's columns: one per environment × hardware (harness.results.groups.env_key), in version order, each
with a short label (E1, E2, …), an anchor, a title that keeps every part of its identity, and whether fitbench
runs there at all.

An environment where fitbench cannot run — every record `unsupported` (transformers 5 has no TF models; TF ≥ 2.16
without tf-keras), or every variant failing before it began (in its imports: a transformers older than its
Keras) — is not a column of failures: the report lists it apart with the reason and the likely fix, and counts
none of its records as a claim that does not hold or a fix that fails. A single variant that cannot run in an
environment where the others do (a Keras 3 variant on TF 2.15) is "cannot run here", not a failure either.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from harness.env.advice import likely_fix_for
from harness.env.packages import version_key
from harness.report.names import short_env
from harness.results.errors import error_text
from harness.results.groups import env_key, hardware, keras_part, runs_fitbench
from harness.results.records import RunRecord

_EARLY_PHASES = {"spawn", "imports", "teardown"}  # a worker that recorded no later phase never began the variant


@dataclass(frozen=True)
class Column:
    key: str            # env_key: TF · Keras · transformers · device · hardware [· machine]
    label: str          # "E3": how other tables refer to it
    anchor: str         # "env-3": its row on the front page and its section on the environments page
    title: str          # short_env(key): every part, some words shortened
    runs: bool          # False: fitbench cannot run in this environment
    reason: str = ""    # why not: the informative line of the error its records share
    fix: str = ""       # what would most likely make it run


def cannot_run(record: RunRecord) -> bool:
    """This record says that fitbench could not run the variant here, not what the variant does
    (harness.results.groups.runs_fitbench); for records older than `failed_in`, a failed worker that recorded no
    phase past its imports (the committed matrix's TF 2.12 + transformers 4.24)."""
    if record.outcome == "skipped":
        return False
    if not runs_fitbench(record):
        return True
    phases = (record.metrics or {}).get("phases") or {}
    return bool(record.error and record.outcome == "error" and "failed_in" not in record.diagnostics
                and phases and set(phases) <= _EARLY_PHASES)


def _sort_key(record: RunRecord) -> tuple:
    v = (record.env or {}).get("versions") or {}
    machine = (record.env or {}).get("machine")
    return (version_key(v.get("tensorflow") or "none"), keras_part(v), version_key(v.get("transformers") or "none"),
            record.device, hardware(record), machine if isinstance(machine, str) else "")


def _likely_fix(record: RunRecord) -> str:
    text = str((record.error or {}).get("message", ""))
    return likely_fix_for(text, (record.env or {}).get("versions") or {}) or ""


def columns(records: list[RunRecord]) -> list[Column]:
    """Every environment of the records, in version order (TF, Keras, transformers, device, hardware)."""
    by_key: dict[str, list[RunRecord]] = {}
    for r in records:
        by_key.setdefault(env_key(r), []).append(r)
    ordered = sorted(by_key, key=lambda k: _sort_key(by_key[k][0]))
    out = []
    for n, key in enumerate(ordered, 1):
        ran = [r for r in by_key[key] if r.outcome != "skipped"]
        blocked = [r for r in ran if cannot_run(r)]
        runs = not ran or len(blocked) < len(ran)
        reason = fix = ""
        if not runs:
            reason = Counter(error_text(r.error, 240) or r.observed for r in blocked).most_common(1)[0][0]
            fix = _likely_fix(next(r for r in blocked if (error_text(r.error, 240) or r.observed) == reason))
        out.append(Column(key, f"E{n}", f"env-{n}", short_env(key), runs, reason, fix))
    return out


def label_runs(labels: list[str]) -> str:
    """'E1, E3–E5, E8': labels in order, consecutive ones as a range."""
    numbers = sorted(int(x[1:]) for x in labels)
    parts: list[list[int]] = []
    for n in numbers:
        if parts and n == parts[-1][-1] + 1:
            parts[-1].append(n)
        else:
            parts.append([n])
    return ", ".join(f"E{p[0]}" if len(p) == 1 else f"E{p[0]}–E{p[-1]}" for p in parts)
