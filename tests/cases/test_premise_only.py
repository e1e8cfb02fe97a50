"""premise_only: the hook-carrying case — a `map` that drops the hypothesis keeps the model at chance."""


def test_premise_only_stays_at_chance_and_the_data_check_shows_why(suite_records):
    r = suite_records[("premise_only", "premise_only")]
    assert r["observed"] == "plateau" and r["agrees"], r["notes"]
    assert r["metrics"]["val_accuracy"] < 0.45
    decoded = r["diagnostics"]["first_example_decoded"]
    assert decoded.startswith("[CLS]") and decoded.count("[SEP]") == 1  # one segment: the premise alone


def test_the_pair_learns_on_the_same_budget(suite_records):
    r = suite_records[("premise_only", "fix_premise_and_hypothesis")]
    assert r["observed"] == "ok" and r["fix_works"]
    assert r["metrics"]["val_accuracy"] > 0.6 and r["diagnostics"]["first_example_decoded"].count("[SEP]") == 2
    assert r["config"]["steps"] == suite_records[("premise_only", "premise_only")]["config"]["steps"]
