"""How `fitbench doctor` recognises a case's bug in a user's own pipeline: the doctor's checks, the facts they
measure, and a case's `Sign` (plain data, like the rest of harness/spec).

The doctor (harness/doctor/) runs the chapter's checks on a user's model and data and records *facts*: what the
labels are, what the model outputs, the loss at initialisation, whether one batch can be overfitted, the error a
training step raised, ... (the checks and their facts are declared in harness/spec/checks.py; `FACTS` names
every one). A case teaches the doctor its bug by giving a variant a
`Sign`: the check that reports it, the facts that must all hold (`when`, the operators of a variant's `expect`),
and the fix as the code line a user writes, e.g.

    Sign("num_labels", {"labels_out_of_range": (">", 0)},
         fix="TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels={n_classes})")

A fix may name facts in braces; the doctor fills them in. A variant that replays several catalogued bugs at once
(a step of the chapter's script) says which variants' signs name it instead: `SeenAs(("case:variant", ...))`.
Nothing under harness/ names a case: the doctor reads every case's signs, so a new case module with a sign makes
the doctor recognise its bug.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.spec.checks import NAMES, ORDERED, facts

# views of the doctor's check registry (harness/spec/checks.py): the checks in the chapter's order as (name, stage,
# what it looks at), and every fact a sign may test with what it means
CHECKS: tuple[tuple[str, str, str], ...] = tuple((s.name, s.stage, s.looks) for s in ORDERED)
CHECK_NAMES = NAMES
FACTS: dict[str, str] = facts()

OPS = ("==", "!=", "<", ">", "<=", ">=", "in")
_ORDERED = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def holds(when: dict[str, tuple[str, Any]], facts: dict[str, Any]) -> bool:
    """Whether every condition holds. A fact the doctor did not measure holds nothing (its check did not run),
    so a sign never fires on what was not seen; None is a value for ==, != and in, and fails an ordering."""
    for name, (op, wanted) in when.items():
        if name not in facts:
            return False
        value = facts[name]
        if op == "==" and value != wanted or op == "!=" and value == wanted or op == "in" and value not in wanted:
            return False
        if op in _ORDERED and (value is None or isinstance(value, (str, bool)) or not _ORDERED[op](value, wanted)):
            return False
    return True


@dataclass(frozen=True)
class Sign:
    """How the doctor recognises a variant's bug: the check that reports it, the facts that hold, the fix."""

    check: str                                            # one of CHECK_NAMES
    when: dict[str, tuple[str, Any]] = field(default_factory=dict)  # fact -> (operator, value), all must hold
    fix: str = ""                                         # the fix as a code line; {fact} is filled in

    def __post_init__(self) -> None:
        if self.check not in CHECK_NAMES:
            raise ValueError(f"Sign.check must be one of {list(CHECK_NAMES)}, got {self.check!r}")
        if not isinstance(self.when, dict) or not self.when:
            raise ValueError(f"Sign.when must be a non-empty dict of fact -> (operator, value), got {self.when!r}")
        for name, condition in self.when.items():
            if name not in FACTS:
                raise ValueError(f"Sign.when: unknown fact {name!r} (known: harness/spec/signs.py FACTS)")
            if not (isinstance(condition, tuple) and len(condition) == 2 and condition[0] in OPS):
                raise ValueError(f"Sign.when[{name!r}] must be (operator, value) with an operator of {list(OPS)}, "
                                 f"got {condition!r}")
            if condition[0] == "in" and not isinstance(condition[1], (tuple, list)):
                raise ValueError(f"Sign.when[{name!r}]: 'in' needs a tuple of values, got {condition[1]!r}")
        if not isinstance(self.fix, str) or not self.fix.strip():
            raise ValueError(f"Sign.fix must be the fix as a line of code, got {self.fix!r}")


@dataclass(frozen=True)
class SeenAs:
    """A variant whose bugs the doctor names by other variants' signs ("case:variant", ...)."""

    variants: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.variants, tuple) or not self.variants:
            raise ValueError(f"SeenAs.variants must be a non-empty tuple of 'case:variant', got {self.variants!r}")
        for ref in self.variants:
            if not isinstance(ref, str) or ref.count(":") != 1 or not all(ref.split(":")):
                raise ValueError(f"SeenAs.variants: {ref!r} is not 'case:variant'")
