"""The chapter as a reader lives it: its script as printed, then its fixes applied one after another.

Every other case replays one bug in isolation, on a model that already has `num_labels=3`. A reader runs the
chapter's script from the top, on `distilbert-base-uncased` (whose config keeps `num_labels=2`), and applies
each fix to the script they already have; one fix uncovers the next bug, and an early bug can surface under a
later one's name. Each variant here is one state of that script, in the chapter's order, and its claim is what
the chapter says the reader sees at that point; `reader_*` variants are what a reader would try where the
chapter leaves them to it. The report shows the variants as a strip: step → what you see today → what the
chapter says.

The script (chapter 8, "Debugging the training pipeline", TensorFlow version):

    tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
    def preprocess_function(examples):
        return tokenizer(examples["premise"], examples["hypothesis"], truncation=True)
    tokenized_datasets = raw_datasets.map(preprocess_function, batched=True)
    train_dataset = tokenized_datasets["train"].to_tf_dataset(
        columns=["input_ids", "labels"], batch_size=16, shuffle=True)
    model = TFAutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(train_dataset)

Offline, the checkpoint is built like `distilbert-base-uncased`: a `DistilBertConfig` with its defaults (768 ×
6 layers, 12 heads, num_labels 2; only the vocabulary is the embedded tokenizer's), random weights, saved once
with `save_pretrained` under fitbench's cache as a masked-LM checkpoint (like the hub's), and loaded by the
`load_model` hook with `TFAutoModelForSequenceClassification.from_pretrained(dir)`, so the classification head
is new and sized by `num_labels` exactly as the chapter's is. `--model NAME` loads NAME instead (the real one
where the hub is reachable). The full shape is needed: the learning-rate step only shows at DistilBERT's size
(README, "Model sizes"); the budget is cut to what keeps each step's symptom clear.
"""
from __future__ import annotations

import os
from pathlib import Path

from harness.spec import Case, SeenAs, Variant

CHECKPOINT = "distilbert-base-uncased"
HOOKS = "cases.chapter_walkthrough:"


def checkpoint_dir(vocab_size: int, seed: int) -> Path:
    from harness import cache_dir

    return cache_dir() / f"walkthrough-{CHECKPOINT}-like-v{vocab_size}-s{seed}"


def ensure_checkpoint(tokenizer, seed: int) -> Path:
    """Build and save the stand-in checkpoint once; concurrent processes never see half of one."""
    path = checkpoint_dir(len(tokenizer), seed)
    if (path / "config.json").exists():
        return path
    import tensorflow as tf
    from transformers import DistilBertConfig, TFDistilBertForMaskedLM

    tf.keras.utils.set_random_seed(seed)
    model = TFDistilBertForMaskedLM(DistilBertConfig(vocab_size=len(tokenizer)))  # every other default kept
    model(model.dummy_inputs)  # create the weights
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))  # a whole checkpoint: `--model <dir>` works with it too
    try:
        tmp.rename(path)
    except OSError:  # another process won the race; its checkpoint is the same
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load_checkpoint(_value, ctx):
    """`TFAutoModelForSequenceClassification.from_pretrained(checkpoint[, num_labels=3])`, as the chapter does."""
    import tensorflow as tf
    from transformers import TFAutoModelForSequenceClassification

    cfg = ctx.cfg
    name = str(ensure_checkpoint(ctx.tokenizer, cfg.seed)) if cfg.model == "embedded" else cfg.model
    tf.keras.utils.set_random_seed(cfg.seed)  # the new head's initialisation, as harness.model seeds its models
    kwargs = {} if cfg.num_labels is None else {"num_labels": cfg.num_labels}
    return TFAutoModelForSequenceClassification.from_pretrained(name, **kwargs)


def rename_label_to_labels(tokenized, ctx):
    """What a reader tries on "Column labels not found": rename the column, keep the chapter's call."""
    return tokenized.rename_column("label", "labels")


NO_GRADIENTS = "ValueError: No gradients provided for any variable"
NAN = "loss: nan — the per-sample losses are NaN exactly where the label is 2; model.config.num_labels is 2"
HIGH = "we're training, but the loss value stays stubbornly high"

# the script as printed; each step below changes only what its fix changes
SCRIPT = {"collate": "chapter", "label_placement": "in_dict", "loss": "sparse_categorical_crossentropy",
          "num_labels": None, "optimizer": "adam"}
