"""Check your data (again): labels that do not belong to their text.

The chapter's checks: decode a batch with tokenizer.decode and look at the label histogram (every fit run
records both). With shuffled labels the model cannot learn: the training loss plateaus and validation
stays at chance — while one batch can still be overfitted, which is why overfitting one batch is not a
data check.
"""
from harness.spec import Case, Sign, Variant

CASE = Case(
    id="bad_labels",
    title="training labels shuffled (text and labels do not match)",
    chapter="if the labels are attributed randomly, it's very likely you won't get any model training",
    base={"optimizer": "adam", "steps": 40},
    variants=(
        Variant("shuffled_labels", "broken", {"shuffle_labels": True}, claims={"cpu": "plateau", "gpu": "plateau"},
                says="no training on randomly attributed labels", expect={"val_accuracy": ("<", 0.45)},
                # the inputs do not predict the labels, and no text column is missing from them (premise_only's sign)
                doctor=Sign("labels_vs_text", {"labels_follow_inputs": ("==", False),
                                               "n_unused_text_columns": ("==", 0)},
                            fix="dataset = dataset.shuffle(seed=0)  # rows move with their labels; never permute a "
                                "label column alone")),
        Variant("shuffled_one_batch", "check", {"shuffle_labels": True, "procedure": "overfit", "steps": 60},
                claims={"cpu": "ok", "gpu": "ok"}, says="one batch can be memorised even with wrong labels"),
        Variant("fix_clean_labels", "fix", {}, claims={"cpu": "ok", "gpu": "ok"},
                says="with correct labels the model learns", expect={"val_accuracy": (">", 0.5)}),
    ),
)
