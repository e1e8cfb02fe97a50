"""Loss at initialisation against ln(num_classes): the chapter's "what should the loss be for a random answer?".

A correct 3-class setup starts near ln 3 ≈ 1.10. A loss that expects probabilities but gets logits
(from_logits=False) starts far off; so does a head with the wrong number of classes (ln 5 with 5).
With num_labels=2 the first batch already fails on CPU and gives NaN on GPU, as in num_labels_mismatch.
"""
from harness.spec import Case, Sign, Variant

OFF = ("==", "initial_loss_off")
NUM_LABELS = "TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels={n_classes})"

CASE = Case(
    id="initial_loss",
    title="initial loss vs ln(num_classes)",
    chapter="if the initial loss is very different from a random predictor's, the loss is computed wrong",
    base={"procedure": "initial_loss", "optimizer": "adam", "extra": {"batches": 4, "rel_tolerance": 0.2}},
    variants=(
        Variant("correct", "check", {}, claims={"cpu": "ok", "gpu": "ok"}, says="initial loss ≈ ln 3"),
        Variant("from_logits_false", "broken", {"label_placement": "label_cols",
                                                "loss": "sparse_categorical_crossentropy"},
                claims={"cpu": "initial_loss_off", "gpu": "initial_loss_off"},
                says="a string loss on logits: the initial loss is not ln 3",
                doctor=Sign("initial_loss", {"initial_loss_symptom": OFF, "loss_from_logits": ("==", False)},
                            fix="loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)")),
        Variant("num_labels_5", "broken", {"num_labels": 5},
                claims={"cpu": "initial_loss_off", "gpu": "initial_loss_off"}, says="5 outputs: starts near ln 5",
                expect={"initial_loss_ratio": (">", 1.3)},
                doctor=Sign("initial_loss", {"initial_loss_symptom": OFF, "surplus_outputs": (">", 0)},
                            fix=NUM_LABELS)),
        Variant("num_labels_2", "broken", {"num_labels": None},
                claims={"cpu": "label_out_of_range", "gpu": "nan_loss"},
                says="2 outputs for 3 classes: NaN (GPU) / label error (CPU) on the first batch",
                doctor=Sign("initial_loss", {"labels_out_of_range": (">", 0), "label_min": ("==", 0),
                                             "initial_loss_symptom": ("in", ("label_out_of_range", "nan_loss"))},
                            fix=NUM_LABELS)),
    ),
)
