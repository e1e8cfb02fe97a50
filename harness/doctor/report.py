"""The doctor's report: every check in the chapter's order with ✓ / ✗ / –, its evidence, and for a problem the fix
as a code line — the catalogued bug's, with the fitbench case that replays it, or the check's own. One cause is
one ✗: a later check that fails because of an earlier problem is folded under it (↳ "because of labels above"),
its own evidence kept. As terminal text, or JSON for CI (statuses as words: passed / problem / not_judged, a folded
problem with `because_of`, and what each check measured as fields); the exit code is 1 where any check is ✗.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.doctor.signs import Finding, Known, findings
from harness.doctor.verdicts import FAIL, PASS, SKIP, VERDICTS, Verdict
from harness.spec.signs import CHECKS

FOLDED = "↳"  # a problem that follows from an earlier one: not counted as a ✗ of its own
WORDS = {PASS: "passed", FAIL: "problem", SKIP: "not_judged", FOLDED: "problem"}

# a check's problem, and the later checks it makes fail: a later ✗ folds under the first ✗ that explains it
# ("because of labels above"), so one cause is one ✗. The pairs follow the pipeline: what the model gets decides
# what it outputs, which decides the loss, which decides whether one batch can be learned.
MODEL_RUNS = ("num_labels", "initial_loss", "overfit", "learning_rate", "memory", "eager")
EXPLAINS: dict[str, tuple[str, ...]] = {
    "columns": MODEL_RUNS,
    "labels": ("class_balance", "labels_vs_text") + MODEL_RUNS,
    "class_balance": ("labels_vs_text",),
    "example": ("labels_vs_text", "token_ids", "overfit", "learning_rate"),
    "token_ids": MODEL_RUNS,
    "num_labels": ("initial_loss", "overfit", "learning_rate", "eager"),
    "loss_vs_outputs": ("initial_loss", "overfit", "learning_rate"),
    "labels_and_loss": ("initial_loss", "overfit", "learning_rate", "eager"),
    "initial_loss": ("overfit", "eager"),
    "overfit": ("learning_rate", "eager"),
}

# the facts each check's verdict reads, given with its result in --json (what it measured, as fields)
SHOWN: dict[str, tuple[str, ...]] = {
    "columns": ("batch_keys", "accepted_inputs", "unexpected_inputs", "missing_inputs"),
    "labels": ("label_column", "label_kind", "label_min", "label_max", "n_classes", "classes_present", "label_names",
               "label_names_numeric", "rows_negative", "negative_labels", "ids_absent", "other_label_columns"),
    "class_balance": ("label_histogram", "majority_fraction"),
    "example": ("first_example_decoded", "first_example_label", "text_columns", "unused_text_columns",
                "truncated_text_columns", "empty_columns", "rows_without_text"),
    "labels_vs_text": ("labels_follow_inputs", "baseline_accuracy", "chance_accuracy", "baseline_rows"),
    "batches": ("batch_shape", "padded", "batch_line"),
    "token_ids": ("max_token_id", "embedding_rows", "tokenizer_size", "ids_beyond_embedding", "longest_row",
                  "max_positions", "rows_beyond_positions", "tokens_per_row_before", "tokens_per_row_after",
                  "tokens_p95_before", "rows_truncated", "truncated_fraction", "tokens_cut_fraction"),
    "num_labels": ("num_labels", "n_classes", "labels_out_of_range", "surplus_outputs", "forward_line"),
    "loss_vs_outputs": ("loss", "loss_from_logits", "outputs_probabilities"),
    "labels_and_loss": ("label_placement", "loss"),
    "initial_loss": ("initial_loss", "expected_initial_loss", "initial_loss_ratio", "initial_loss_symptom",
                     "initial_loss_line"),
    "overfit": ("overfit", "steps_to_threshold", "overfit_steps_run", "overfit_first_loss", "overfit_min_loss",
                "overfit_last_loss", "overfit_threshold", "overfit_slope", "overfit_losses", "step_symptom",
                "step_line",
                "step_crashed"),
    "learning_rate": ("optimizer", "learning_rate", "overfit"),
    "memory": ("memory_symptom", "process_fraction", "peak_mib", "found_batch_size", "memory_growth"),
    "eager": ("eager_passed", "eager_symptom", "eager_line", "eager_in_model_code"),
}


@dataclass
class CheckResult:
    check: str
    stage: str
    status: str                                   # ✓ / ✗ / –
    evidence: list[str]
    findings: list[Finding] = field(default_factory=list)
    fix: str = ""                                 # the check's own fix, where no catalogued bug explains it
    because: str = ""                             # the earlier check whose problem this one follows from
    measured: dict[str, Any] = field(default_factory=dict)  # the facts its verdict read

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "stage": self.stage, "status": WORDS[self.status],
                "because_of": self.because or None, "evidence": self.evidence, "measured": self.measured,
                "findings": [f.to_dict() for f in self.findings], "fix": self.fix or None}


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
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def named(self) -> set[str]:
        """Every case:variant the report names."""
        return {f.ref for f in self.findings}

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
            for fix in dict.fromkeys([f.fix for f in r.findings] + ([r.fix] if r.fix else [])):
                if fix not in given:
                    lines.append(f"{'':<20}{'fix':<17}{fix}")
                    given.add(fix)
            for f in r.findings:
                lines.append(f"{'':<20}{'replays':<17}fitbench run --cases {f.ref}")
        counts = {s: sum(r.status == s for r in self.results) for s in (FAIL, PASS, SKIP, FOLDED)}
        took = f" in {self.wall_s:.0f} s" if self.wall_s is not None else ""
        folded = f" ({counts[FOLDED]} more ↳ follow from it)" if counts[FOLDED] else ""
        lines.append(f"{counts[FAIL]} ✗{folded} · {counts[PASS]} ✓ · {counts[SKIP]} –{took} (exit {self.exit_code})")
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
    results: list[CheckResult] = []
    for name, stage, _ in CHECKS:
        verdict = problems.get(name) or VERDICTS[name](facts)
        mine = [f for f in found if f.check == name]
        status = FAIL if mine else verdict.status
        shown = {k: facts[k] for k in SHOWN.get(name, ()) if k in facts}
        result = CheckResult(name, stage, status, verdict.evidence, mine, "" if mine else verdict.fix,
                             measured=shown)
        cause = _cause(name, results) if status == FAIL else None
        if cause is not None:
            result.status, result.because = FOLDED, cause.check
            if cause.fix or cause.findings:  # the cause's fix is the fix; this one's would treat a consequence
                result.fix = ""
        results.append(result)
    return Report(subject, results, facts, wall_s)


def _cause(name: str, earlier: list[CheckResult]) -> CheckResult | None:
    """The first earlier problem (not itself folded) that explains a problem of `name`."""
    return next((r for r in earlier if r.status == FAIL and name in EXPLAINS.get(r.check, ())), None)
