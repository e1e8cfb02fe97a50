"""The Keras 3 era's bugs: each broken variant runs in the default environment with TF_USE_LEGACY_KERAS unset
for that variant only, and records the real message; each fix trains."""
import pytest

from harness.spec import symptoms

BROKEN = {
    ("keras3_optimizer_import", "chapter_import_variable_unset"):
        "Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x",
    ("keras3_late_legacy_env", "set_after_import"):
        "Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x",
    ("keras3_callbacks", "tensorflow_keras_callback"):
        "'EarlyStopping' object has no attribute '_implements_train_batch_hooks'",
}
FIXES = [("keras3_optimizer_import", "fix_variable_set_before_python"),
         ("keras3_optimizer_import", "fix_import_from_tf_keras"),
         ("keras3_late_legacy_env", "fix_set_before_import"),
         ("keras3_late_legacy_env", "set_after_import_attribute_adam"),
         ("keras3_callbacks", "fix_variable_set_before_python"),
         ("keras3_callbacks", "fix_callback_from_tf_keras")]


def test_measured_messages_classify_as_keras_mismatch():
    for message in BROKEN.values():
        type_name = "AttributeError" if "attribute" in message else "ValueError"
        assert symptoms.classify_error(type_name, message + "7f0a40c06410>") == symptoms.KERAS_MISMATCH
    assert symptoms.VOCABULARY[-1] == symptoms.KERAS_MISMATCH  # appended: asv's stored indices keep meaning


@pytest.mark.parametrize("key", list(BROKEN))
def test_broken_variant_records_the_real_message(suite_records, key):
    r = suite_records[key]
    assert r["observed"] == "keras_mismatch" and r["agrees"], r["error"]
    assert BROKEN[key] in r["error"]["message"]
    assert r["context"]["process_env"] == {"TF_USE_LEGACY_KERAS": None}


@pytest.mark.parametrize("key", FIXES)
def test_fix_trains(suite_records, key):
    r = suite_records[key]
    assert r["observed"] == "ok" and r["fix_works"], (r["error"], r["metrics"].get("final_loss"))
    assert r["metrics"]["val_accuracy"] > 0.6


def test_late_variable_is_a_start_hook_run_before_tensorflow(suite_records):
    r = suite_records[("keras3_late_legacy_env", "set_after_import")]
    assert r["config"]["hooks"]["start"] == "cases.keras3_late_legacy_env:import_tensorflow_then_set"
    assert r["context"]["launcher"] == "spawn"  # a fresh interpreter: the hook's import is the first one


def test_variants_with_their_own_environment_fork_from_a_zygote_of_that_environment(suite_records):
    """TF_USE_LEGACY_KERAS unset before TensorFlow loads: a second zygote imports the libraries once in that
    environment, and the variants that share it are forked there — and still show the bug, which needs the
    variable unset when TensorFlow was imported (the other tests of this file)."""
    unset = [suite_records[("keras3_optimizer_import", "chapter_import_variable_unset")],
             suite_records[("keras3_callbacks", "tensorflow_keras_callback")],
             suite_records[("keras3_callbacks", "fix_callback_from_tf_keras")]]
    for r in unset:
        assert r["context"]["launcher"] == "fork" and r["context"]["process_env"] == {"TF_USE_LEGACY_KERAS": None}
    # transformers sets the variable itself when it is imported, after TensorFlow: tf.keras, resolved later, is
    # tf-keras; the module path `tensorflow.keras.callbacks` was fixed at TF's import and is Keras 3 (the bug)
    assert unset[1]["observed"] == "keras_mismatch" and unset[2]["observed"] == "ok"