PADDED = {"collate": "padding"}                 # DataCollatorWithPadding: pads, and hands "label" over as "labels"
NO_LOSS = {**PADDED, "loss": "internal"}        # fix 1: model.compile(optimizer="adam")
THREE = {**NO_LOSS, "num_labels": 3}            # fix 2: from_pretrained(checkpoint, num_labels=3)
ADAM = {**THREE, "optimizer": "Adam(5e-5)"}     # fix 3: from tensorflow.keras.optimizers import Adam; Adam(5e-5)
YOUR_TURN = {**ADAM, "label_placement": "label_cols"}  # "your turn": labels out of the dict, a Keras loss again


# what `fitbench doctor` names on each step of the script: the bugs the other cases own (its signs live there)
RAGGED, IN_DICT = "labels_in_dict_keras_loss:chapter_literal", "labels_in_dict_keras_loss:labels_in_dict"
TWO, LR, LOGITS = ("num_labels_mismatch:default_num_labels", "adam_default_lr:adam_string",
                   "string_loss_on_logits:string_loss")


def _both(symptom: str) -> dict[str, str]:
    return {"cpu": symptom, "gpu": symptom}


CASE = Case(
    id="chapter_walkthrough",
    title="the chapter's script from the top, its fixes applied cumulatively (distilbert-base-uncased defaults)",
    chapter="No gradients → compile() without a loss → loss: nan → num_labels=3 → loss stays high → Adam(5e-5)",
    # 30 steps: Adam(5e-5) leaves the plateau around step 25 at this shape (adam_default_lr's curves)
    base={"model_size": "distilbert", "steps": 30, "n_validation": 100,
          "hooks": {"load_model": HOOKS + "load_checkpoint"}},
    sections=("strip",),  # the report shows the variants as the steps of one script
    variants=(
        Variant("script_as_printed", "broken", SCRIPT, claims=_both("no_gradients"), measured=_both("data_error"),
                says=NO_GRADIENTS + " (the script as printed)", doctor=SeenAs((RAGGED, IN_DICT, TWO))),
        Variant("reader_renames_label_to_labels", "broken",
                {**SCRIPT, "hooks": {"load_model": HOOKS + "load_checkpoint",
                                     "after_tokenize": HOOKS + "rename_label_to_labels"}},
                claims=_both("no_gradients"), measured=_both("data_error"),
                says=NO_GRADIENTS + " (the reader's own fix of the data step: rename label → labels, no collator)",
                doctor=SeenAs((RAGGED, IN_DICT, TWO))),
        Variant("collator_pads_and_renames", "broken", {**SCRIPT, **PADDED}, claims=_both("no_gradients"),
                measured={"cpu": "label_out_of_range"},
                says=NO_GRADIENTS + " (the data step made to run with the course's DataCollatorWithPadding)",
                doctor=SeenAs((IN_DICT, TWO))),
        Variant("compile_without_loss", "broken", {**SCRIPT, **NO_LOSS}, claims=_both("nan_loss"),
                measured={"cpu": "label_out_of_range"},  # CPU kernels check labels; NaN is the GPU's
                says=NAN + " (fix 1: model.compile(optimizer='adam'))", doctor=SeenAs((TWO,))),
        Variant("num_labels_3", "broken", {**SCRIPT, **THREE}, claims=_both("plateau"),
                says=HIGH + " (fix 2: num_labels=3)", expect={"final_loss": (">", 0.9)}, doctor=SeenAs((LR,))),
        Variant("adam_5e-5", "fix", {**SCRIPT, **ADAM}, claims=_both("ok"),
                says="Now we're getting somewhere! (fix 3: Adam(5e-5))"),
        Variant("reader_your_turn_label_cols", "broken",
                # 10 steps: this loss sits at ln 3 from the first steps on (string_loss_on_logits' curve)
                {**SCRIPT, **YOUR_TURN, "loss": "sparse_categorical_crossentropy", "steps": 10},
                claims=_both("plateau"), doctor=SeenAs((LOGITS,)),
                says="your turn: label_cols gets you gradients, but \"training will still run with this problem, but "
                     "learning will be very slow and will plateau at a high training loss\""),
        Variant("your_turn_from_logits", "fix", {**SCRIPT, **YOUR_TURN, "loss": "sce_from_logits"},
                claims=_both("ok"),
                says="your turn solved: label_cols=['labels'] and SparseCategoricalCrossentropy(from_logits=True)"),
    ),
)
