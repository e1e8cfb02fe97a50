"""From facts to the report: each check's verdict, the catalog's findings with their fix filled in, the exit code,
the text and the JSON — on facts written here, so every rule is checked without running a model."""
import json

from harness.doctor.report import assemble
import cases
from harness.doctor.signs import catalog, derive, fill, findings, own_symptoms
from harness.doctor.verdicts import FAIL, PASS, SKIP, Verdict

CLEAN = {"optimizer": "Adam", "learning_rate": 5e-5, "loss": "internal", "loss_from_logits": None,
         "label_placement": "in_dict", "collate": "padding", "label_column": "label", "device": "cpu",
         "batch_keys": ["attention_mask", "input_ids", "labels"], "accepted_inputs": ["input_ids", "attention_mask",
         "labels"], "n_unexpected_inputs": 0, "n_missing_inputs": 0, "label_kind": "int", "label_min": 0,
         "label_max": 2, "n_classes": 3, "n_rows": 100, "label_histogram": {"0": 30, "1": 35, "2": 35},
         "majority_fraction": 0.35, "labels_follow_inputs": True, "baseline_accuracy": 0.9, "chance_accuracy": 0.35,
         "baseline_rows": 20, "first_example_decoded": "[CLS] a [SEP] b [SEP]", "first_example_label": 1,
         "n_unused_text_columns": 0, "unused_text_columns": [], "batch_shape": [16, 9], "padded": True,
         "max_token_id": 90, "embedding_rows": 100, "longest_row": 12, "max_positions": 128,
         "ids_beyond_embedding": 0, "rows_beyond_positions": 0, "num_labels": 3, "labels_out_of_range": 0,
         "surplus_outputs": 0, "outputs_probabilities": False, "initial_loss": 1.1, "expected_initial_loss": 1.0986,
         "initial_loss_ratio": 1.001, "initial_loss_symptom": "ok", "step_error": None, "overfit": "ok",
         "steps_to_threshold": 40, "overfit_first_loss": 1.1, "overfit_min_loss": 0.09, "overfit_threshold": 0.1,
         "overfit_steps_run": 40}
GRAPH_ERROR = {"type": "InvalidArgumentError", "message": "Graph execution error:\n\nDetected at node x\n"
               "Received a label value of 2 which is outside the valid range of [0, 2).  Label values: 2 0",
               "surfaced_at": "/site-packages/tf_keras/src/utils/traceback_utils.py:70 in error_handler",
               "in_model_code": False}


def report(**changes):
    facts = derive({**CLEAN, **changes}, own_symptoms(cases.all_cases()))
    return assemble("test", facts, {}, catalog(cases.all_cases()))


def test_a_clean_pipeline_passes_and_exits_0():
    r = report()
    assert r.exit_code == 0 and not r.findings
    assert [x.status for x in r.results if x.check in ("memory", "eager")] == [SKIP, SKIP]
    assert all(x.status == PASS for x in r.results if x.check not in ("memory", "eager"))


def test_two_outputs_for_three_classes_names_the_case_and_fills_the_fix():
    r = report(num_labels=2, labels_out_of_range=30, surplus_outputs=-1, initial_loss_error=GRAPH_ERROR,
               initial_loss_symptom=None, step_error=GRAPH_ERROR, graph_error_in_model_code=False, overfit="not_run",
               eager_error={**GRAPH_ERROR, "message": "Received a label value of 2 which is outside [0, 2)",
                            "surfaced_at": "/site-packages/transformers/modeling_tf_utils.py:313 in hf_compute_loss",
                            "in_model_code": True}, eager_in_model_code=True)
    assert r.exit_code == 1
    assert {"num_labels_mismatch:default_num_labels", "initial_loss:num_labels_2", "run_eagerly:graph_error"} <= \
        r.named()
    fix = next(f.fix for f in r.findings if f.ref == "num_labels_mismatch:default_num_labels")
    assert fix == "TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=3)"
    text = r.text()
    assert "✗ num_labels" in text and "fitbench run --cases num_labels_mismatch:default_num_labels" in text
    assert "eagerly: Received a label value of 2" in text and "modeling_tf_utils.py:313" in text
    assert r.result("learning_rate").status == PASS  # 5e-5 needs no overfit to be judged
    assert "(in graph mode: tf_keras/src/utils/traceback_utils.py:70" in text


def test_the_adam_string_is_named_only_where_one_batch_does_not_overfit_and_the_loss_is_not_why():
    plateau = {"optimizer": "adam", "learning_rate": 1e-3, "overfit": "plateau", "steps_to_threshold": None}
    assert "adam_default_lr:adam_string" in report(**plateau).named()
    assert report(**plateau).result("overfit").status == FAIL
    assert "adam_default_lr:adam_string" not in report(**{**plateau, "overfit": "ok"}).named()
    on_logits = report(**plateau, loss="keras", loss_from_logits=False, label_placement="label_cols")
    assert "adam_default_lr:adam_string" not in on_logits.named()
    assert "string_loss_on_logits:string_loss" in on_logits.named()
    falling = report(**{**plateau, "overfit": "falling"})
    assert falling.result("overfit").status == SKIP and falling.exit_code == 0


def test_string_labels_and_a_missing_text_column_name_their_cases():
    r = report(label_kind="string", label_names=["contradiction", "entailment", "neutral"], n_unused_text_columns=1,
               unused_text_columns=["hypothesis"], text_args='examples["premise"], examples["hypothesis"]',
               labels_follow_inputs=False)
    assert {"string_labels:label_names", "premise_only:premise_only"} <= r.named()
    assert "bad_labels:shuffled_labels" not in r.named()  # the missing column explains it
    fixes = {f.ref: f.fix for f in r.findings}
    assert fixes["string_labels:label_names"] == \
        "dataset = dataset.cast_column('label', ClassLabel(names=['contradiction', 'entailment', 'neutral']))"
    assert fixes["premise_only:premise_only"] == 'tokenizer(examples["premise"], examples["hypothesis"], ' \
                                                 'truncation=True)'


def test_a_problem_of_the_process_replaces_the_verdict_and_json_is_plain():
    facts = derive(CLEAN, own_symptoms(cases.all_cases()))
    r = assemble("test", facts, {"overfit": Verdict(FAIL, ["crashed: Aborted"])}, catalog(cases.all_cases()), 1.0)
    assert r.result("overfit").evidence == ["crashed: Aborted"] and r.exit_code == 1
    data = json.loads(json.dumps(r.to_dict()))
    assert data["exit_code"] == 1 and [c["check"] for c in data["checks"]][:2] == ["columns", "labels"]


def test_fill_leaves_what_was_not_measured_for_the_user():
    assert fill("batch_size={found_batch_size}", {}) == "batch_size={found_batch_size}"
    assert fill("num_labels={n_classes}", {"n_classes": 3}) == "num_labels=3"
    assert findings({}, catalog(cases.all_cases())) == []
