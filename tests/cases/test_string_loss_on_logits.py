import math


def test_string_loss_plateaus_at_ln3(suite_records):
    r = suite_records[("string_loss_on_logits", "string_loss")]
    assert r["observed"] == "plateau" and r["agrees"]
    assert abs(r["metrics"]["final_loss"] - math.log(3)) < 0.05


def test_from_logits_fix_learns(suite_records):
    r = suite_records[("string_loss_on_logits", "fix_from_logits")]
    assert r["observed"] == "ok" and r["fix_works"]
    assert r["metrics"]["final_loss"] < 0.5
