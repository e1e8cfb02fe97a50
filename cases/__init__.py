"""The chapter's bugs and checks, one module per case; each module defines `CASE` (a harness.spec.Case).

The order below is the chapter's order and the ids are stable: asv history and reports key on them.
Adding a case means adding a module and its id here; nothing under harness/ changes (README, "Adding a case").
"""
from __future__ import annotations

import importlib

from harness.spec import Case
from harness.spec.symptoms import numbers

CASE_IDS = (
    "labels_in_dict_keras_loss",
    "string_loss_on_logits",
    "num_labels_mismatch",
    "adam_default_lr",
    "oom_batch_size",
    "tf_memory_grab",
    "overfit_one_batch",
    "initial_loss",
    "bad_labels",
    "run_eagerly",
    "precision_modes",
    # the chapter read from the top, then bugs of the Keras 3 era, then the first case that carries its own code
    "chapter_walkthrough",
    "keras3_optimizer_import",
    "keras3_late_legacy_env",
    "keras3_callbacks",
    "premise_only",
    "string_labels",
)


class UnknownCase(KeyError):
    def __str__(self) -> str:
        return self.args[0]


def get(case_id: str) -> Case:
    if case_id not in CASE_IDS:
        raise UnknownCase(f"unknown case {case_id!r} (known: {', '.join(CASE_IDS)})")
    case = importlib.import_module(f"cases.{case_id}").CASE
    assert case.id == case_id, f"cases/{case_id}.py defines case {case.id!r}"
    return case


def all_cases() -> list[Case]:
    return [get(case_id) for case_id in CASE_IDS]


def symptom_numbers() -> dict[str, int]:
    """{symptom name: the number asv files it as}: the core symptoms and every case's own; a name or a number
    declared twice is a ValueError naming both."""
    return numbers(s for case in all_cases() for s in case.symptoms)


def defines(case_id: str, variant: str) -> bool:
    """Whether this fitbench's cases define (case, variant): what `compare` asks before calling a variant the
    current run lacks "not run" rather than "retired"."""
    if case_id not in CASE_IDS:
        return False
    return any(v.name == variant for v in get(case_id).variants)
