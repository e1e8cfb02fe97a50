"""The doctor's checks as the spec knows them — each one's name, its place in the chapter's order, its stage and
words, the facts its step measures, the facts its result shows, the later checks its problem explains — and the
one registry, keyed by name, in which the two sides of a checkup register their code:

    harness/train/checkup/measures.py  `@measures("num_labels")`: the step that measures its facts, in the worker
    harness/doctor/checks/*.py         `@judges("num_labels")`: the judgement (✓ / ✗ / –) the doctor makes of them

Plain data here, no code of either side (spec/ imports neither train/ nor TensorFlow): a case's `Sign` names a
check and the facts it tests (harness/spec/signs.py), and is validated against this list when the case is built,
long before any worker runs. The worker imports only the steps and the doctor only the judgements, so neither
side imports the other; a name can only be registered if it is declared here, and tests/test_layout.py fails
where a declared check has no judgement, a measured one no step, or a step or judgement no declaration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

Code = TypeVar("Code", bound=Callable[..., Any])

_MODEL_RUNS = ("num_labels", "initial_loss", "overfit", "learning_rate", "memory", "eager")


@dataclass(frozen=True)
class CheckSpec:
    name: str
    order: int                        # its place in the chapter's order, measured and reported: smaller first
    stage: str                        # the report's first column: data, model vs data, initial loss, ...
    looks: str                        # one line: what it looks at
    facts: Mapping[str, str] = field(default_factory=dict)  # what its step measures -> what each means
    shown: tuple[str, ...] = ()       # the facts its judgement reads, given with its result in --json
    # later checks its problem makes fail: their ✗ folds under this one ("because of labels above"), one cause, one
    # ✗; they follow the pipeline: what the model gets decides what it outputs, which decides the loss, which decides
    # whether one batch can be learned
    explains: tuple[str, ...] = ()
    measured: bool = True             # False: judged from other checks' facts and the pipeline's description

    def __post_init__(self) -> None:
        if not self.measured and self.facts:
            raise ValueError(f"check {self.name!r}: a check with no step measures no facts")


# the pipeline as the user describes it (harness/doctor/pipeline.py, or a notebook's compile arguments)
DESCRIBED: dict[str, str] = {
    "optimizer": "'adam' (the Keras string: learning rate 1e-3), 'Adam', 'create_optimizer', or a class name",
    "learning_rate": "the optimizer's learning rate",
    "loss": "'internal' (compiled without a loss: the model's own) or 'keras' (a Keras loss given to compile)",
    "loss_from_logits": "the Keras loss's from_logits (None: the model's internal loss)",
    "label_placement": "'in_dict' (labels inside the input dict) or 'label_cols' (labels as fit's y)",
    "collate": "'padding' (a padding collator), 'none' (to_tf_dataset's default collate) or 'dataset'",
    "batch_size": "rows per batch", "memory_growth": "whether TensorFlow's GPU memory grows on demand",
    "label_column": "the column that holds the labels", "device": "cpu or gpu",
    "other_label_columns": "label-like columns besides the one used (label and labels), with their types",
    "empty_columns": "columns with no value in any row",
}
# what building the subject tells, before any check runs: the rows, the tokenizer, the model's own config
SUBJECT: dict[str, str] = {
    "n_rows": "rows examined", "rows_total": "rows in the split (a sample of n_rows is examined)",
    "rows_without_text": "text column -> rows with no text",
    "tokenizer_size": "len(tokenizer), added tokens included", "pretokenized": "the data holds input_ids",
    "tokens_per_row_before": "median tokens per row without truncation", "tokens_per_row_after": "... with it",
    "tokens_p95_before": "95th percentile of tokens per row without truncation",
    "rows_truncated": "rows truncation cut", "truncated_fraction": "their share",
    "tokens_cut_fraction": "share of all tokens truncation cut",
    "batch_error": "building a batch as the pipeline does raised this",
    "model_class": "the model's class", "num_labels": "the model's outputs",
    "embedding_rows": "rows of the model's input embedding", "max_positions": "the model's position embeddings",
}
# what the doctor itself keeps of a checkup
KEPT: dict[str, str] = {"check_seconds": "check -> seconds it took in the worker"}
DERIVED_FROM = ("batch", "forward", "initial_loss", "step", "eager")  # each `*_error` gives *_symptom and *_line

_SPECS = (
    CheckSpec("columns", 10, "data", "the inputs the model's call takes", {
        "batch_keys": "the first batch's keys", "accepted_inputs": "what the model's call takes (None: any)",
        "unexpected_inputs": "batch keys the model's call does not take", "n_unexpected_inputs": "how many",
        "missing_inputs": "inputs the model's call requires that the batch lacks", "n_missing_inputs": "how many"},
        ("batch_keys", "accepted_inputs", "unexpected_inputs", "missing_inputs"), _MODEL_RUNS),
    CheckSpec("labels", 20, "data", "labels present, integer ids", {
        "label_kind": "'int', 'float', 'string' or 'missing'",
        "label_names": "class names (a ClassLabel's, or the distinct string labels)",
        "n_classes": "classes the labels index (largest id + 1; distinct values for strings)",
        "classes_present": "distinct labels present", "label_min": "smallest label", "label_max": "largest label",
        "label_histogram": "rows per label", "majority_fraction": "share of the most frequent label",
        "label_names_numeric": "string labels that are all numbers ('0', '1'): ids written as text",
        "rows_negative": "rows with a negative label", "negative_labels": "the negative label values",
        "ids_absent": "ids from 0 to the largest that no row has"},
        ("label_column", "label_kind", "label_min", "label_max", "n_classes", "classes_present", "label_names",
         "label_names_numeric", "rows_negative", "negative_labels", "ids_absent", "other_label_columns"),
        ("class_balance", "labels_vs_text") + _MODEL_RUNS),
    CheckSpec("class_balance", 30, "data", "rows per class", shown=("label_histogram", "majority_fraction"),
              explains=("labels_vs_text",), measured=False),
    CheckSpec("example", 40, "data", "a decoded example, every text column in it", {
        "first_example_ids": "the first row's token ids", "first_example_decoded": "... decoded",
        "first_example_label": "its label", "text_columns": "columns of text the data holds",
        "unused_text_columns": "text columns absent from the inputs", "n_unused_text_columns": "how many",
        "truncated_text_columns": "text columns truncation cut out of the inputs (the untruncated rows hold them)",
        "text_args": "the tokenizer arguments that pass every text column"},
        ("first_example_decoded", "first_example_label", "text_columns", "unused_text_columns",
         "truncated_text_columns", "empty_columns", "rows_without_text"),
        ("labels_vs_text", "token_ids", "overfit", "learning_rate")),
    CheckSpec("labels_vs_text", 50, "data", "labels that follow their inputs", {
        "labels_follow_inputs": "a bag-of-tokens baseline predicts held-out labels above chance (None: cannot tell)",
        "baseline_accuracy": "that baseline's held-out accuracy", "chance_accuracy": "the majority class's share",
        "baseline_rows": "the held-out rows it was scored on"},
        ("labels_follow_inputs", "baseline_accuracy", "chance_accuracy", "baseline_rows")),
    CheckSpec("batches", 60, "data", "batches as the pipeline builds them", {
        "batch_shape": "the first batch's input_ids shape", "padded": "the batch is padded"},
        ("batch_shape", "padded", "batch_line")),
    CheckSpec("token_ids", 70, "data", "token ids within the embedding", {
        "max_token_id": "the largest token id", "longest_row": "tokens in the longest row",
        "ids_beyond_embedding": "rows with a token id >= the embedding's rows",
        "rows_beyond_positions": "rows longer than the position embeddings"},
        ("max_token_id", "embedding_rows", "tokenizer_size", "ids_beyond_embedding", "longest_row", "max_positions",
         "rows_beyond_positions", "tokens_per_row_before", "tokens_per_row_after", "tokens_p95_before",
         "rows_truncated", "truncated_fraction", "tokens_cut_fraction"), _MODEL_RUNS),
    CheckSpec("num_labels", 80, "model vs data", "outputs vs the classes present", {
        "labels_out_of_range": "labels >= num_labels (or < 0)", "surplus_outputs": "num_labels - n_classes",
        "outputs_probabilities": "the model's outputs are probabilities (in [0, 1], rows summing to 1)",
        "output_width": "the width of the model's outputs", "n_params": "the model's parameters",
        "forward_error": "the untrained model's forward pass on the first batch raised this"},
        ("num_labels", "n_classes", "labels_out_of_range", "surplus_outputs", "forward_line"),
        ("initial_loss", "overfit", "learning_rate", "eager")),
    CheckSpec("loss_vs_outputs", 90, "model vs data", "logits vs the loss's from_logits",
              shown=("loss", "loss_from_logits", "outputs_probabilities"),
              explains=("initial_loss", "overfit", "learning_rate"), measured=False),
    CheckSpec("labels_and_loss", 100, "model vs data", "where the labels go vs the loss",
              shown=("label_placement", "loss"), explains=("initial_loss", "overfit", "learning_rate", "eager"),
              measured=False),
    CheckSpec("initial_loss", 110, "initial loss", "loss at initialisation vs ln C", {
        "initial_loss": "mean loss of the untrained model on a few batches", "expected_initial_loss": "ln(n_classes)",
        "initial_loss_ratio": "initial_loss / expected_initial_loss", "initial_loss_error": "computing it raised this",
        "initial_loss_symptom": "initial_loss_error classified with every case's symptom rules ('ok' without error)"
                                "; without one, 'ok', 'initial_loss_off' (over 20 % from ln C) or 'nan_loss'"},
        ("initial_loss", "expected_initial_loss", "initial_loss_ratio", "initial_loss_symptom", "initial_loss_line"),
        ("overfit", "eager")),
    # its first step is the pipeline's graph-mode training step
    CheckSpec("overfit", 120, "overfit one batch", "one batch, the pipeline's own optimizer", {
        "step_error": "the first graph-mode training step raised this", "step_crashed": "it killed the process",
        "graph_error_in_model_code": "that error's traceback reaches the model's or the loss's code",
        "overfit": "'ok' (under the threshold), 'plateau', 'falling' (still falling at the budget), 'nan_loss', "
                   "'not_run'",
        "steps_to_threshold": "steps until the loss fell under the threshold", "overfit_steps_run": "steps run",
        "overfit_slope": "least-squares slope of the second half of its losses, per step",
        "overfit_first_loss": "the first step's loss", "overfit_last_loss": "mean loss of the last 5 steps",
        "overfit_min_loss": "the lowest loss", "overfit_losses": "the loss of every step",
        "overfit_seconds": "seconds its steps took", "overfit_threshold": "the loss that counts as overfitted"},
        ("overfit", "steps_to_threshold", "overfit_steps_run", "overfit_first_loss", "overfit_min_loss",
         "overfit_last_loss", "overfit_threshold", "overfit_slope", "overfit_losses", "step_symptom", "step_line",
         "step_crashed"), ("learning_rate", "eager")),
    CheckSpec("learning_rate", 130, "learning rate", "the rate itself", shown=("optimizer", "learning_rate", "overfit"),
              measured=False),
    CheckSpec("memory", 140, "memory", "GPU memory: growth, a batch that fits", {
        "memory_symptom": "'ok', 'oom' or 'memory_grab'", "process_fraction": "share of the card this process holds",
        "found_batch_size": "the largest batch that fits, from the batch finder", "peak_mib": "TF's peak at the batch",
        "memory_step_error": "the step at the user's batch size raised this (out of memory)"},
        ("memory_symptom", "process_fraction", "peak_mib", "found_batch_size", "memory_growth")),
    CheckSpec("eager", 150, "eager", "a graph-mode error, run eagerly", {
        "eager_error": "the same step run eagerly raised this", "eager_passed": "the step passed eagerly",
        "eager_in_model_code": "the eager error's traceback reaches the model's or the loss's code"},
        ("eager_passed", "eager_symptom", "eager_line", "eager_in_model_code")),
)
ORDERED: tuple[CheckSpec, ...] = tuple(sorted(_SPECS, key=lambda s: s.order))
SPECS: Mapping[str, CheckSpec] = MappingProxyType({s.name: s for s in ORDERED})
NAMES: tuple[str, ...] = tuple(SPECS)
MEASURED: tuple[str, ...] = tuple(s.name for s in ORDERED if s.measured)  # what a worker runs, in order
_STEPS: dict[str, Callable[..., Any]] = {}
_JUDGEMENTS: dict[str, Callable[..., Any]] = {}


def _register(kind: str, table: dict[str, Callable[..., Any]], name: str, allowed: tuple[str, ...]):
    if name not in allowed:
        why = "declared without a step" if name in SPECS else "not declared"
        raise ValueError(f"doctor check {name!r} has no {kind} to register: {why} in harness/spec/checks.py")

    def register(function: Code) -> Code:
        old = table.get(name)
        # the same function again is a module imported anew (importlib.reload); another one is a second definition
        if old is not None and (old.__module__, old.__qualname__) != (function.__module__, function.__qualname__):
            raise ValueError(f"doctor check {name!r} has two {kind}s: {old.__module__}.{old.__qualname__} and "
                             f"{function.__module__}.{function.__qualname__}")
        table[name] = function
        return function

    return register


def measures(name: str) -> Callable[[Code], Code]:
    """Registers the decorated `(subject, facts, budget) -> new facts` as the step of check `name` (worker side)."""
    return _register("step", _STEPS, name, MEASURED)


def judges(name: str) -> Callable[[Code], Code]:
    """Registers the decorated `(facts) -> Judgement` as how the doctor judges check `name`."""
    return _register("judgement", _JUDGEMENTS, name, NAMES)


def step(name: str) -> Callable[..., Any]:
    if name not in _STEPS:
        raise KeyError(f"doctor check {name!r} has no step registered (import harness.train.checkup.measures)")
    return _STEPS[name]


def judgement(name: str) -> Callable[..., Any]:
    if name not in _JUDGEMENTS:
        raise KeyError(f"doctor check {name!r} has no judgement registered (import harness.doctor.checks)")
    return _JUDGEMENTS[name]


def unmeasured() -> list[str]:
    """The checks declared with a step that nothing registered (empty once the steps module is imported)."""
    return [name for name in MEASURED if name not in _STEPS]


def unjudged() -> list[str]:
    """The checks declared that no judgement is registered for (empty once harness.doctor.checks is imported)."""
    return [name for name in NAMES if name not in _JUDGEMENTS]


def facts() -> dict[str, str]:
    """Every fact a sign may test and what it means: described, the subject's, kept, each check's, and those derived
    from each `*_error` (its `*_symptom`, classified with every case's symptom rules, and its `*_line`)."""
    out = {**DESCRIBED, **SUBJECT, **KEPT}
    for spec in ORDERED:
        out.update(spec.facts)
    for base in DERIVED_FROM:
        out.setdefault(f"{base}_symptom", f"{base}_error classified with every case's symptom rules ('ok' without "
                                          f"error)")
        out[f"{base}_line"] = f"the informative line of {base}_error"
    return out


def _hold_together() -> None:
    """The declarations are one registry: names and places unique, a problem explains only later checks, a check
    shows only facts that are declared (a typo here would silently drop a field from --json)."""
    known = facts()
    for i, spec in enumerate(ORDERED):
        later = {s.name for s in ORDERED[i + 1:]}
        if [s.name for s in ORDERED].count(spec.name) > 1 or [s.order for s in ORDERED].count(spec.order) > 1:
            raise ValueError(f"check {spec.name!r}: its name and its order must be unique")
        if set(spec.explains) - later:
            raise ValueError(f"check {spec.name!r} explains {sorted(set(spec.explains) - later)}: not later checks")
        if set(spec.shown) - set(known):
            raise ValueError(f"check {spec.name!r} shows undeclared facts {sorted(set(spec.shown) - set(known))}")


_hold_together()
