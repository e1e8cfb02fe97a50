"""The doctor's report: every check in the chapter's order with ✓ / ✗ / –, its evidence, and for a problem the fix
as a code line — the catalogued bug's, with the fitbench case that replays it, or the check's own. As terminal
text, or JSON for CI; the exit code is 1 where any check is ✗, else 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.doctor.signs import Finding, Known, findings
from harness.doctor.verdicts import FAIL, PASS, SKIP, VERDICTS, Verdict
from harness.spec.signs import CHECKS


@dataclass
class CheckResult:
    check: str
    stage: str
    status: str                                   # ✓ / ✗ / –
    evidence: list[str]
    findings: list[Finding] = field(default_factory=list)
    fix: str = ""                                 # the check's own fix, where no catalogued bug explains it

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "stage": self.stage, "status": self.status, "evidence": self.evidence,
                "findings": [f.to_dict() for f in self.findings], "fix": self.fix or None}


@dataclass
class Report:
    subject: str                                  # one line: the model and the data examined
    results: list[CheckResult]
    facts: dict[str, Any] = field(default_factory=dict)
    wall_s: float | None = None

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status == FAIL for r in self.results) else 0

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def named(self) -> set[str]:
        """Every case:variant the report names."""
        return {f.ref for f in self.findings}

    def result(self, check: str) -> CheckResult:
        return next(r for r in self.results if r.check == check)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "exit_code": self.exit_code, "wall_s": self.wall_s,
                "checks": [r.to_dict() for r in self.results],
                "facts": {k: v for k, v in self.facts.items() if not k.endswith("_error")}}

    def text(self) -> str:
        """One line per check, its stage in the first column; below a problem, the fix and the case."""
        lines = [f"fitbench doctor · {self.subject}"]
        stage = None
        for r in self.results:
            shown, stage = ("" if r.stage == stage else r.stage), r.stage
            lines.append(f"{shown:<18}{r.status} {r.check:<16} {_cut(r.evidence[0]) if r.evidence else ''}")
            lines.extend(f"{'':<37}{_cut(line)}" for line in r.evidence[1:])
            for fix in dict.fromkeys(f.fix for f in r.findings):
                lines.append(f"{'':<20}{'fix':<17}{fix}")
            for f in r.findings:
                lines.append(f"{'':<20}{'replays':<17}fitbench run --cases {f.ref}")
            if r.fix:
                lines.append(f"{'':<20}{'fix':<17}{r.fix}")
        counts = {s: sum(r.status == s for r in self.results) for s in (FAIL, PASS, SKIP)}
        took = f" in {self.wall_s:.0f} s" if self.wall_s is not None else ""
        lines.append(f"{counts[FAIL]} ✗ · {counts[PASS]} ✓ · {counts[SKIP]} –{took} (exit {self.exit_code})")
        return "\n".join(lines)

    __str__ = text


def _cut(line: str, limit: int = 150) -> str:
    """An evidence line a terminal can show (the JSON keeps it whole)."""
    return line if len(line) <= limit else line[:limit - 1] + "…"


def assemble(subject: str, facts: dict[str, Any], problems: dict[str, Verdict], known: list[Known],
             wall_s: float | None = None) -> Report:
    """The report of one checkup: each check's verdict from the facts (or the problem its process had: crashed,
    timed out, its own code failed), and the catalogued bugs whose signs hold."""
    found = findings(facts, known)
    results = []
    for name, stage, _ in CHECKS:
        verdict = problems.get(name) or VERDICTS[name](facts)
        mine = [f for f in found if f.check == name]
        status = FAIL if mine else verdict.status
        results.append(CheckResult(name, stage, status, verdict.evidence, mine, "" if mine else verdict.fix))
    return Report(subject, results, facts, wall_s)
