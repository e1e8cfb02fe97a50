"""Labels that are class names, not ids: `"entailment"` where the loss expects `0`.

Data that did not come from the hub's MNLI often carries its label as text (a CSV export, a hand-made set,
`dataset.map` that looked the names up for a readable print). `to_tf_dataset` happily batches strings, and the
first training step fails deep in the loss: `UnimplementedError: Cast string to int64 is not supported`
(measured, TF 2.21 / tf-keras 2.21 / transformers 4.57.6), raised from Keras' `sparse_categorical_crossentropy`
under transformers' `hf_compute_loss`. The chapter's "check your data" step shows it before the run does: the
decoded batch's label is a word.

No core symptom names this failure, so the case declares its own, `label_dtype`, with the rule that detects
it (harness/spec/symptoms.py: a case's own symptoms are numbered from 100). The fix is the datasets way of
saying what the names mean: `cast_column("label", ClassLabel(names=[...]))`, which maps each name to its id.
This case is the worked example of README's "Adding a case".
"""
from harness.spec import Case, ErrorRule, Sign, Symptom, Variant

NAMES = ["entailment", "neutral", "contradiction"]  # MNLI's own order: the ids the names stand for

LABEL_DTYPE = Symptom(
    "label_dtype", 100, "labels are strings (class names), and the loss cannot cast them to ids",
    (ErrorRule("Cast string to int64 is not supported"), ErrorRule("Cast string to int32 is not supported")))


def labels_as_names(tokenized, ctx):
    """The data as it often arrives: `label` holds "entailment" / "neutral" / "contradiction"."""
    def to_names(batch):
        return {"label": [NAMES[i] for i in batch["label"]]}

    from datasets import Value

    return tokenized.cast_column("label", Value("int64")).map(to_names, batched=True).cast_column(
        "label", Value("string"))


def names_cast_to_ids(tokenized, ctx):
    """The fix: tell datasets what the names are; `ClassLabel` maps each one to its id."""
    from datasets import ClassLabel

    return labels_as_names(tokenized, ctx).cast_column("label", ClassLabel(names=NAMES))


HOOKS = "cases.string_labels:"

CASE = Case(
    id="string_labels",
    title="labels as class names ('entailment') instead of ids (0)",
    chapter="check your data: the decoded batch shows a word where the label id should be",
    base={"optimizer": "adam", "steps": 40},
    symptoms=(LABEL_DTYPE,),
    variants=(
        Variant("label_names", "broken", {"hooks": {"after_tokenize": HOOKS + "labels_as_names"}},
                claims={"cpu": "label_dtype", "gpu": "label_dtype"},
                says="measured: UnimplementedError: Cast string to int64 is not supported, at the first step",
                doctor=Sign("labels", {"label_kind": ("==", "string"), "label_names_numeric": ("==", False)},
                            fix="dataset = dataset.cast_column('{label_column}', ClassLabel(names={label_names}))")),
        Variant("fix_cast_to_class_label", "fix", {"hooks": {"after_tokenize": HOOKS + "names_cast_to_ids"}},
                claims={"cpu": "ok", "gpu": "ok"}, expect={"val_accuracy": (">", 0.6)},
                says="dataset.cast_column('label', ClassLabel(names=[...])): the names become their ids"),
    ),
)
