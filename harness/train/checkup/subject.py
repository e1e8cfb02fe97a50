"""The subject of a checkup: a user's model, the batches their pipeline feeds it, every row's tokens and label,
and how to compile the model as they do — built from the user's files (in the doctor's worker) or from the
objects a notebook hands over.

From files, the pipeline is fitbench's own (harness/train/pipeline.py) on the user's data and model: their text
columns tokenized with truncation (unless the data already holds `input_ids`), their label column named `labels`
(what a transformers model takes), `to_tf_dataset` with or without the padding collator, `build_model` (a
`save_pretrained` directory through `from_pretrained`), and `compile_model` with their loss and optimizer. Where
their batches cannot be built (rows of different lengths and no collator), the later checks run on padded
batches, so that one bug does not hide the next.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from harness.spec.config import RunConfig
from harness.train.checkup.data import SEARCH_ROWS, text_columns, truncation_facts
from harness.train.failures import describe_error
from harness.train.pipeline import split_batch

MAX_ROWS = 2000     # rows a data check examines (a notebook's dataset is read this far)
LOSS_BATCHES = 2    # batches the initial loss averages over (32 rows: an untrained model's losses barely vary)


@dataclass
class Subject:
    model: Any
    tokenizer: Any | None
    placement: str                                   # "in_dict" | "label_cols": how fit gets the labels
    batches: list[tuple[dict, Any]]                  # the first batches as the model gets them (numpy)
    rows: list[list[int]]                            # every examined row's token ids, unpadded
    labels: list                                     # every examined row's label, as stored
    compile: Callable[[bool], None]                  # compile as the user does; the flag: run eagerly
    label_names: list[str] | None = None
    texts: dict[str, list[str]] = field(default_factory=dict)  # text columns -> their first rows
    facts: dict[str, Any] = field(default_factory=dict)         # what building the subject already told
    outputs: Any = None                              # the untrained model's outputs on the first batch, once asked
    untruncated: list[list[int]] = field(default_factory=list)  # the first rows' ids without truncation

    def fit_args(self, batch: tuple[dict, Any] | None = None) -> tuple[dict, Any]:
        """(x, y) for fit / train_on_batch, as the user passes them: labels inside the dict, or as y."""
        features, labels = batch or self.batches[0]
        if self.placement == "in_dict" and labels is not None:
            return {**features, "labels": labels}, None
        return features, labels


def _numpy(batch) -> tuple[dict, Any]:
    features, labels = split_batch(batch)
    return ({k: np.asarray(v) for k, v in features.items()}, None if labels is None else np.asarray(labels))


def take_batches(dataset, n: int) -> tuple[list[tuple[dict, Any]], dict | None]:
    """The first `n` batches as numpy, or the error taking the first one raised."""
    out = []
    try:
        for batch in dataset.take(n):
            out.append(_numpy(batch))
    except Exception as exc:  # a ragged batch, a missing column: what the user's fit would meet first
        if not out:
            return [], describe_error(exc)
    return out, None


def _tokenized(split, tokenizer, text: list[str], max_length: int | None) -> tuple[Any, dict[str, Any]]:
    """The split tokenized as the user's `map` does, and what truncation cut (tokens per row before, after)."""
    if "input_ids" in split.column_names:
        return split, {}  # the user's own tokenization, checked as it is

    def preprocess_function(examples):
        return tokenizer(*[examples[c] for c in text], truncation=True, max_length=max_length)

    def lengths(examples):  # the same call without truncation: how long the rows really are
        return {"_untruncated": [len(x) for x in tokenizer(*[examples[c] for c in text])["input_ids"]]}

    tokenized = split.map(preprocess_function, batched=True)
    before = split.map(lengths, batched=True, remove_columns=split.column_names)["_untruncated"]
    return tokenized, truncation_facts(before, [len(r) for r in tokenized["input_ids"]])


def untruncated_rows(split, tokenizer, text: list[str], n: int) -> list[list[int]]:
    """The first rows' ids without truncation: a text column missing from the inputs may only have been cut."""
    if "input_ids" in split.column_names or not text:
        return []
    head = split.select(range(min(n, len(split))))
    return [list(r) for r in tokenizer(*[list(head[c]) for c in text])["input_ids"]]


def _without_text(split, text: list[str]) -> tuple[Any, dict[str, int]]:
    """Rows whose text cell is empty (None, from an empty CSV cell) break the tokenizer's batch call with
    "TextEncodeInput must be Union[...]": counted per column, and left out so the other checks still run."""
    if "input_ids" in split.column_names:
        return split, {}
    missing = {c: sum(1 for v in split[c] if v is None) for c in text}
    missing = {c: n for c, n in missing.items() if n}
    if missing:
        split = split.filter(lambda row: all(row[c] is not None for c in text))
    return split, missing


def _text_samples(split, label: str) -> dict[str, list[str]]:
    strings = [c for c, f in split.features.items()
               if c != label and getattr(f, "dtype", None) in ("string", "large_string")]
    return text_columns({c: split[c][:200] for c in strings})


