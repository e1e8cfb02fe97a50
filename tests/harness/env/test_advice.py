"""The advice an environment that cannot run fitbench gets: fitted to the versions it names, None when unknown."""
from harness.env.advice import likely_fix_for


def test_tf_keras_missing_before_keras_3_says_the_variable_is_honoured():
    advice = likely_fix_for("No module named 'tf_keras'", {"tensorflow": "2.15.1"})
    assert advice and "TF 2.15.1 honours TF_USE_LEGACY_KERAS=1" in advice and "tf-keras 2.15" in advice


def test_tf_keras_missing_on_keras_3_names_the_matching_tf_keras():
    advice = likely_fix_for("Keras cannot be imported", {"tensorflow": "2.17.0"})
    assert advice and advice.startswith("tf-keras missing: TF 2.17.0 needs tf-keras 2.17")


def test_transformers_5_and_an_old_release_meeting_new_dependencies():
    assert "transformers<5" in likely_fix_for("cannot import name 'TFAutoModel'", {})
    assert "as of its date" in likely_fix_for("module 'pyarrow' has no attribute 'PyExtensionType'", {})


def test_an_unknown_error_gets_no_advice():
    assert likely_fix_for("Segmentation fault", {"tensorflow": "2.21.0"}) is None
