"""How `fitbench doctor` recognises a case's bug in a user's own pipeline: the doctor's checks, the facts they
measure, and a case's `Sign` (plain data, like the rest of harness/spec).

The doctor (harness/doctor/) runs the chapter's checks on a user's model and data and records *facts*: what the
labels are, what the model outputs, the loss at initialisation, whether one batch can be overfitted, the error a
training step raised, ... (`FACTS` names every one). A case teaches the doctor its bug by giving a variant a
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

# the doctor's checks, in the chapter's order: (name, stage, what it looks at)
CHECKS: tuple[tuple[str, str, str], ...] = (
    ("columns", "data", "the inputs the model's call takes"),
    ("labels", "data", "labels present, integer ids"),
    ("class_balance", "data", "rows per class"),
    ("example", "data", "a decoded example, every text column in it"),
    ("labels_vs_text", "data", "labels that follow their inputs"),
    ("batches", "data", "batches as the pipeline builds them"),
    ("token_ids", "data", "token ids within the embedding"),
    ("num_labels", "model vs data", "outputs vs the classes present"),
    ("loss_vs_outputs", "model vs data", "logits vs the loss's from_logits"),
    ("labels_and_loss", "model vs data", "where the labels go vs the loss"),
    ("initial_loss", "initial loss", "loss at initialisation vs ln C"),
    ("overfit", "overfit one batch", "one batch, the pipeline's own optimizer"),
    ("learning_rate", "learning rate", "the rate itself"),
    ("memory", "memory", "GPU memory: growth, a batch that fits"),
    ("eager", "eager", "a graph-mode error, run eagerly"),
)
CHECK_NAMES = tuple(name for name, _, _ in CHECKS)

# every fact a sign may test, and what it means; an `*_error` fact (type, message, where it surfaced) also gives
# `*_symptom` (the error classified with every case's symptom rules) and `*_line` (its informative line)
FACTS: dict[str, str] = {
    # the pipeline as described
    "optimizer": "'adam' (the Keras string: learning rate 1e-3), 'Adam', 'create_optimizer', or a class name",
    "learning_rate": "the optimizer's learning rate",
    "loss": "'internal' (compiled without a loss: the model's own) or 'keras' (a Keras loss given to compile)",
    "loss_from_logits": "the Keras loss's from_logits (None: the model's internal loss)",
    "label_placement": "'in_dict' (labels inside the input dict) or 'label_cols' (labels as fit's y)",
    "collate": "'padding' (a padding collator), 'none' (to_tf_dataset's default collate) or 'dataset'",
    "batch_size": "rows per batch", "memory_growth": "whether TensorFlow's GPU memory grows on demand",
    "label_column": "the column that holds the labels", "device": "cpu or gpu",
    # data
    "n_rows": "rows examined", "label_kind": "'int', 'float', 'string' or 'missing'",
    "label_names": "class names (a ClassLabel's, or the distinct string labels)",
    "n_classes": "classes the labels index (largest id + 1; distinct values for strings)",
    "classes_present": "distinct labels present", "label_min": "smallest label", "label_max": "largest label",
    "majority_fraction": "share of the most frequent label",
    "labels_follow_inputs": "a bag-of-tokens baseline predicts held-out labels above chance (None: cannot tell)",
    "baseline_accuracy": "that baseline's held-out accuracy", "chance_accuracy": "the majority class's share",
    "label_names_numeric": "string labels that are all numbers ('0', '1'): ids written as text",
    "rows_negative": "rows with a negative label", "negative_labels": "the negative label values",
    "ids_absent": "ids from 0 to the largest that no row has",
    "other_label_columns": "label-like columns besides the one used (label and labels), with their types",
    "empty_columns": "columns with no value in any row", "rows_without_text": "text column -> rows with no text",
    "tokenizer_size": "len(tokenizer), added tokens included", "pretokenized": "the data holds input_ids",
    "tokens_per_row_before": "median tokens per row without truncation", "tokens_per_row_after": "... with it",
    "tokens_p95_before": "95th percentile of tokens per row without truncation",
    "rows_truncated": "rows truncation cut", "truncated_fraction": "their share",
    "tokens_cut_fraction": "share of all tokens truncation cut",
    "truncated_text_columns": "text columns truncation cut out of the inputs (the untruncated rows hold them)",
    "text_columns": "columns of text the data holds", "unused_text_columns": "text columns absent from the inputs",
    "n_unused_text_columns": "how many", "text_args": "the tokenizer arguments that pass every text column",
    "batch_error": "building a batch as the pipeline does raised this", "padded": "the batch is padded",
    "unexpected_inputs": "batch keys the model's call does not take", "n_unexpected_inputs": "how many",
    "missing_inputs": "inputs the model's call requires that the batch lacks", "n_missing_inputs": "how many",
    "max_token_id": "the largest token id", "embedding_rows": "rows of the model's input embedding",
    "ids_beyond_embedding": "rows with a token id >= the embedding's rows",
    "longest_row": "tokens in the longest row", "max_positions": "the model's position embeddings",
    "rows_beyond_positions": "rows longer than the position embeddings",
    # model vs data
    "model_class": "the model's class", "n_params": "the model's parameters", "num_labels": "the model's outputs",
    "labels_out_of_range": "labels >= num_labels (or < 0)", "surplus_outputs": "num_labels - n_classes",
    "outputs_probabilities": "the model's outputs are probabilities (in [0, 1], rows summing to 1)",
    "forward_error": "the untrained model's forward pass on the first batch raised this",
    # initial loss
    "initial_loss": "mean loss of the untrained model on a few batches", "expected_initial_loss": "ln(n_classes)",
    "initial_loss_ratio": "initial_loss / expected_initial_loss", "initial_loss_error": "computing it raised this",
    # overfit one batch (its first step is the pipeline's graph-mode training step)
    "step_error": "the first graph-mode training step raised this", "step_crashed": "it killed the process",
    "graph_error_in_model_code": "that error's traceback reaches the model's or the loss's code",
    "overfit": "'ok' (under the threshold), 'plateau', 'falling' (still falling at the budget), 'nan_loss', "
               "'not_run'",
    "steps_to_threshold": "steps until the loss fell under the threshold", "overfit_steps_run": "steps run",
    "overfit_slope": "least-squares slope of the second half of its losses, per step",
    "overfit_first_loss": "the first step's loss", "overfit_last_loss": "mean loss of the last 5 steps",
    "overfit_threshold": "the loss that counts as overfitted",
    # memory (GPU)
    "memory_symptom": "'ok', 'oom' or 'memory_grab'", "process_fraction": "share of the card this process holds",
    "found_batch_size": "the largest batch that fits, from the batch finder", "peak_mib": "TF's peak at the batch",
    # eager
    "eager_error": "the same step run eagerly raised this", "eager_passed": "the step passed eagerly",
}
for _base in ("batch", "forward", "initial_loss", "step", "eager"):  # what the doctor derives from each *_error fact
    FACTS[f"{_base}_symptom"] = f"{_base}_error classified with every case's symptom rules ('ok' without error)"
    FACTS[f"{_base}_line"] = f"the informative line of {_base}_error"
# without an error, the initial loss's symptom is the chapter's check: ok, initial_loss_off (> 20 % from ln C), nan_loss
FACTS["initial_loss_symptom"] += "; without one, 'ok', 'initial_loss_off' (over 20 % from ln C) or 'nan_loss'"
FACTS["eager_in_model_code"] = "the eager error's traceback reaches the model's or the loss's code"

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
