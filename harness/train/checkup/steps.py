"""The checks that run the model: its outputs against the labels and the loss, the loss at initialisation, one
batch overfitted with the user's own optimizer (whose first step is the pipeline's graph-mode training step),
memory on a GPU, and a failed graph step run again eagerly. Each returns facts; an error the user's pipeline
raises is a fact too (`*_error`, described as a record describes one), never an exception out of the check.

TensorFlow is imported inside the functions: the module's pure helpers (`overfit_outcome`) are used without it.
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.spec import symptoms
from harness.train.checkup.subject import Subject
from harness.train.failures import describe_error

FLAT_WINDOW = 15       # steps whose losses all within FLAT_SPREAD of each other end the overfit early: flat
FLAT_SPREAD = 1e-3
MIN_STEPS_TO_JUDGE = 6
MIN_FALL = 0.1         # a run that has not come down by this share of its first loss is not "still falling"


@dataclass(frozen=True)
class Budget:
    """What the overfit may spend: steps, seconds (a soft deadline, under the doctor's hard bound), threshold."""

    steps: int = 500
    seconds: float = 120.0
    threshold: float = 0.1

    def __post_init__(self) -> None:
        for name in ("steps", "seconds", "threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Budget.{name} must be a number above 0, got {value!r}")


def model_facts(model) -> dict[str, Any]:
    """What the model says about itself before it runs: class, outputs, embedding rows, positions."""
    config = getattr(model, "config", None)
    return {"model_class": type(model).__name__, "num_labels": getattr(config, "num_labels", None),
            "embedding_rows": getattr(config, "vocab_size", None) or _embedding_rows(model),
            "max_positions": getattr(config, "max_position_embeddings", None)}


def _embedding_rows(model) -> int | None:
    for layer in getattr(model, "submodules", ()):
        if type(layer).__name__ == "Embedding" and getattr(layer, "input_dim", None):
            return int(layer.input_dim)  # a plain Keras model: its first Embedding layer
    return None


def call_inputs(model) -> tuple[list[str] | None, list[str]]:
    """What the model's call takes (None: any keyword) and requires: a functional model's input names, or the
    parameters of a subclassed model's `call` (a transformers model: input_ids, attention_mask, ..., labels)."""
    names = getattr(model, "input_names", None)
    if isinstance(names, list) and names:
        return list(names), list(names)
    try:
        params = inspect.signature(model.call).parameters
    except (TypeError, ValueError):
        return None, []
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return None, []
    accepted = [n for n in params if n not in ("self", "training", "mask")]
    return accepted, ["input_ids"] if "input_ids" in accepted else []


def forward(subject: Subject) -> dict[str, Any]:
    """The untrained model on the first batch: its outputs, their width, whether they are probabilities."""
    features, _ = subject.batches[0]
    model = subject.model
    try:
        out = model(features, training=False)
    except Exception as exc:  # token ids past the embedding, an input the model does not take, ...
        return {"forward_error": describe_error(exc)}
    logits = np.asarray(getattr(out, "logits", out), dtype=np.float64)
    subject.outputs = logits
    probabilities = bool(logits.size and logits.min() >= 0 and logits.max() <= 1
                         and np.allclose(logits.sum(axis=-1), 1.0, atol=1e-3))
    return {"outputs_probabilities": probabilities, "output_width": int(logits.shape[-1]),
            "n_params": int(model.count_params()) if model.built else None}


def num_labels_facts(subject: Subject, facts: dict[str, Any]) -> dict[str, Any]:
    """The model's outputs against the classes the labels index."""
    out = forward(subject)
    num_labels = facts.get("num_labels") or out.get("output_width")
    out["num_labels"] = num_labels
    if facts.get("label_kind") == "int" and num_labels:
        ids = np.asarray([x for x in subject.labels if x is not None], dtype=np.float64)
        out["labels_out_of_range"] = int(((ids >= num_labels) | (ids < 0)).sum())
        out["surplus_outputs"] = int(num_labels) - int(facts.get("n_classes") or 0)
    return out


def initial_loss_facts(subject: Subject, facts: dict[str, Any]) -> dict[str, Any]:
    """The untrained model's mean loss on the first batches, run eagerly (no graph to trace for a few batches),
    against ln C: the chapter's "what should the loss be for a random answer?"."""
    n_classes = facts.get("n_classes")
    out: dict[str, Any] = {"expected_initial_loss": math.log(n_classes) if n_classes and n_classes > 1 else None}
    try:
        subject.compile(True)
        losses = []
        for batch in subject.batches:
            value = subject.model.test_on_batch(*subject.fit_args(batch))
            losses.append(float(np.asarray(value).reshape(-1)[0]))
    except Exception as exc:  # the loss cannot be computed: label 2 of 2 classes (CPU), string labels, ...
        return {**out, "initial_loss_error": describe_error(exc)}
    loss = float(np.mean(losses))
    out["initial_loss"] = loss
    if out["expected_initial_loss"]:
        out["initial_loss_ratio"] = loss / out["expected_initial_loss"]
        out["initial_loss_symptom"] = symptoms.classify_initial_loss(loss, n_classes, 0.2)
    elif not math.isfinite(loss):
        out["initial_loss_symptom"] = symptoms.NAN_LOSS
    return out


def overfit_outcome(losses: list[float], steps_to_threshold: int | None) -> str:
    """ok (under the threshold), nan_loss, falling (the second half of the run still falls, and the run has come
    down by a tenth: the budget, not the setup, ended it) or plateau (it does not fall, or hardly)."""
    if steps_to_threshold is not None:
        return "ok"
    if any(not math.isfinite(x) for x in losses):
        return symptoms.NAN_LOSS
    if len(losses) < MIN_STEPS_TO_JUDGE:
        return "too_short"
    if np.mean(losses[-5:]) > (1 - MIN_FALL) * losses[0]:
        return symptoms.PLATEAU  # a slope that is real but tiny: at chance, creeping (Adam(0.5): 1.11 -> 1.07)
    half = np.asarray(losses[len(losses) // 2:], dtype=np.float64)
    x = np.arange(len(half), dtype=np.float64)
    slope, intercept = np.polyfit(x, half, 1)
    residual = half - (slope * x + intercept)
    se = math.sqrt(float(residual @ residual) / max(len(half) - 2, 1) / float(((x - x.mean()) ** 2).sum()))
    falling = slope < 0 and (se == 0 or slope / se < -3)
    return "falling" if falling else symptoms.PLATEAU


def second_half_slope(losses: list[float]) -> float | None:
    """The least-squares slope of the second half of the losses, per step (None: too few, or not finite)."""
    half = losses[len(losses) // 2:]
    if len(losses) < MIN_STEPS_TO_JUDGE or not all(map(math.isfinite, half)):
        return None
    return float(np.polyfit(np.arange(len(half), dtype=np.float64), np.asarray(half, dtype=np.float64), 1)[0])


def _stopper(recorder, budget: Budget):
    """Ends the overfit at the soft deadline, or as soon as the loss has not moved at all for FLAT_WINDOW steps."""
    from harness.train.callbacks import _keras

    deadline = time.monotonic() + budget.seconds

    class Stop(_keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            tail = recorder.losses[-FLAT_WINDOW:]
            flat = len(tail) == FLAT_WINDOW and all(map(math.isfinite, tail)) and max(tail) - min(tail) < FLAT_SPREAD
            if flat or time.monotonic() > deadline:
                self.model.stop_training = True

    return Stop()


def build_optimizer(model) -> None:
    """The optimizer's slots before the first step: a tf.function that creates variables on its first call is
    traced twice (to create them, then without), one that finds them made is traced once (measured: the overfit of
    12 steps at DistilBERT's shape, 22 s -> 14 s, the same losses)."""
    optimizer = getattr(model, "optimizer", None)
    # Keras' optimizers build(var_list); the legacy ones (transformers' AdamWeightDecay) _create_all_weights
    make = getattr(optimizer, "_create_all_weights", None) or getattr(optimizer, "build", None)
    try:
        make(model.trainable_variables)
    except Exception:  # another optimizer: it makes its variables in the first step, as it would have
        pass


def overfit_facts(subject: Subject, facts: dict[str, Any], budget: Budget) -> dict[str, Any]:
    """The chapter's `model.fit(batch, epochs=N)` with the user's optimizer, loss and labels: steps until the
    loss is under the threshold, or how it failed. Its first step is the pipeline's graph-mode training step."""
    import tensorflow as tf

    from harness.train.callbacks import StepRecorder

    recorder = StepRecorder(threshold=budget.threshold, stop_on_threshold=True)
    x, y = subject.fit_args()
    # one step per Keras epoch, so each epoch's loss is that step's (harness/train/callbacks.py); the batch as a
    # repeated dataset, which Keras iterates without rebuilding its data handler every epoch (measured: 40 %
    # less time per step than fit(x, y, epochs=N) on the tiny model)
    batch = tf.data.Dataset.from_tensors(x if y is None else (x, y)).repeat()
    try:
        subject.compile(False)
        build_optimizer(subject.model)
        subject.model.fit(batch, steps_per_epoch=1, epochs=budget.steps, verbose=0,
                          callbacks=[recorder, _stopper(recorder, budget)])
    except Exception as exc:
        error = describe_error(exc)
        out = {"overfit": "not_run" if not recorder.losses else symptoms.ERROR}
        if not recorder.losses:  # the first step failed: the error a user's fit would stop at
            out.update(step_error=error, graph_error_in_model_code=error["in_model_code"])
        return out
    s = recorder.summary()
    return {"overfit": overfit_outcome(recorder.losses, recorder.steps_to_threshold),
            "steps_to_threshold": recorder.steps_to_threshold, "overfit_steps_run": len(recorder.losses),
            "overfit_first_loss": s["initial_loss"], "overfit_last_loss": s["final_loss"],
            "overfit_min_loss": s["min_loss"], "overfit_threshold": budget.threshold,
            "overfit_seconds": round(sum(recorder.step_seconds), 2), "step_error": None,
            "overfit_slope": second_half_slope(recorder.losses),
            "overfit_losses": [round(x, 4) if math.isfinite(x) else None for x in recorder.losses]}


def eager_facts(subject: Subject, facts: dict[str, Any]) -> dict[str, Any]:
    """Where the graph step failed (or killed its process), the same step run eagerly: its error now points
    into the model's code (the chapter's run_eagerly=True)."""
    if not (facts.get("step_error") or facts.get("step_crashed")):
        return {}
    try:
        subject.compile(True)
        subject.model.train_on_batch(*subject.fit_args())
    except Exception as exc:
        error = describe_error(exc)
        return {"eager_error": error, "eager_in_model_code": error["in_model_code"]}
    return {"eager_passed": True}
