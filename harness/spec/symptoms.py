"""Symptoms: what a user would see, named once, and how a run's raw facts (an exception, a loss trajectory,
memory) map onto them.

The core symptoms below are shared by every case. A case whose bug shows itself in a way none of them names
declares a `Symptom` of its own, with the error rules that detect it (harness.spec.case.Case.symptoms); the
worker tries the running case's rules before the core ones. asv files a symptom as its `number`, so numbers
are append-only: a name keeps its number forever, core symptoms count up from 0, a case's own from 100.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class ErrorRule:
    """An exception whose message contains `fragment` (and whose type is `type`, when given)."""

    fragment: str
    type: str | None = None

    def matches(self, type_name: str, message: str) -> bool:
        return (self.type is None or self.type == type_name) and self.fragment in message


@dataclass(frozen=True)
class Symptom:
    name: str
    number: int                          # what asv stores; never changed, never reused
    meaning: str
    rules: tuple[ErrorRule, ...] = ()    # exceptions that mean this symptom; first matching rule wins

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"Symptom.name must be an identifier, got {self.name!r}")
        if not isinstance(self.number, int) or isinstance(self.number, bool) or self.number < 0:
            raise ValueError(f"Symptom {self.name!r}: number must be an int >= 0, got {self.number!r}")


FIRST_CASE_NUMBER = 100  # a case's own symptoms are numbered from here, so the core can grow below

OK = "ok"
NO_GRADIENTS = "no_gradients"
LABEL_OUT_OF_RANGE = "label_out_of_range"
NAN_LOSS = "nan_loss"
PLATEAU = "plateau"
INITIAL_LOSS_OFF = "initial_loss_off"
OOM = "oom"
MEMORY_GRAB = "memory_grab"
DATA_ERROR = "data_error"
ERROR = "error"
NOT_APPLICABLE = "not_applicable"
CRASHED = "crashed"
TIMEOUT = "timeout"
UNSUPPORTED = "unsupported"
KERAS_MISMATCH = "keras_mismatch"

_R = ErrorRule
CORE: tuple[Symptom, ...] = (
    Symptom(OK, 0, "trained / measured as a correct setup should"),
    Symptom(NO_GRADIENTS, 1, "ValueError: No gradients provided for any variable",
            (_R("No gradients provided"),)),
    Symptom(LABEL_OUT_OF_RANGE, 2, "InvalidArgumentError: Received a label value of 2 ... [0, 2)",
            (_R("Received a label value of"),)),
    Symptom(NAN_LOSS, 3, "a step's loss was NaN or Inf"),
    Symptom(PLATEAU, 4, "trains without error but the loss stays high for the whole budget"),
    Symptom(INITIAL_LOSS_OFF, 5, "loss at initialisation far from ln(num_classes)"),
    Symptom(OOM, 6, "ResourceExhaustedError: OOM when allocating tensor",
            (_R("", "ResourceExhaustedError"), _R("OOM when allocating"))),
    Symptom(MEMORY_GRAB, 7, "the process holds most of the card after trivial work"),
    Symptom(DATA_ERROR, 8, "the input pipeline itself failed (column missing, ragged batch)",
            (_R("not found in dataset"), _R("inhomogeneous shape"), _R("setting an array element with a sequence"),
             # numpy's np.stack in datasets' default collate, on rows of different lengths (measured, TF 2.21)
             _R("all input arrays must have the same shape"))),
    Symptom(ERROR, 9, "any other exception, kept with its type and message"),
    Symptom(NOT_APPLICABLE, 10, "the case has no meaning on this device"),
    Symptom(CRASHED, 11, "the isolated process died without a record (abort, kill, segfault)"),
    Symptom(TIMEOUT, 12, "the isolated process ran past its limit"),
    Symptom(UNSUPPORTED, 13, "the library combination cannot run fitbench at all",
            # messages measured with TF 2.21: tf-keras missing / transformers 5.x, directly or through
            # transformers' lazy module (the worker's preload)
            (_R("Keras cannot be imported", "ImportError"), _R("cannot import name 'TF", "ImportError"),
             _R("module transformers has no attribute TF", "AttributeError"),
             _R("is not yet supported in Transformers"))),
    Symptom(KERAS_MISMATCH, 14, "a Keras 3 object (optimizer, callback) handed to a tf-keras model",
            (_R("Could not interpret optimizer identifier: <keras.src.", "ValueError"),
             _R("object has no attribute '_implements_train_batch_hooks'", "AttributeError"))),
)
VOCABULARY = tuple(s.name for s in CORE)  # the core names, in number order
# the order the core rules are tried in: the specific failures first, then environments fitbench cannot run in
# (an import error can mention a dataset column), then the input pipeline and Keras 3 objects
_RULE_ORDER = (NO_GRADIENTS, LABEL_OUT_OF_RANGE, OOM, UNSUPPORTED, DATA_ERROR, KERAS_MISMATCH)
_CORE_RULES = [(rule, s.name) for name in _RULE_ORDER for s in CORE if s.name == name for rule in s.rules]


def classify_error(type_name: str, message: str, own: Iterable[Symptom] = ()) -> str:
    """The symptom of an exception: a case's own symptoms first (`own`), then the core rules, else `error`."""
    for symptom in own:
        if any(rule.matches(type_name, message) for rule in symptom.rules):
            return symptom.name
    for rule, name in _CORE_RULES:
        if rule.matches(type_name, message):
            return name
    return ERROR


