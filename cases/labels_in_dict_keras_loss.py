"""Labels inside the input dict while Keras is asked for a string loss.

Chapter: `ValueError: No gradients provided for any variable`. Its fixes: compile without a loss so the
model's internal loss is used, or move the labels out with `label_cols` and give a from_logits loss.
Measured on transformers 4.57.6: no error any more, because transformers' train_step moves the labels
out of the dict itself — and then the string loss (from_logits=False) is applied to logits. The records
say what each version really does.
"""
from harness.spec import Case, Sign, Variant

CHAPTER = "ValueError: No gradients provided for any variable"

CASE = Case(
    id="labels_in_dict_keras_loss",
    title="labels in the input dict + compile(loss='sparse_categorical_crossentropy')",
    chapter=CHAPTER,
    base={"optimizer": "adam", "steps": 40, "label_placement": "in_dict", "loss": "sparse_categorical_crossentropy"},
    variants=(
        Variant("chapter_literal", "broken", {"collate": "chapter"},
                claims={"cpu": "no_gradients", "gpu": "no_gradients"},
                # datasets >= 2.x no longer renames `label` (measured on CPU and on an H200)
                measured={"cpu": "data_error", "gpu": "data_error"},
                says=CHAPTER + " (the chapter's to_tf_dataset call, exactly as printed)",
                # what it meets first today: batches that cannot be built without a padding collator
                doctor=Sign("batches", {"batch_symptom": ("==", "data_error")},
                            fix='to_tf_dataset(columns=["input_ids", "attention_mask", "labels"], collate_fn='
                                'DataCollatorWithPadding(tokenizer, return_tensors="np"), batch_size=16)')),
        Variant("labels_in_dict", "broken", {},
                claims={"cpu": "no_gradients", "gpu": "no_gradients"},
                # transformers moves the labels out of the dict and the string loss meets logits (CPU and H200)
                measured={"cpu": "plateau", "gpu": "plateau"},
                says=CHAPTER + " (same bug, batches padded by a collator so the data step cannot fail first)",
                doctor=Sign("labels_and_loss", {"label_placement": ("==", "in_dict"), "loss": ("==", "keras")},
                            fix="model.compile(optimizer=optimizer)  # no loss: the model's own, from the labels "
                                "in the dict")),
        Variant("fix_internal_loss", "fix", {"loss": "internal"},
                claims={"cpu": "ok", "gpu": "ok"}, says="model.compile(optimizer='adam'): the model's own loss"),
        Variant("fix_label_cols_from_logits", "fix", {"label_placement": "label_cols", "loss": "sce_from_logits"},
                claims={"cpu": "ok", "gpu": "ok"},
                says="label_cols=['labels'] + SparseCategoricalCrossentropy(from_logits=True)"),
    ),
)
