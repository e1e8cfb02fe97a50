import math

from harness.spec import symptoms as s


def test_error_messages_map_to_symptoms():
    assert s.classify_error("ValueError", "No gradients provided for any variable: [...]") == s.NO_GRADIENTS
    assert s.classify_error("InvalidArgumentError", "Received a label value of 2 which is outside") == \
        s.LABEL_OUT_OF_RANGE
    assert s.classify_error("ResourceExhaustedError", "anything") == s.OOM
    assert s.classify_error("ValueError", "Column labels not found in dataset!") == s.DATA_ERROR
    assert s.classify_error("RuntimeError", "something else") == s.ERROR


def test_losses():
    assert s.classify_losses([1.1, float("nan"), 0.2], 0.9) == s.NAN_LOSS
    assert s.classify_losses([1.1] * 10, 0.9) == s.PLATEAU
    assert s.classify_losses([1.1] * 5 + [0.2] * 5, 0.9) == s.OK


def test_overfit_and_initial_loss():
    assert s.classify_overfit([1.0, 0.01], 2) == s.OK
    assert s.classify_overfit([1.0, 0.9], None) == s.PLATEAU
    assert s.classify_initial_loss(math.log(3) * 1.05, 3, 0.2) == s.OK
    assert s.classify_initial_loss(math.log(5), 3, 0.2) == s.INITIAL_LOSS_OFF


def test_expectations_report_what_failed():
    failed = s.check_expectations({"a": 0.3, "b": None}, {"a": ("<", 0.5), "b": (">", 1), "c": ("==", 2)})
    assert failed == ["b=None (expected > 1)", "c=None (expected == 2)"]


def test_unsupported_environments_are_named_as_such():
    # the real messages: TF >= 2.16 without tf-keras, and transformers 5.x (no TF models)
    assert s.classify_error("ImportError", "Keras cannot be imported. Check that it is installed.") == s.UNSUPPORTED
    assert s.classify_error("ImportError", "cannot import name 'TFDistilBertForSequenceClassification' from "
                            "'transformers' (/x/transformers/__init__.py)") == s.UNSUPPORTED


def test_transformers_without_tf_models_is_unsupported_however_it_is_reached():
    from harness.spec.symptoms import UNSUPPORTED, classify_error

    assert classify_error("AttributeError", "module transformers has no attribute "
                          "TFDistilBertForSequenceClassification") == UNSUPPORTED
    assert classify_error("ImportError", "cannot import name 'TFDistilBertForSequenceClassification' from "
                          "'transformers'") == UNSUPPORTED
