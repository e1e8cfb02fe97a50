import math


def test_correct_setup_starts_near_ln3(suite_records):
    r = suite_records[("initial_loss", "correct")]
    assert r["observed"] == "ok"
    assert abs(r["metrics"]["initial_loss"] - math.log(3)) < 0.2 * math.log(3)


def test_from_logits_false_is_off(suite_records):
    r = suite_records[("initial_loss", "from_logits_false")]
    assert r["observed"] == "initial_loss_off" and r["agrees"]


def test_five_labels_start_near_ln5(suite_records):
    r = suite_records[("initial_loss", "num_labels_5")]
    assert r["observed"] == "initial_loss_off" and r["agrees"]
    assert abs(r["metrics"]["initial_loss"] - math.log(5)) < 0.2


def test_two_labels_fail_on_cpu(suite_records):
    assert suite_records[("initial_loss", "num_labels_2")]["observed"] == "label_out_of_range"
