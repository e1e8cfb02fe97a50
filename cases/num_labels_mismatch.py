"""num_labels=2 (DistilBERT's default) while MNLI's labels go up to 2.

Chapter: `loss: nan`; its diagnosis: reinitialise, take per-sample losses of one batch, find the NaN
indices, see that their labels are all 2, and that `model.config.num_labels` is 2. Measured: NaN on GPU
(H100), but on CPU TensorFlow's loss kernel checks labels and raises InvalidArgumentError ("Received a
label value of 2 which is outside the valid range of [0, 2)"). The diagnosis is replayed in both cases.
"""
from harness.spec import Case, Sign, Variant

FIX = "TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels={n_classes})"

CASE = Case(
    id="num_labels_mismatch",
    title="from_pretrained without num_labels=3 (defaults to 2) on 3-class MNLI",
    chapter="loss: nan — the NaN samples all have label 2, and model.config.num_labels is 2",
    base={"optimizer": "adam", "steps": 40, "loss": "internal", "extra": {"diagnose_nan": True}},
    variants=(
        Variant("default_num_labels", "broken", {"num_labels": None},
                claims={"cpu": "label_out_of_range", "gpu": "nan_loss"},
                says="loss: nan (chapter, GPU); InvalidArgumentError on CPU, where the kernel checks labels",
                expect={"diagnosis_num_labels": ("==", 2), "diagnosis_labels_out_of_range": (">", 0)},
                doctor=Sign("num_labels", {"labels_out_of_range": (">", 0), "label_min": ("==", 0)}, fix=FIX)),
        Variant("fix_num_labels_3", "fix", {"num_labels": 3},
                claims={"cpu": "ok", "gpu": "ok"}, says="from_pretrained(checkpoint, num_labels=3)",
                expect={"diagnosis_num_labels": ("==", 3), "diagnosis_labels_out_of_range": ("==", 0)}),
    ),
)
