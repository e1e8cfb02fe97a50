def test_two_labels_for_three_classes_errors_on_cpu(suite_records):
    r = suite_records[("num_labels_mismatch", "default_num_labels")]
    assert r["observed"] == "label_out_of_range" and r["agrees"]
    assert "Received a label value of 2" in r["error"]["message"]
    # the chapter's diagnosis, replayed: config.num_labels is 2 and some labels are >= 2
    assert r["diagnostics"]["diagnosis_num_labels"] == 2
    assert r["diagnostics"]["diagnosis_labels_out_of_range"] > 0
    assert "per_sample_loss_error" in r["diagnostics"]["diagnosis"]


def test_num_labels_3_fixes_it(suite_records):
    r = suite_records[("num_labels_mismatch", "fix_num_labels_3")]
    assert r["observed"] == "ok" and r["fix_works"] and r["agrees"]
    assert r["diagnostics"]["diagnosis_labels_out_of_range"] == 0
