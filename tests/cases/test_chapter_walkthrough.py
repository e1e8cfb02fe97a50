"""chapter_walkthrough: what a reader sees at each state of the chapter's script, on CPU, today.

Each test is one step of the strip; together they pin the sequence measured with TF 2.21 / tf-keras 2.21 /
transformers 4.57.6 / datasets 5.0.1. Every record must hold the error's informative line or the loss curve.
"""
import math

import pytest

import cases

CASE = "chapter_walkthrough"
STEPS = [v.name for v in cases.get(CASE).variants]
LABEL_2 = "Received a label value of 2 which is outside the valid range of [0, 2)"


def record(suite_records, variant):
    return suite_records[(CASE, variant)]


def test_the_strip_is_the_chapters_order():
    assert STEPS == ["script_as_printed", "reader_renames_label_to_labels", "collator_pads_and_renames",
                     "compile_without_loss", "num_labels_3", "adam_5e-5", "reader_your_turn_label_cols",
                     "your_turn_from_logits"]


@pytest.mark.parametrize("variant", STEPS)
def test_every_step_records_the_error_line_or_the_loss_curve(suite_records, variant):
    r = record(suite_records, variant)
    if r["error"]:
        assert r["error"]["message"].strip(), r["error"]
    else:
        assert len(r["metrics"]["loss_per_step"]) == r["config"]["steps"]
    assert r["config"]["hooks"]["load_model"] == "cases.chapter_walkthrough:load_checkpoint"


def test_script_as_printed_fails_in_the_data_step(suite_records):
    """Chapter: "No gradients provided". Today the chapter's to_tf_dataset call fails before any model exists."""
    r = record(suite_records, "script_as_printed")
    assert r["observed"] == "data_error" and r["agrees"] is False
    assert r["error"]["message"] == "Column labels not found in dataset!"


def test_renaming_label_without_a_collator_fails_on_the_ragged_batch(suite_records):
    r = record(suite_records, "reader_renames_label_to_labels")
    assert r["observed"] == "data_error"
    assert "all input arrays must have the same shape" in r["error"]["message"]


def test_data_step_made_to_run_meets_num_labels_first(suite_records):
    """With the padding collator the script runs — into the *next* bug: the checkpoint's 2 labels, raised from
    Keras' string loss (transformers moved the labels out of the dict), not "No gradients"."""
    r = record(suite_records, "collator_pads_and_renames")
    assert r["observed"] == "label_out_of_range" and r["agrees"] is False
    assert LABEL_2 in r["error"]["message"]
    assert "compile_utils.py" in r["error"]["message"]  # the node was defined by compile(loss=...)'s loss


def test_compile_without_loss_is_the_chapters_nan_as_a_cpu_error(suite_records):
    """Chapter: loss: nan (GPU). On CPU the loss kernel checks labels; the node is now transformers' own loss."""
    r = record(suite_records, "compile_without_loss")
    assert (r["observed"], r["claim"]) == ("label_out_of_range", "nan_loss")
    assert LABEL_2 in r["error"]["message"] and "hf_compute_loss" in r["error"]["message"]
    assert r["config"]["num_labels"] is None  # the checkpoint's default: 2


def test_num_labels_3_trains_but_stays_high(suite_records):
    r = record(suite_records, "num_labels_3")
    assert r["observed"] == "plateau" and r["agrees"], r["notes"]
    m = r["metrics"]
    assert m["final_loss"] > 0.9 * math.log(3) and m["val_accuracy"] < 0.5
    assert r["config"]["model_size"] == "distilbert" and r["config"]["optimizer"] == "adam"


def test_adam_5e5_gets_somewhere(suite_records):
    r = record(suite_records, "adam_5e-5")
    assert r["observed"] == "ok" and r["fix_works"], r["metrics"].get("loss_per_step")
    m = r["metrics"]
    assert m["final_loss"] < record(suite_records, "num_labels_3")["metrics"]["final_loss"] - 0.3
    assert m["val_accuracy"] > 0.6


def test_your_turn_label_cols_alone_plateaus_high(suite_records):
    """The chapter's hint: label_cols gets gradients, but "learning will ... plateau at a high training loss"."""
    r = record(suite_records, "reader_your_turn_label_cols")
    assert r["observed"] == "plateau" and r["agrees"]
    assert r["metrics"]["final_loss"] > math.log(3)  # the string loss on logits: far above chance's ln 3
    assert r["config"]["label_placement"] == "label_cols"


def test_your_turn_solved_trains_like_the_internal_loss(suite_records):
    r = record(suite_records, "your_turn_from_logits")
    assert r["observed"] == "ok" and r["fix_works"]
    # the same cross-entropy, computed by Keras instead of by the model: the same curve, step for step
    ours, internal = r["metrics"]["loss_per_step"], record(suite_records, "adam_5e-5")["metrics"]["loss_per_step"]
    assert max(abs(a - b) for a, b in zip(ours, internal)) < 1e-3


def test_checkpoint_is_built_like_distilbert_base_uncased(tmp_path, monkeypatch):
    """Built in an empty cache and saved with save_pretrained, config defaults kept: num_labels 2, DistilBERT's
    own shape, the tokenizer's vocabulary, a masked-LM checkpoint like the hub's; built once, then found."""
    from transformers import DistilBertConfig

    from cases.chapter_walkthrough import ensure_checkpoint
    from harness.train.model import embedded_tokenizer

    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path))  # nothing from an earlier run: this test builds it
    tokenizer = embedded_tokenizer(["the premise is a sentence", "the hypothesis is another sentence"])
    path = ensure_checkpoint(tokenizer, seed=0)
    assert path.parent == tmp_path and (path / "tokenizer.json").exists()  # `--model <dir>` can load it whole
    config = DistilBertConfig.from_pretrained(path)
    assert (config.num_labels, config.dim, config.n_layers, config.n_heads) == (2, 768, 6, 12)
    assert config.vocab_size == len(tokenizer)
    assert config.architectures == ["DistilBertForMaskedLM"]  # as the hub checkpoint: no classification head
    built = (path / "config.json").stat().st_mtime_ns
    assert ensure_checkpoint(tokenizer, seed=0) == path and (path / "config.json").stat().st_mtime_ns == built
