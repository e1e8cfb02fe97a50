"""The string loss on logits: labels passed the Keras way, loss given as a string (from_logits=False).

Chapter (the "your turn" challenge): training runs, but learning is very slow and plateaus at a high loss,
because the model outputs logits and the string loss expects probabilities. Fix: from_logits=True.
"""
from harness.spec import Case, Sign, Variant

CASE = Case(
    id="string_loss_on_logits",
    title="label_cols + compile(loss='sparse_categorical_crossentropy') on logits",
    chapter="trains, but very slowly, and plateaus at a high training loss",
    base={"optimizer": "adam", "steps": 40, "label_placement": "label_cols"},
    variants=(
        Variant("string_loss", "broken", {"loss": "sparse_categorical_crossentropy"},
                claims={"cpu": "plateau", "gpu": "plateau"},
                says="learning will be very slow and will plateau at a high training loss",
                doctor=Sign("loss_vs_outputs", {"loss_from_logits": ("==", False),
                                                "outputs_probabilities": ("==", False)},
                            fix="loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)")),
        Variant("fix_from_logits", "fix", {"loss": "sce_from_logits"},
                claims={"cpu": "ok", "gpu": "ok"}, says="SparseCategoricalCrossentropy(from_logits=True)"),
    ),
)
