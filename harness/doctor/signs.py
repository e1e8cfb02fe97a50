"""The catalog's knowledge of its bugs: every case variant's `Sign` (harness/spec/signs.py), read from cases/, and
matched against the facts a checkup measured. A new case module with a sign is recognised here without a line
changed: nothing in this module names a case.

Errors become facts first: each `*_error` the checks recorded is classified with the core symptom rules and every
case's own (`*_symptom`: `label_out_of_range`, `data_error`, a case's `label_dtype`, ...) and shown by its
informative line (`*_line`), so a sign can say "the training step fails with a label out of range".
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from harness.results.errors import informative_line
from harness.spec import Case, Variant, symptoms
from harness.spec.signs import Sign, holds

ERROR_FACTS = ("batch", "forward", "initial_loss", "step", "eager")


@dataclass(frozen=True)
class Known:
    """One catalogued bug the doctor can name."""

    case: str
    variant: str
    sign: Sign
    title: str          # the case's title: what the bug is
    says: str           # the variant's claim: what a user sees

    @property
    def ref(self) -> str:
        return f"{self.case}:{self.variant}"


@dataclass(frozen=True)
class Diagnosis:
    """A catalogued bug seen in the user's pipeline: what it is, the fix, the case that replays it (a "finding" in
    the report's JSON, which keeps its name; harness/verdict/'s `Finding` is what changed between two suites)."""

    check: str
    ref: str            # case:variant
    title: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "replays": self.ref, "bug": self.title, "fix": self.fix,
                "command": f"fitbench run --cases {self.ref}"}


def catalog(all_cases: list[Case]) -> list[Known]:
    """Every variant that carries a Sign, in the catalog's order."""
    return [Known(c.id, v.name, v.doctor, c.title, v.says) for c in all_cases for v in c.variants
            if isinstance(v.doctor, Sign)]


def own_symptoms(all_cases: list[Case]) -> list[symptoms.Symptom]:
    """The cases' own symptoms, whose error rules the doctor reads an error by too."""
    return [s for c in all_cases for s in c.symptoms]


def derive(facts: dict[str, Any], own: list[symptoms.Symptom]) -> dict[str, Any]:
    """`*_symptom` and `*_line` of every `*_error` fact (an absent or None error: symptom 'ok')."""
    out = dict(facts)
    for base in ERROR_FACTS:
        key = f"{base}_error"
        if key not in facts:
            continue
        error = facts[key]
        if error:
            out[f"{base}_symptom"] = symptoms.classify_error(error.get("type", ""), error.get("message", ""), own)
            out[f"{base}_line"] = informative_line(error)
        elif f"{base}_symptom" not in facts:
            out[f"{base}_symptom"] = symptoms.OK
    return out


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # a fact the check did not measure stays a placeholder the user fills in


def fill(fix: str, facts: dict[str, Any]) -> str:
    """A sign's fix with the facts it names filled in ("num_labels={n_classes}" -> "num_labels=3")."""
    names = {name for _, name, _, _ in string.Formatter().parse(fix) if name}
    return fix.format_map(_Blank({n: facts[n] for n in names if facts.get(n) is not None}))


def diagnose(facts: dict[str, Any], known: list[Known]) -> list[Diagnosis]:
    """Every catalogued bug whose sign holds on these facts, in the catalog's order."""
    return [Diagnosis(k.sign.check, k.ref, k.title, fill(k.sign.fix, facts)) for k in known
            if holds(k.sign.when, facts)]


def expected_refs(case: Case, variant: Variant) -> tuple[str, ...]:
    """What the doctor should name on a pipeline with this variant's bug: its own sign, or the variants it is
    seen as; () where the doctor cannot see it."""
    if isinstance(variant.doctor, Sign):
        return (f"{case.id}:{variant.name}",)
    return variant.doctor.variants if variant.doctor is not None else ()
