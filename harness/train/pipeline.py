"""The chapter's pipeline, step by step, with the knobs the bug cases turn.

Each function is one line of the chapter's script (load, tokenize, `map(batched=True)`, `to_tf_dataset`,
model, `compile`), written as the chapter prints it, so that a case replays the chapter's code and not a
modernised copy. `RunConfig` decides which spelling each step takes, and a case's hooks (harness/train/hooks.py)
run between the steps: after tokenizing, on the training dataset, instead of or after building the model,
and on compile's arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.train import hooks
from harness.spec.config import RunConfig
from harness.train.data import SyntheticNLIConfig, corpus, load_data
from harness.train.model import build_model, load_tokenizer


@dataclass
class Prepared:
    """Everything the chapter has built by the time it calls `model.fit`."""

    tokenizer: Any
    raw: Any          # datasets.DatasetDict, MNLI schema
    tokenized: Any    # after map(preprocess_function, batched=True)
    train: Any        # tf.data.Dataset


def tokenize(raw, tokenizer):
    def preprocess_function(examples):
        return tokenizer(examples["premise"], examples["hypothesis"], truncation=True)

    return raw.map(preprocess_function, batched=True)


def shuffle_labels(raw, seed: int):
    """The "check your data (again)" corruption: labels permuted, text untouched."""
    train = raw["train"]
    labels = np.random.default_rng(seed).permutation(np.asarray(train["label"]))
    raw["train"] = train.remove_columns("label").add_column("label", labels.tolist(), feature=train.features["label"])
    return raw


def to_tf_dataset(split, cfg: RunConfig, tokenizer, shuffle: bool = True):
    """`to_tf_dataset` as the chapter calls it ("chapter") or with a padding collator ("padding")."""
    if cfg.collate == "chapter":
        # literally the chapter's call: the default collate, no padding, "labels" asked for by name
        if cfg.label_placement == "in_dict":
            return split.to_tf_dataset(columns=["input_ids", "labels"], batch_size=cfg.batch_size, shuffle=shuffle)
        return split.to_tf_dataset(columns=["input_ids"], label_cols=["labels"], batch_size=cfg.batch_size,
                                   shuffle=shuffle)
    from transformers import DataCollatorWithPadding

    # the collator pads each batch and renames "label" to "labels", which the chapter's datasets version did itself
    collator = DataCollatorWithPadding(tokenizer, return_tensors="np")
    inputs = ["input_ids", "attention_mask"]
    if cfg.label_placement == "in_dict":
        return split.to_tf_dataset(columns=inputs + ["labels"], batch_size=cfg.batch_size, shuffle=shuffle,
                                   collate_fn=collator)
    return split.to_tf_dataset(columns=inputs, label_cols=["labels"], batch_size=cfg.batch_size, shuffle=shuffle,
                               collate_fn=collator)


def prepare(cfg: RunConfig) -> Prepared:
    """Load data and tokenizer, tokenize, and build the train / validation tf.data pipelines."""
    raw = load_data(cfg.data, SyntheticNLIConfig(n_train=cfg.n_train, n_validation=cfg.n_validation, seed=cfg.seed))
    tokenizer = load_tokenizer(cfg.model, corpus(raw) if cfg.model == "embedded" else None)
    if cfg.shuffle_labels:
        raw = shuffle_labels(raw, cfg.seed)
    tokenized = hooks.call("after_tokenize", tokenize(raw, tokenizer), cfg, tokenizer=tokenizer, raw=raw)
    train = hooks.call("on_dataset", to_tf_dataset(tokenized["train"], cfg, tokenizer), cfg, tokenizer=tokenizer,
                       raw=raw)
    # validation reads tokenized["validation_matched"] directly (procedures.validation_metrics): no tf.data for it
    return Prepared(tokenizer, raw, tokenized, train)


def make_model(cfg: RunConfig, tokenizer):
    model = hooks.call("load_model", None, cfg, tokenizer=tokenizer)  # a case that loads its own checkpoint
    if model is None:
        model = build_model(cfg.model, cfg.model_size, cfg.num_labels, len(tokenizer), cfg.seed)
    return hooks.call("on_model", model, cfg, tokenizer=tokenizer)


def make_optimizer(cfg: RunConfig, num_train_steps: int):
    if cfg.optimizer == "adam":
        if cfg.learning_rate is None:
            return "adam"  # the chapter's string: every argument at its default, lr 1e-3
        import tensorflow as tf

        return tf.keras.optimizers.Adam(cfg.learning_rate)
    if cfg.optimizer == "Adam(5e-5)":
        from tensorflow.keras.optimizers import Adam  # the chapter's import, as printed

        return Adam(cfg.learning_rate or 5e-5)
    from transformers import create_optimizer

    # as the course calls it: linear decay over the whole planned training, no warmup
    optimizer, _schedule = create_optimizer(init_lr=cfg.learning_rate or 5e-5, num_train_steps=num_train_steps,
                                            num_warmup_steps=0)
    return optimizer


def compile_model(model, cfg: RunConfig, num_train_steps: int, steps_per_execution: int = 1) -> None:
    """`model.compile` as the config spells it; `steps_per_execution`: optimizer steps per call into the compiled
    graph (the precision procedure's setting), passed only where it is not Keras' own default of 1."""
    optimizer = make_optimizer(cfg, num_train_steps)
    kwargs = {"optimizer": optimizer, "run_eagerly": cfg.run_eagerly}
    if cfg.jit_compile:
        kwargs["jit_compile"] = True
    if steps_per_execution != 1:
        kwargs["steps_per_execution"] = steps_per_execution
    if cfg.loss == "sparse_categorical_crossentropy":
        kwargs["loss"] = "sparse_categorical_crossentropy"  # the chapter's string: from_logits=False
    elif cfg.loss == "sce_from_logits":
        import tensorflow as tf

        kwargs["loss"] = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kwargs = hooks.call("before_compile", kwargs, cfg)
    model.compile(**kwargs)  # loss="internal": no loss, the model computes its own from the labels in the dict


def split_batch(batch) -> tuple[dict, Any]:
    """(features, labels) from either placement: a dict holding "labels", or an (x, y) pair."""
    if isinstance(batch, (tuple, list)):
        features, labels = batch
        if isinstance(labels, dict):
            labels = labels.get("labels")
        return dict(features) if isinstance(features, dict) else {"input_ids": features}, labels
    features = dict(batch)
    return features, features.pop("labels", None)


def first_batch(dataset):
    """The chapter's `for batch in train_dataset: break`."""
    for batch in dataset:
        return batch
    raise ValueError("the training dataset is empty")