def from_files(cfg: RunConfig, spec: dict[str, Any]) -> Subject:
    """The user's pipeline from their files (spec: the doctor's description: split, text, label, max_length)."""
    from harness.train.data import EMBEDDED, SyntheticNLIConfig, corpus, load_data
    from harness.train.model import build_model, load_tokenizer
    from harness.train.pipeline import compile_model, to_tf_dataset

    raw = load_data(cfg.data, SyntheticNLIConfig(n_train=cfg.n_train, n_validation=cfg.n_validation, seed=cfg.seed))
    split = raw[spec["split"]] if isinstance(raw, dict) else raw
    total = len(split)
    if total > MAX_ROWS:  # a sample, not the first rows: a file sorted by label would show one class
        split = split.shuffle(seed=cfg.seed).select(range(MAX_ROWS))
    tokenizer = load_tokenizer(cfg.model, corpus(raw) if cfg.model == EMBEDDED else None)
    label = spec["label"]
    feature = split.features[label]
    raw_columns = list(split.column_names)
    split, without_text = _without_text(split, spec["text"])
    texts = _text_samples(split, label)  # after the rows without text are left out: aligned with `rows`
    untruncated = untruncated_rows(split, tokenizer, spec["text"], SEARCH_ROWS)
    split, cut = _tokenized(split, tokenizer, spec["text"], spec.get("max_length"))
    labels = split[label]
    if label != "labels":  # what a transformers model takes; the padding collator would rename "label" itself
        split = split.remove_columns([c for c in ("labels",) if c in split.column_names]).rename_column(label, "labels")
    keep = [c for c in ("input_ids", "attention_mask", "labels") if c in split.column_names]
    split = split.select_columns(keep)
    facts: dict[str, Any] = {"n_rows": len(split), "rows_total": total, "rows_without_text": without_text,
                             "tokenizer_size": len(tokenizer), "pretokenized": "input_ids" in raw_columns, **cut}
    batches, error = take_batches(to_tf_dataset(split, cfg, tokenizer), LOSS_BATCHES)
    if error:  # the user's batches cannot be built: measure the rest on padded ones
        facts["batch_error"] = error
        batches, _ = take_batches(to_tf_dataset(split, cfg.with_overrides({"collate": "padding"}), tokenizer),
                                  LOSS_BATCHES)
    model = build_model(cfg.model, cfg.model_size, cfg.num_labels, len(tokenizer), cfg.seed)
    steps = max(1, total // cfg.batch_size)  # a schedule (create_optimizer) planned for one epoch

    def compile_as_user(eager: bool) -> None:
        compile_model(model, cfg.with_overrides({"run_eagerly": eager}), steps)

    rows = [list(r) for r in split["input_ids"]]
    return Subject(model, tokenizer, cfg.label_placement, batches, rows, list(labels), compile_as_user,
                   label_names=list(getattr(feature, "names", None) or []) or None, texts=texts, facts=facts,
                   untruncated=untruncated)


def _unpadded(features: dict) -> list[list[int]]:
    ids = np.asarray(features.get("input_ids", np.zeros((0, 0), dtype=np.int64)))
    if ids.ndim != 2:
        return []
    mask = np.asarray(features.get("attention_mask", np.ones_like(ids)))
    return [row[m.astype(bool)].tolist() if m.shape == row.shape else row.tolist() for row, m in zip(ids, mask)]


def fresh_optimizer(optimizer):
    """A new optimizer like the user's (a string stays a string), so the checks never step the user's own."""
    if isinstance(optimizer, str) or not hasattr(optimizer, "get_config"):
        return optimizer
    return type(optimizer).from_config(optimizer.get_config())


def from_objects(model, dataset, compile_args: dict[str, Any], tokenizer=None) -> Subject:
    """A notebook's pipeline: the model, the tf.data dataset fit would get, and compile's arguments."""
    batches: list[tuple[dict, Any]] = []
    rows: list[list[int]] = []
    labels: list = []
    facts: dict[str, Any] = {}
    placement = "in_dict"
    try:
        for element in dataset:
            placement = "label_cols" if isinstance(element, (tuple, list)) else "in_dict"
            features, y = _numpy(element)
            if len(batches) < LOSS_BATCHES:
                batches.append((features, y))
            found = _unpadded(features)
            rows.extend(found)
            labels.extend([None] * len(found) if y is None else np.asarray(y).reshape(-1).tolist())
            if len(rows) >= MAX_ROWS:
                break
    except Exception as exc:  # the dataset itself fails: no batch to measure
        facts["batch_error"] = describe_error(exc)
    facts["n_rows"] = len(rows)

    def compile_as_user(eager: bool) -> None:
        args = {**compile_args, "optimizer": fresh_optimizer(compile_args.get("optimizer", "rmsprop"))}
        model.compile(**{**args, "run_eagerly": eager})

    return Subject(model, tokenizer, placement, batches, rows, labels, compile_as_user, facts=facts)


STRING_RATES = {"adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "sgd": 0.01, "adagrad": 1e-3, "nadam": 1e-3}


def compile_facts(compile_args: dict[str, Any]) -> dict[str, Any]:
    """The pipeline facts compile's arguments tell: the optimizer (a string keeps its name: "adam" is Keras'
    string with lr 1e-3) and its rate, the loss and its from_logits (strings are from_logits=False)."""
    optimizer = compile_args.get("optimizer", "rmsprop")
    if isinstance(optimizer, str):
        name, rate = optimizer.lower(), STRING_RATES.get(optimizer.lower())
    else:
        name, config = type(optimizer).__name__, optimizer.get_config()
        rate = config.get("learning_rate")
        if isinstance(rate, dict):  # a schedule: where it starts
            rate = rate.get("config", {}).get("initial_learning_rate")
    loss = compile_args.get("loss")
    if loss is None:
        from_logits = None
    elif isinstance(loss, str):
        from_logits = False
    else:
        from_logits = getattr(loss, "from_logits", None)
        if from_logits is None and hasattr(loss, "get_config"):
            from_logits = loss.get_config().get("from_logits")
        from_logits = bool(from_logits)  # a loss function (sparse_categorical_crossentropy) is from_logits=False
    return {"optimizer": name, "learning_rate": None if rate is None else float(rate),
            "loss": "internal" if loss is None else "keras", "loss_from_logits": from_logits}
