"""labels_in_dict_keras_loss: provoked on CPU; what this version really does, and that both fixes work."""
import math

from packaging.version import Version
from transformers import __version__ as transformers_version


def test_chapter_literal_call_fails_in_the_data_step_on_current_datasets(suite_records):
    r = suite_records[("labels_in_dict_keras_loss", "chapter_literal")]
    # datasets >= 2.x no longer renames label -> labels nor pads ragged rows in to_tf_dataset's default collate
    assert r["observed"] == "data_error", r["error"]
    assert "labels" in r["error"]["message"]
    assert r["agrees"] is False


def test_labels_in_dict_with_string_loss(suite_records):
    r = suite_records[("labels_in_dict_keras_loss", "labels_in_dict")]
    if Version(transformers_version) >= Version("4.30"):
        # transformers' train_step moves the labels out of the dict; the string loss then sees logits
        assert r["observed"] == "plateau"
        assert abs(r["metrics"]["final_loss"] - math.log(3)) < 0.05
        assert r["agrees"] is False and any("does not hold" in n for n in r["notes"])
    else:
        assert r["observed"] == "no_gradients"


def test_both_fixes_train(suite_records):
    for name in ("fix_internal_loss", "fix_label_cols_from_logits"):
        r = suite_records[("labels_in_dict_keras_loss", name)]
        assert r["observed"] == "ok" and r["fix_works"] is True, (name, r["metrics"].get("final_loss"))
        assert r["metrics"]["final_loss"] < 0.5
        assert r["metrics"]["val_accuracy"] > 0.6
