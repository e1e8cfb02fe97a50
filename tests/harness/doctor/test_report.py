"""From facts to the report: each check's judgement, the catalog's diagnoses with their fix filled in, the exit
code, the text and the JSON — on facts written here, so every rule is checked without running a model."""
import json

from harness.doctor.report import assemble
import cases
from harness.doctor.signs import catalog, derive, diagnose, fill, own_symptoms
from harness.doctor.report import FOLDED
from harness.doctor.judgement import FAIL, PASS, SKIP, Judgement

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
    assert r.exit_code == 0 and not r.diagnoses
    assert [x.status for x in r.results if x.check in ("memory", "eager")] == [SKIP, SKIP]
    assert all(x.status == PASS for x in r.results if x.check not in ("memory", "eager"))


def test_two_outputs_for_three_classes_names_the_case_and_fills_the_fix():
    r = report(num_labels=2, labels_out_of_range=30, surplus_outputs=-1, initial_loss_error=GRAPH_ERROR,
               initial_loss_symptom=None, step_error=GRAPH_ERROR, graph_error_in_model_code=False, overfit="not_run",
               eager_error={**GRAPH_ERROR, "message": "Received a label value of 2 which is outside [0, 2)",
                            "surfaced_at": "/site-packages/transformers/modeling_tf_utils.py:313 in hf_compute_loss",
                            "in_model_code": True}, eager_in_model_code=True)
    assert r.exit_code == 1
    assert {"num_labels_mismatch:default_num_labels", "initial_loss:num_labels_2"} <= r.named()
    assert "run_eagerly:graph_error" not in r.named() and "run_eagerly=True" not in r.text()  # eager explains, no fix
    fix = next(d.fix for d in r.diagnoses if d.ref == "num_labels_mismatch:default_num_labels")
    assert fix == "TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=3)"
    text = r.text()
    assert "✗ num_labels" in text and "fitbench run --cases num_labels_mismatch:default_num_labels" in text
    assert text.count(fix) == 1  # the initial loss's diagnosis has the same fix: said once, under the cause
    assert "eagerly: Received a label value of 2" in text and "modeling_tf_utils.py:313" in text
    assert r.result("learning_rate").status == PASS  # 5e-5 needs no overfit to be judged
    assert "(in graph mode: tf_keras/src/utils/traceback_utils.py:70" in text
    # one cause, one ✗: the loss, the overfit and the eager step fail because of it, folded under it
    assert [(x.check, x.because) for x in r.results if x.status == FOLDED] == \
        [("initial_loss", "num_labels"), ("overfit", "num_labels"), ("eager", "num_labels")]
    assert "↳ overfit          because of num_labels above: the first training step fails" in text
    assert text.splitlines()[-1].startswith("1 ✗ (3 more ↳ follow from it)")


CAST = {**GRAPH_ERROR, "type": "UnimplementedError", "message": "Graph execution error:\n\nCast string to int64 is "
        "not supported\n\t [[{{node Cast}}]]"}


def test_string_labels_are_one_problem_with_their_consequences_folded():
    r = report(label_kind="string", label_names=["negative", "positive"], label_names_numeric=False, n_classes=2,
               initial_loss_error=CAST, initial_loss_symptom=None, step_error=CAST, graph_error_in_model_code=False,
               overfit="not_run", eager_error={**CAST, "in_model_code": True}, eager_in_model_code=True)
    assert [x.check for x in r.results if x.status == FAIL] == ["labels"], r.text()
    assert {x.check for x in r.results if x.status == FOLDED} == {"initial_loss", "overfit", "eager"}
    assert r.named() == {"string_labels:label_names"} and "run_eagerly" not in r.text()
    assert r.exit_code == 1


