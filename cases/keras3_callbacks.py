"""A Keras callback from `tensorflow.keras.callbacks` handed to a transformers model's `fit` on TF ≥ 2.16.

Without TF_USE_LEGACY_KERAS=1 set before TensorFlow loads, `from tensorflow.keras.callbacks import
EarlyStopping` is Keras 3's EarlyStopping, and tf-keras' `fit` (transformers' TF models are tf-keras models)
asks every callback for tf-keras' private protocol: `AttributeError: 'EarlyStopping' object has no attribute
'_implements_train_batch_hooks'` (measured, TF 2.21 / tf-keras 2.21 / transformers 4.57.6), before the first
step. `compile` takes Keras 3 losses (measured: they train), so the callback is where a script that fixed its
optimizer breaks next.

Users hit it: tensorflow/tensorflow#40548 ("Make keras.callbacks.Callback and tensorflow.keras.callbacks.Callback
mutually compatible"), where a 2024 comment fine-tunes TFBertForSequenceClassification with
`from tensorflow.keras.callbacks import EarlyStopping, ReduceLROnPlateau` and the same Adam import as the
chapter; the same message met keras 2.4 users mixing `keras` and `tf.keras` callbacks (keras-team/keras#14196).

The callback is the user's code, added through the `callbacks` hook; its patience is the whole budget so it
never stops the run: the bug is which Keras it comes from, not its policy. The optimizer is the "adam" string,
which tf-keras resolves itself, so the optimizer import (keras3_optimizer_import) cannot fail first.
"""
from harness.spec import Case, Variant

MESSAGE = "AttributeError: 'EarlyStopping' object has no attribute '_implements_train_batch_hooks'"
UNSET = {"TF_USE_LEGACY_KERAS": None}


def tensorflow_keras_early_stopping(callbacks, ctx):
    from tensorflow.keras.callbacks import EarlyStopping

    return [*callbacks, EarlyStopping(monitor="loss", patience=ctx.cfg.steps)]


def tf_keras_early_stopping(callbacks, ctx):
    from tf_keras.callbacks import EarlyStopping

    return [*callbacks, EarlyStopping(monitor="loss", patience=ctx.cfg.steps)]


HOOKS = "cases.keras3_callbacks:"

CASE = Case(
    id="keras3_callbacks",
    title="fit(callbacks=[EarlyStopping]) from tensorflow.keras.callbacks without TF_USE_LEGACY_KERAS=1 (TF >= 2.16)",
    chapter="(after the chapter) a tf.keras callback is Keras 3's on TF >= 2.16: " + MESSAGE,
    base={"optimizer": "adam", "steps": 40, "hooks": {"callbacks": HOOKS + "tensorflow_keras_early_stopping"}},
    variants=(
        Variant("tensorflow_keras_callback", "broken", {}, env=UNSET,
                claims={"cpu": "keras_mismatch", "gpu": "keras_mismatch"}, says="measured: " + MESSAGE),
        Variant("fix_variable_set_before_python", "fix", {}, env={"TF_USE_LEGACY_KERAS": "1"},
                claims={"cpu": "ok", "gpu": "ok"},
                says="TF_USE_LEGACY_KERAS=1 before Python starts: tensorflow.keras.callbacks is tf-keras's"),
        Variant("fix_callback_from_tf_keras", "fix", {"hooks": {"callbacks": HOOKS + "tf_keras_early_stopping"}},
                env=UNSET, claims={"cpu": "ok", "gpu": "ok"},
                says="from tf_keras.callbacks import EarlyStopping: the model's own Keras"),
    ),
)
