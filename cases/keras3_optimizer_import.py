"""The chapter's `from tensorflow.keras.optimizers import Adam`, on TensorFlow ≥ 2.16 without TF_USE_LEGACY_KERAS.

From TF 2.16 on, `tf.keras` is Keras 3 unless TF_USE_LEGACY_KERAS=1 is set *before TensorFlow is imported*;
transformers' TF models are tf-keras (Keras 2) models whatever the variable says. So the chapter's learning-rate
fix hands a Keras 3 optimizer to a tf-keras model, and tf-keras' `compile` cannot read it:
`ValueError: Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x…>`.

transformers ≥ 4.39 sets TF_USE_LEGACY_KERAS=1 itself when its TF modelling code is imported
(huggingface/transformers#29598) — but that module imports TensorFlow first, and the module path
`tensorflow.keras.*` is fixed when TensorFlow is imported: measured with TF 2.21, the from-import still gives
Keras 3 while the attribute `tf.keras.optimizers.Adam`, resolved lazily at first use, gives tf-keras.

Users hit it: huggingface/hub-docs#1712 (the course's chapter 3 `Adam` "not recognized", fixed by setting the
variable), keras-team/keras#21666 (a TFDistilBert model, the same message), tensorflow/tensorflow#64250 (the
same message in a TF tutorial on 2.16.1).

The model is `tiny` and the rate 1e-3 so that a working setup visibly trains in 40 steps; the bug is the import.
"""
from harness.spec import Case, Sign, Variant

MESSAGE = "ValueError: Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x…>"
UNSET = {"TF_USE_LEGACY_KERAS": None}  # the default environment of a fresh `pip install tensorflow tf-keras`


def tf_keras_adam(kwargs, ctx):
    """The import that works however the variable is set: tf-keras' own Adam."""
    from tf_keras.optimizers import Adam

    return {**kwargs, "optimizer": Adam(ctx.cfg.learning_rate or 5e-5)}


CASE = Case(
    id="keras3_optimizer_import",
    title="from tensorflow.keras.optimizers import Adam without TF_USE_LEGACY_KERAS=1 (TF >= 2.16)",
    chapter="(after the chapter) its Adam import is Keras 3's on TF >= 2.16: " + MESSAGE,
    base={"optimizer": "Adam(5e-5)", "learning_rate": 1e-3, "steps": 40},
    variants=(
        Variant("chapter_import_variable_unset", "broken", {}, env=UNSET,
                claims={"cpu": "keras_mismatch", "gpu": "keras_mismatch"},
                says="measured: " + MESSAGE,
                # seen where a notebook hands the doctor its compile arguments: a Keras 3 optimizer fails compile
                doctor=Sign("overfit", {"step_symptom": ("==", "keras_mismatch")},
                            fix="from tf_keras.optimizers import Adam  # the model's own Keras")),
        Variant("fix_variable_set_before_python", "fix", {}, env={"TF_USE_LEGACY_KERAS": "1"},
                claims={"cpu": "ok", "gpu": "ok"},
                says="TF_USE_LEGACY_KERAS=1 in the environment before Python starts: tensorflow.keras is tf-keras"),
        Variant("fix_import_from_tf_keras", "fix",
                {"hooks": {"before_compile": "cases.keras3_optimizer_import:tf_keras_adam"}}, env=UNSET,
                claims={"cpu": "ok", "gpu": "ok"},
                says="from tf_keras.optimizers import Adam: the model's own Keras, whatever the variable"),
    ),
)
