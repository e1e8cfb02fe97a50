"""The symptom vocabulary, and how a run's raw facts (an exception, a loss trajectory, memory) map onto it.

Symptoms are what a user would see, named once here so records, reports and asv all speak the same words.
"""
from __future__ import annotations

import math
from typing import Any

OK = "ok"                                  # trained / measured as a correct setup should
NO_GRADIENTS = "no_gradients"              # ValueError: No gradients provided for any variable
LABEL_OUT_OF_RANGE = "label_out_of_range"  # InvalidArgumentError: Received a label value of 2 ... [0, 2)
NAN_LOSS = "nan_loss"                      # a step's loss was NaN or Inf
PLATEAU = "plateau"                        # trains without error but the loss stays high for the whole budget
INITIAL_LOSS_OFF = "initial_loss_off"      # loss at initialisation far from ln(num_classes)
OOM = "oom"                                # ResourceExhaustedError: OOM when allocating tensor
MEMORY_GRAB = "memory_grab"                # the process holds most of the card after trivial work
DATA_ERROR = "data_error"                  # the input pipeline itself failed (column missing, ragged batch)
ERROR = "error"                            # any other exception, kept with its type and message
NOT_APPLICABLE = "not_applicable"          # the case has no meaning on this device
CRASHED = "crashed"                        # the isolated process died without a record (abort, kill, segfault)
TIMEOUT = "timeout"                        # the isolated process ran past its limit
UNSUPPORTED = "unsupported"                # the library combination cannot run fitbench at all
KERAS_MISMATCH = "keras_mismatch"          # a Keras 3 object (optimizer, callback) handed to a tf-keras model

VOCABULARY = (OK, NO_GRADIENTS, LABEL_OUT_OF_RANGE, NAN_LOSS, PLATEAU, INITIAL_LOSS_OFF, OOM, MEMORY_GRAB,
              DATA_ERROR, ERROR, NOT_APPLICABLE, CRASHED, TIMEOUT, UNSUPPORTED,
              KERAS_MISMATCH)  # append only: asv stores a symptom as its index here

# (exception type name or None, substring of the message) -> symptom; first match wins
_ERROR_RULES: list[tuple[str | None, str, str]] = [
    (None, "No gradients provided", NO_GRADIENTS),
    (None, "Received a label value of", LABEL_OUT_OF_RANGE),
    ("ResourceExhaustedError", "", OOM),
    (None, "OOM when allocating", OOM),
    # environments fitbench cannot run in (messages measured with TF 2.21: tf-keras missing / transformers 5.x)
    ("ImportError", "Keras cannot be imported", UNSUPPORTED),
    ("ImportError", "cannot import name 'TF", UNSUPPORTED),
    # the same, reached through transformers' lazy module (the worker's preload): measured, transformers 5.0.0
    ("AttributeError", "module transformers has no attribute TF", UNSUPPORTED),
    (None, "is not yet supported in Transformers", UNSUPPORTED),
    (None, "not found in dataset", DATA_ERROR),
    (None, "inhomogeneous shape", DATA_ERROR),
    (None, "setting an array element with a sequence", DATA_ERROR),
    # numpy's np.stack in datasets' default collate, on rows of different lengths (messages measured, TF 2.21)
    (None, "all input arrays must have the same shape", DATA_ERROR),
    # Keras 3 objects (tf.keras where TF_USE_LEGACY_KERAS was not set in time) in a tf-keras model
    ("ValueError", "Could not interpret optimizer identifier: <keras.src.", KERAS_MISMATCH),
    ("AttributeError", "object has no attribute '_implements_train_batch_hooks'", KERAS_MISMATCH),
]


def classify_error(type_name: str, message: str) -> str:
    for wanted_type, fragment, symptom in _ERROR_RULES:
        if (wanted_type is None or wanted_type == type_name) and fragment in message:
            return symptom
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
