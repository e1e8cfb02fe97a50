"""The doctor's report: every check in the chapter's order with ✓ / ✗ / –, its evidence, and for a problem the fix
as a code line — the catalogued bug's, with the fitbench case that replays it, or the check's own. One cause is
one ✗: a later check that fails because of an earlier problem is folded under it (↳ "because of labels above"),
its own evidence kept. As terminal text, or JSON for CI (statuses as words: passed / problem / not_judged, a folded
problem with `because_of`, and what each check measured as fields); the exit code is 1 where any check is ✗.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.doctor.checks import judge
from harness.doctor.judgement import FAIL, PASS, SKIP, Judgement
from harness.doctor.signs import Diagnosis, Known, diagnose
from harness.spec import checks

FOLDED = "↳"  # a problem that follows from an earlier one: not counted as a ✗ of its own
WORDS = {PASS: "passed", FAIL: "problem", SKIP: "not_judged", FOLDED: "problem"}
# which later checks a check's problem explains (a later ✗ folds under the first ✗ that explains it, "because of
# labels above": one cause, one ✗) and which facts its result shows in --json are each check's own declaration:
# CheckSpec.explains and CheckSpec.shown (harness/spec/checks.py)


@dataclass
class CheckResult:
    check: str
    stage: str
    status: str                                   # ✓ / ✗ / –
    evidence: list[str]
    diagnoses: list[Diagnosis] = field(default_factory=list)
    fix: str = ""                                 # the check's own fix, where no catalogued bug explains it
    because: str = ""                             # the earlier check whose problem this one follows from
    measured: dict[str, Any] = field(default_factory=dict)  # the facts its judgement read

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "stage": self.stage, "status": WORDS[self.status],
                "because_of": self.because or None, "evidence": self.evidence, "measured": self.measured,
                "findings": [d.to_dict() for d in self.diagnoses], "fix": self.fix or None}


@dataclass
class Report:
    subject: str                                  # one line: the model and the data examined
    results: list[CheckResult]
    facts: dict[str, Any] = field(default_factory=dict)
    wall_s: float | None = None

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status in (FAIL, FOLDED) for r in self.results) else 0

    @property
    def diagnoses(self) -> list[Diagnosis]:
        return [d for r in self.results for d in r.diagnoses]

    def named(self) -> set[str]:
        """Every case:variant the report names."""
        return {d.ref for d in self.diagnoses}

    def result(self, check: str) -> CheckResult:
        return next(r for r in self.results if r.check == check)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "exit_code": self.exit_code, "wall_s": self.wall_s,
                "problems": [r.check for r in self.results if r.status == FAIL],
                "checks": [r.to_dict() for r in self.results],
                "facts": {k: v for k, v in self.facts.items() if not k.endswith("_error")}}

    def text(self) -> str:
        """One line per check, its stage in the first column; below a problem, the fix and the case."""
        lines = [f"fitbench doctor · {self.subject}"]
        stage, given = None, set()  # fixes already said above: a folded check does not repeat its cause's
        for r in self.results:
            shown, stage = ("" if r.stage == stage else r.stage), r.stage
            evidence = list(r.evidence)
            if r.because and evidence:
                evidence[0] = f"because of {r.because} above: {evidence[0]}"
            lines.append(f"{shown:<18}{r.status} {r.check:<16} {_cut(evidence[0]) if evidence else ''}")
            lines.extend(f"{'':<37}{_cut(line)}" for line in evidence[1:])
            for fix in dict.fromkeys([d.fix for d in r.diagnoses] + ([r.fix] if r.fix else [])):
                if fix not in given:
                    lines.append(f"{'':<20}{'fix':<17}{fix}")
                    given.add(fix)
            for d in r.diagnoses:
                lines.append(f"{'':<20}{'replays':<17}fitbench run --cases {d.ref}")
        counts = {s: sum(r.status == s for r in self.results) for s in (FAIL, PASS, SKIP, FOLDED)}
        took = f" in {self.wall_s:.0f} s" if self.wall_s is not None else ""
        folded = f" ({counts[FOLDED]} more ↳ follow from it)" if counts[FOLDED] else ""
        lines.append(f"{counts[FAIL]} ✗{folded} · {counts[PASS]} ✓ · {counts[SKIP]} –{took} (exit {self.exit_code})")
        return "\n".join(lines)

    __str__ = text


def _cut(line: str, limit: int = 150) -> str:
    """An evidence line a terminal can show (the JSON keeps it whole)."""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def assemble(subject: str, facts: dict[str, Any], problems: dict[str, Judgement], known: list[Known],
             wall_s: float | None = None) -> Report:
    """The report of one checkup: each check's judgement from the facts (or the problem its process had: crashed,
    timed out, its own code failed), and the catalogued bugs whose signs hold."""
    found = diagnose(facts, known)
    results: list[CheckResult] = []
    for spec in checks.ORDERED:
        judgement = problems.get(spec.name) or judge(spec.name, facts)
        mine = [d for d in found if d.check == spec.name]
        status = FAIL if mine else judgement.status
        shown = {k: facts[k] for k in spec.shown if k in facts}
        result = CheckResult(spec.name, spec.stage, status, judgement.evidence, mine, "" if mine else judgement.fix,
                             measured=shown)
        cause = _cause(spec.name, results) if status == FAIL else None
        if cause is not None:
            result.status, result.because = FOLDED, cause.check
            if cause.fix or cause.diagnoses:  # the cause's fix is the fix; this one's would treat a consequence
                result.fix = ""
        results.append(result)
    return Report(subject, results, facts, wall_s)


def _cause(name: str, earlier: list[CheckResult]) -> CheckResult | None:
    """The first earlier problem (not itself folded) that explains a problem of `name`."""
    return next((r for r in earlier if r.status == FAIL and name in checks.SPECS[r.check].explains), None)
