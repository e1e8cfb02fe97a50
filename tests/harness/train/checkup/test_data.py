"""The data checks' facts and the overfit's outcome, on rows and losses written here (numpy only, no model)."""
import numpy as np
import pytest

from harness.train.checkup import data
from harness.train.checkup.steps import Budget, overfit_outcome


def test_labels_kinds_ranges_and_spread():
    assert data.label_facts([], None) == {"label_kind": "missing"}
    ints = data.label_facts([0, 2, 2, 1], ["a", "b", "c"])
    assert (ints["label_kind"], ints["n_classes"], ints["label_max"], ints["majority_fraction"]) == ("int", 3, 2, 0.5)
    assert ints["label_names"] == ["a", "b", "c"]
    assert data.label_facts([0.0, 1.0], None)["label_kind"] == "int"  # a CSV's 0.0 / 1.0
    assert data.label_facts([0.5, 1.0], None)["label_kind"] == "float"
    names = data.label_facts(["neutral", "entailment", "neutral"], None)
    assert (names["label_kind"], names["label_names"], names["n_classes"]) == ("string", ["entailment", "neutral"], 2)


def test_a_bag_of_tokens_baseline_tells_labels_that_follow_their_text_from_shuffled_ones():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=600).tolist()
    rows = [[1, 10 + y, *rng.integers(20, 60, size=6).tolist(), 2] for y in labels]  # one token decides the label
    assert data.baseline_facts(rows, labels)["labels_follow_inputs"] is True
    shuffled = rng.permutation(labels).tolist()
    out = data.baseline_facts(rows, shuffled)
    assert out["labels_follow_inputs"] is False and out["baseline_accuracy"] < 0.45
    assert data.baseline_facts(rows[:50], labels[:50])["labels_follow_inputs"] is None  # too few rows to tell


def test_ids_past_the_embedding_and_rows_past_the_positions_are_counted():
    out = data.id_facts([[1, 5, 300], [1, 2], [4] * 9], embedding_rows=291, max_positions=8)
    assert (out["max_token_id"], out["ids_beyond_embedding"], out["rows_beyond_positions"]) == (300, 1, 1)


def test_keys_the_model_does_not_take_and_inputs_it_needs():
    out = data.input_facts({"input_ids": 0, "token_type_ids": 0}, ["input_ids", "attention_mask"], ["input_ids"])
    assert out["unexpected_inputs"] == ["token_type_ids"] and out["n_missing_inputs"] == 0
    assert data.input_facts({"attention_mask": 0}, None, ["input_ids"])["missing_inputs"] == ["input_ids"]


def test_a_text_column_absent_from_the_inputs_is_found():
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    raw = synthetic_mnli(SyntheticNLIConfig(n_train=60, n_validation=5))
    tokenizer = embedded_tokenizer(corpus(raw))
    columns = {c: list(raw["train"][c]) for c in ("premise", "hypothesis")}
    texts = data.text_columns(columns)
    both = tokenizer(columns["premise"], columns["hypothesis"])["input_ids"]
    premise = tokenizer(columns["premise"])["input_ids"]
    assert data.unused_text(both, texts, tokenizer) == []
    assert data.unused_text(premise, texts, tokenizer) == ["hypothesis"]
    assert list(data.text_columns({"id": ["a1", "b2"], "s": ["one two three four"] * 2})) == ["s"]


@pytest.mark.parametrize("losses,expected", [
    ([1.1] * 30, "plateau"),
    (list(np.linspace(1.1, 0.4, 30) + 0.01 * np.sin(np.arange(30))), "falling"),
    ([1.1, 1.5, 1.7, 1.3, 1.3, 1.1, 1.05, 1.03, 1.03, 1.03, 1.0, 1.05, 1.03, 1.03, 1.04, 1.05], "plateau"),
    (list(np.linspace(1.11, 1.07, 40) + 0.002 * np.sin(np.arange(40))), "plateau"),  # real slope, 4 % in all
    ([1.1, float("nan")] * 4, "nan_loss"),
    ([1.1, 1.0], "too_short"),
])
def test_overfit_outcome(losses, expected):
    assert overfit_outcome(losses, None) == expected
    assert overfit_outcome(losses, 3) == "ok"


def test_budget_names_its_field():
    with pytest.raises(ValueError, match="Budget.steps must be a number above 0, got 0"):
        Budget(steps=0)


def test_labels_say_what_a_diagnosis_needs_numbers_as_text_negatives_and_absent_ids():
    digits = data.label_facts(["0", "1", "1"], None)
    assert digits["label_kind"] == "string" and digits["label_names_numeric"] is True
    assert data.label_facts(["neutral", "1"], None)["label_names_numeric"] is False
    unlabelled = data.label_facts([-1, 0, 2, -1], None)
    assert (unlabelled["rows_negative"], unlabelled["negative_labels"], unlabelled["ids_absent"]) == (2, [-1], [1])
    from_one = data.label_facts([1, 2, 3, 3], None)
    assert (from_one["label_min"], from_one["ids_absent"], from_one["rows_negative"]) == (1, [0], 0)


def test_truncation_facts_count_rows_cut_and_tokens_lost():
    out = data.truncation_facts([10, 20, 40, 8], [8, 8, 8, 8])
    assert (out["rows_truncated"], out["truncated_fraction"], out["tokens_per_row_before"]) == (3, 0.75, 15)
    assert out["tokens_cut_fraction"] == round(46 / 78, 4) and out["tokens_p95_before"] == 37
    assert data.truncation_facts([], []) == {}


def test_a_text_column_cut_away_by_truncation_is_not_called_unused():
    from harness.train.data import SyntheticNLIConfig, corpus, synthetic_mnli
    from harness.train.model import embedded_tokenizer

    raw = synthetic_mnli(SyntheticNLIConfig(n_train=60, n_validation=5))
    tokenizer = embedded_tokenizer(corpus(raw))
    columns = {c: list(raw["train"][c]) for c in ("premise", "hypothesis")}
    texts = data.text_columns(columns)
    short = tokenizer(columns["premise"], columns["hypothesis"], truncation=True, max_length=8)
    whole = tokenizer(columns["premise"], columns["hypothesis"])["input_ids"]
    features = {"input_ids": np.asarray([r + [0] * (8 - len(r)) for r in short["input_ids"][:2]])}
    out = data.example_facts(features, [0, 1], tokenizer, short["input_ids"], texts, untruncated=whole)
    assert out["truncated_text_columns"] == ["premise", "hypothesis"] and out["unused_text_columns"] == []
    premise_only = tokenizer(columns["premise"])["input_ids"]
    out = data.example_facts(features, [0, 1], tokenizer, premise_only, texts, untruncated=premise_only)
    assert out["unused_text_columns"] == ["hypothesis"] and out["truncated_text_columns"] == []


def test_the_slope_said_beside_the_overfit_is_the_second_half_s():
    from harness.train.checkup.steps import second_half_slope

    assert second_half_slope([2.0, 2.0, 2.0, 1.0, 0.8, 0.6]) == pytest.approx(-0.2)
    assert second_half_slope([1.0] * 5) is None and second_half_slope([1.0] * 6 + [float("nan")]) is None
