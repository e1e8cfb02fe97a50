"""The doctor in a notebook: a Keras model and a tf.data dataset built here, compile's arguments handed over; the
same checks run in this process, name the bug and hand the model back as it came."""
import numpy as np
import pytest

from harness.doctor.notebook import examine


@pytest.fixture(scope="module")
def built():
    """A tokenizer, and the synthetic MNLI's first 256 training rows tokenized and padded, as numpy."""
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    raw = synthetic_mnli(SyntheticNLIConfig(n_train=256, n_validation=8))
    tokenizer = embedded_tokenizer(corpus(synthetic_mnli(SyntheticNLIConfig())))  # the embedded default's
    rows = raw["train"]
    enc = tokenizer(list(rows["premise"]), list(rows["hypothesis"]), padding=True, return_tensors="np")
    return tokenizer, dict(enc), np.asarray(rows["label"])


def _model(tokenizer, num_labels):
    from harness.train.model import build_model

    return build_model("embedded", "tiny", num_labels, len(tokenizer), 0)


def test_two_outputs_for_three_classes_in_a_notebook(built):
    import tensorflow as tf

    tokenizer, features, labels = built
    dataset = tf.data.Dataset.from_tensor_slices({**features, "labels": labels}).batch(16)
    model = _model(tokenizer, 2)
    report = examine(model, dataset, {"optimizer": "adam"}, tokenizer=tokenizer, overfit_steps=30)
    assert {"num_labels_mismatch:default_num_labels", "initial_loss:num_labels_2"} <= report.named(), report.text()
    assert report.result("eager").because == "num_labels"  # the eager step's error, folded under its cause
    assert report.exit_code == 1 and report.facts["n_rows"] == 256 and report.facts["label_placement"] == "in_dict"
    assert "from_pretrained(checkpoint, num_labels=3)" in report.text()
    assert "eagerly: Received a label value of 2" in report.text()


def test_a_clean_notebook_pipeline_finds_nothing_and_the_model_comes_back_untouched(built):
    import tensorflow as tf

    tokenizer, features, labels = built
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(16)  # label_cols: (x, y)
    model = _model(tokenizer, 3)
    model(model.dummy_inputs)
    before = [w.copy() for w in model.get_weights()]
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    report = examine(model, dataset, {"optimizer": "adam", "loss": loss}, tokenizer=tokenizer)
    assert report.exit_code == 0 and not report.diagnoses, report.text()
    assert report.result("overfit").status == "✓" and report.facts["label_placement"] == "label_cols"
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # the overfit's steps undone
    assert model.loss is loss


def test_a_keras_3_optimizer_and_a_string_loss_on_logits_are_named(built):
    import keras  # Keras 3: what `from tensorflow.keras.optimizers import Adam` gives on TF >= 2.16 (keras3 cases)
    import tensorflow as tf

    tokenizer, features, labels = built
    dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(16)
    mismatch = examine(_model(tokenizer, 3), dataset, {"optimizer": keras.optimizers.Adam(5e-5)}, tokenizer=tokenizer)
    assert "keras3_optimizer_import:chapter_import_variable_unset" in mismatch.named(), mismatch.text()
    on_logits = examine(_model(tokenizer, 3), dataset, {"optimizer": "adam", "loss": "sparse_categorical_crossentropy"},
                        tokenizer=tokenizer, overfit_steps=40)
    assert {"string_loss_on_logits:string_loss", "initial_loss:from_logits_false"} <= on_logits.named(), \
        on_logits.text()