def test_json_statuses_are_words_with_the_measured_facts_as_fields():
    r = report(num_labels=2, labels_out_of_range=30, surplus_outputs=-1, initial_loss_error=GRAPH_ERROR,
               initial_loss_symptom=None, step_error=GRAPH_ERROR, overfit="not_run")
    data = json.loads(json.dumps(r.to_dict()))
    checks = {c["check"]: c for c in data["checks"]}
    assert {c["status"] for c in data["checks"]} <= {"passed", "problem", "not_judged"}
    assert checks["num_labels"]["status"] == "problem" and checks["num_labels"]["because_of"] is None
    assert checks["overfit"]["status"] == "problem" and checks["overfit"]["because_of"] == "num_labels"
    assert checks["labels"]["status"] == "passed" and checks["memory"]["status"] == "not_judged"
    assert checks["num_labels"]["measured"] == {"num_labels": 2, "n_classes": 3, "labels_out_of_range": 30,
                                                "surplus_outputs": -1}
    assert data["problems"] == ["num_labels"]


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
    r = report(label_kind="string", label_names=["contradiction", "entailment", "neutral"], label_names_numeric=False,
               n_unused_text_columns=1,
               unused_text_columns=["hypothesis"], text_args='examples["premise"], examples["hypothesis"]',
               labels_follow_inputs=False)
    assert {"string_labels:label_names", "premise_only:premise_only"} <= r.named()
    assert "bad_labels:shuffled_labels" not in r.named()  # the missing column explains it
    fixes = {d.ref: d.fix for d in r.diagnoses}
    assert fixes["string_labels:label_names"] == \
        "dataset = dataset.cast_column('label', ClassLabel(names=['contradiction', 'entailment', 'neutral']))"
    assert fixes["premise_only:premise_only"] == 'tokenizer(examples["premise"], examples["hypothesis"], ' \
                                                 'truncation=True)'


def test_a_problem_of_the_process_replaces_the_judgement_and_json_is_plain():
    facts = derive(CLEAN, own_symptoms(cases.all_cases()))
    r = assemble("test", facts, {"overfit": Judgement(FAIL, ["crashed: Aborted"])}, catalog(cases.all_cases()), 1.0)
    assert r.result("overfit").evidence == ["crashed: Aborted"] and r.exit_code == 1
    data = json.loads(json.dumps(r.to_dict()))
    assert data["exit_code"] == 1 and [c["check"] for c in data["checks"]][:2] == ["columns", "labels"]


def test_fill_leaves_what_was_not_measured_for_the_user():
    assert fill("batch_size={found_batch_size}", {}) == "batch_size={found_batch_size}"
    assert fill("num_labels={n_classes}", {"n_classes": 3}) == "num_labels=3"
    assert diagnose({}, catalog(cases.all_cases())) == []


def _one_problem(r, check: str) -> str:
    """The one ✗ of a report, at `check`, and its fix as the text says it."""
    assert [x.check for x in r.results if x.status == FAIL] == [check], r.text()
    return r.result(check).fix


def test_diagnoses_from_the_labels_evidence_name_no_case_where_no_sign_holds():
    counted_from_1 = report(label_min=1, label_max=5, n_classes=6, classes_present=5, ids_absent=[0], num_labels=5,
                            labels_out_of_range=120, surplus_outputs=-1, label_histogram={"1": 20, "5": 20})
    assert _one_problem(counted_from_1, "labels") == "dataset = dataset.map(lambda ex: {'label': ex['label'] - 1})"
    assert not counted_from_1.named()  # num_labels_mismatch's fix (num_labels=6) would be wrong here
    assert counted_from_1.result("num_labels").status == FOLDED
    unlabelled = report(label_min=-1, label_max=-1, n_classes=1, classes_present=1, negative_labels=[-1],
                        rows_negative=100, n_rows=100)
    assert "every label is -1" in unlabelled.text() and "['train']" in _one_problem(unlabelled, "labels")
    mixed = report(label_min=-1, negative_labels=[-1], rows_negative=7)
    assert _one_problem(mixed, "labels") == "dataset = dataset.filter(lambda ex: ex['label'] != -1)"
    one_class = report(label_min=0, label_max=0, n_classes=1, classes_present=1, majority_fraction=1.0,
                       surplus_outputs=2, expected_initial_loss=None, initial_loss_symptom=None)
    assert "every row is class 0" in one_class.text() and ".shuffle(seed=0)" in _one_problem(one_class, "labels")
    digits = report(label_kind="string", label_names=["0", "1"], label_names_numeric=True)
    assert _one_problem(digits, "labels") == "dataset = dataset.cast_column('label', Value('int64'))"
    assert not digits.named()


def test_ambiguity_is_said_on_the_passed_line_it_concerns():
    r = report(other_label_columns={"labels": "int64"}, empty_columns=["sentence"])
    assert r.exit_code == 0
    assert "column labels (int64) is there too, unused: --label labels to use it" in r.result("labels").evidence[0]
    assert "column sentence is empty in every row: not used as text" in r.result("example").evidence