def classify_losses(losses: list[float], plateau_loss: float) -> str:
    """A training trajectory: NaN anywhere → nan_loss; mean of the last 5 steps still high → plateau."""
    if any(not math.isfinite(x) for x in losses):
        return NAN_LOSS
    if not losses:
        return ERROR
    tail = losses[-5:]
    return PLATEAU if sum(tail) / len(tail) >= plateau_loss else OK


def classify_overfit(losses: list[float], steps_to_threshold: int | None) -> str:
    if any(not math.isfinite(x) for x in losses):
        return NAN_LOSS
    return OK if steps_to_threshold is not None else PLATEAU


def classify_initial_loss(initial_loss: float, num_classes: int, rel_tolerance: float) -> str:
    """The chapter's check: a fresh classifier's loss should be close to ln(num_classes)."""
    if not math.isfinite(initial_loss):
        return NAN_LOSS
    expected = math.log(num_classes)
    return OK if abs(initial_loss - expected) <= rel_tolerance * expected else INITIAL_LOSS_OFF


def classify_memory(process_fraction: float, grab_fraction: float) -> str:
    return MEMORY_GRAB if process_fraction >= grab_fraction else OK


def check_expectations(metrics: dict[str, Any], expect: dict[str, tuple[str, Any]]) -> list[str]:
    """Metric expectations of a variant, e.g. {"val_accuracy": ("<", 0.45)}; returns the ones that failed."""
    ops = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "==": lambda a, b: a == b,
           "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
    failed = []
    for key, (op, wanted) in expect.items():
        value = metrics.get(key)
        if value is None or not ops[op](value, wanted):
            failed.append(f"{key}={value!r} (expected {op} {wanted!r})")
    return failed


def numbers(symptoms: Iterable[Symptom]) -> dict[str, int]:
    """{name: number} of the core and `symptoms`; a name or number used twice is an error naming both."""
    out: dict[str, int] = {}
    by_number: dict[int, str] = {}
    for s in (*CORE, *symptoms):
        if out.get(s.name, s.number) != s.number:
            raise ValueError(f"symptom {s.name!r} declared with numbers {out[s.name]} and {s.number}")
        if by_number.get(s.number, s.name) != s.name:
            raise ValueError(f"symptom number {s.number} used by {by_number[s.number]!r} and {s.name!r}")
        out[s.name], by_number[s.number] = s.number, s.name
    return out
