"""TF_USE_LEGACY_KERAS=1 set in Python *after* TensorFlow was imported (a notebook cell, a script's own os.environ).

The usual advice for transformers on TF ≥ 2.16 is "set TF_USE_LEGACY_KERAS=1". Set inside the program after
`import tensorflow`, it half works, which is worse than not at all — measured with TF 2.21:

* the module path `from tensorflow.keras.optimizers import Adam` (the chapter's spelling) was fixed when
  TensorFlow was imported, and is Keras 3: `ValueError: Could not interpret optimizer identifier`;
* the attribute `tf.keras.optimizers.Adam` is resolved lazily at first use, reads the variable then, and is
  tf-keras: it works — until anything runs a `from tensorflow.keras… import`, which rebinds `tf.keras` to
  Keras 3 for the rest of the process (measured: after the chapter's import, the attribute is Keras 3 too).

keras-team/keras#21666 is this report ("I have tried os.environ['TF_USE_LEGACY_KERAS'] = '1' but to no avail",
a TFDistilBert model, tf_keras 2.20); huggingface/hub-docs#1712 gives the variable as the fix without saying when.

The late assignment is code, so it is a `start` hook: it runs in the worker before the worker's own imports
(every variant here has an `env`, so the runner starts a fresh interpreter and TensorFlow is not imported yet).
"""
import os

from harness.spec import Case, Variant

MESSAGE = "ValueError: Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x…>"
UNSET = {"TF_USE_LEGACY_KERAS": None}  # nothing set outside Python: the program sets it itself


def import_tensorflow_then_set(_value, ctx):
    """`import tensorflow as tf` in the first cell, `os.environ["TF_USE_LEGACY_KERAS"] = "1"` in a later one."""
    import tensorflow  # noqa: F401

    os.environ["TF_USE_LEGACY_KERAS"] = "1"


def set_then_import_tensorflow(_value, ctx):
    """The same two lines the other way round: the variable first, then TensorFlow."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow  # noqa: F401


HOOKS = "cases.keras3_late_legacy_env:"

CASE = Case(
    id="keras3_late_legacy_env",
    title="os.environ['TF_USE_LEGACY_KERAS'] = '1' after import tensorflow, then the chapter's Adam import",
    chapter="(after the chapter) the variable set too late: " + MESSAGE,
    base={"optimizer": "Adam(5e-5)", "learning_rate": 1e-3, "steps": 40},
    variants=(
        Variant("set_after_import", "broken", {"hooks": {"start": HOOKS + "import_tensorflow_then_set"}}, env=UNSET,
                claims={"cpu": "keras_mismatch", "gpu": "keras_mismatch"},
                says="measured: the from-import stays Keras 3: " + MESSAGE),
        Variant("fix_set_before_import", "fix", {"hooks": {"start": HOOKS + "set_then_import_tensorflow"}},
                env=UNSET, claims={"cpu": "ok", "gpu": "ok"},
                says="os.environ['TF_USE_LEGACY_KERAS'] = '1' before the first import of tensorflow"),
        # optimizer "adam" with a learning rate is spelt tf.keras.optimizers.Adam(lr) in harness/train/pipeline.py
        Variant("set_after_import_attribute_adam", "fix",
                {"hooks": {"start": HOOKS + "import_tensorflow_then_set"}, "optimizer": "adam"},
                env=UNSET, claims={"cpu": "ok", "gpu": "ok"},
                says="measured: the same late variable, but tf.keras.optimizers.Adam(1e-3) (an attribute, resolved "
                     "at first use, and no from-import before it) is tf-keras's and works"),
    ),
)
