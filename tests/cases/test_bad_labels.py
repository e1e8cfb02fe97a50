def test_shuffled_labels_do_not_train_and_stay_at_chance(suite_records):
    r = suite_records[("bad_labels", "shuffled_labels")]
    assert r["observed"] == "plateau" and r["agrees"], r["notes"]
    assert r["metrics"]["val_accuracy"] < 0.45


def test_one_batch_still_overfits_with_shuffled_labels(suite_records):
    r = suite_records[("bad_labels", "shuffled_one_batch")]
    assert r["observed"] == "ok" and r["metrics"]["steps_to_threshold"] is not None


def test_clean_labels_learn(suite_records):
    r = suite_records[("bad_labels", "fix_clean_labels")]
    assert r["observed"] == "ok" and r["fix_works"] and r["metrics"]["val_accuracy"] > 0.5


def test_every_fit_decodes_a_batch_and_counts_labels(suite_records):
    r = suite_records[("bad_labels", "fix_clean_labels")]
    decoded = r["diagnostics"]["first_example_decoded"]
    assert decoded.startswith("[CLS] the ") and "[SEP]" in decoded
    assert set(r["diagnostics"]["label_histogram"]) == {"0", "1", "2"}