def test_text_tokens_and_truncation_diagnoses():
    no_text = report(rows_without_text={"text": 3})
    assert _one_problem(no_text, "example") == "dataset = dataset.filter(lambda ex: ex['text'] is not None)"
    resized = report(ids_beyond_embedding=40, tokenizer_size=102, embedding_rows=100, pretokenized=False)
    assert _one_problem(resized, "token_ids").startswith("model.resize_token_embeddings(len(tokenizer))")
    foreign = report(ids_beyond_embedding=40, tokenizer_size=100, embedding_rows=100, pretokenized=True)
    assert "made by another tokenizer" in foreign.text()
    assert _one_problem(foreign, "token_ids").startswith("tokenizer = AutoTokenizer.from_pretrained(checkpoint)")
    cut = report(tokens_per_row_before=40, tokens_per_row_after=8, tokens_p95_before=52, rows_truncated=100,
                 truncated_fraction=1.0, tokens_cut_fraction=0.8)
    assert _one_problem(cut, "token_ids").startswith("tokenizer(..., truncation=True, max_length=52)")
    assert "tokens per row (median) 40 → 8 after truncation; 100 rows cut (100%), 80% of all tokens" in cut.text()
    assert report(tokens_per_row_before=40, tokens_per_row_after=38, tokens_p95_before=52, rows_truncated=3,
                  truncated_fraction=0.03, tokens_cut_fraction=0.01).exit_code == 0


def test_the_overfit_and_the_rate_say_what_their_numbers_say():
    rose = report(overfit="plateau", steps_to_threshold=None, overfit_first_loss=5.43, overfit_min_loss=1.01,
                  overfit_last_loss=1.6, overfit_steps_run=60, overfit_losses=[5.43, 2.0, 1.01, 1.5, 1.6])
    assert "it fell, then rose: 5.43 → 1.01 (lowest, step 3) → 1.6 (mean of the last 5) in 60 steps" in rose.text()
    flat = report(overfit="plateau", steps_to_threshold=None, overfit_first_loss=1.1, overfit_min_loss=1.05,
                  overfit_last_loss=1.08, overfit_steps_run=60, overfit_slope=-0.00042)
    assert "it does not fall: 1.1 → 1.05 (lowest), last 1.08 in 60 steps; slope of the second half -0.00042 per " \
        "step" in flat.text()
    high = report(optimizer="adam", learning_rate=1e-3, steps_to_threshold=34)
    line = high.result("learning_rate").evidence[0]
    assert high.exit_code == 0 and "one batch overfits with it in 34 steps, so it suits this model" in line
    assert "but" not in line
    chosen = report(optimizer="Adam", learning_rate=0.1, overfit="plateau", steps_to_threshold=None)
    assert not chosen.named() and chosen.result("overfit").status == FAIL  # a rate the user chose: no case
    assert chosen.result("learning_rate").status == FOLDED


def test_a_new_check_is_one_declaration_and_one_judgement(monkeypatch):
    """Declared in harness/spec/checks.py and judged with @judges: the report shows it in its order, with its
    fields in --json, and folds the later checks its problem explains — no edit to report.py."""
    from harness.spec import checks
    from harness.spec.checks import CheckSpec
    from tests.harness.spec.test_checks import declare

    declare(monkeypatch, CheckSpec("tokenizer_case", 75, "data", "the tokenizer lowercases as the model was trained",
                                   {"lowercased": "the tokenizer lowercases"}, shown=("lowercased",),
                                   explains=("overfit",)))

    @checks.judges("tokenizer_case")
    def tokenizer_case(f):
        return Judgement(FAIL, [f"lowercased: {f['lowercased']}"], "AutoTokenizer.from_pretrained(checkpoint)")

    r = report(lowercased=False, overfit="plateau", overfit_steps_run=40, overfit_last_loss=1.1)
    names = [x.check for x in r.results]
    assert names.index("token_ids") + 1 == names.index("tokenizer_case") == names.index("num_labels") - 1
    new = r.result("tokenizer_case")
    assert (new.stage, new.status, new.evidence, new.measured) == ("data", FAIL, ["lowercased: False"],
                                                                  {"lowercased": False})
    assert (r.result("overfit").status, r.result("overfit").because) == (FOLDED, "tokenizer_case")
    assert "✗ tokenizer_case   lowercased: False" in r.text() and r.exit_code == 1
