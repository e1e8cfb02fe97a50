"""overfit_one_batch: steps and seconds to the threshold, or never."""


def test_correct_setups_reach_the_threshold(suite_records):
    for name in ("tiny_adam", "fix_distilbert_adam_5e-5"):
        r = suite_records[("overfit_one_batch", name)]
        m = r["metrics"]
        assert r["observed"] == "ok" and r["agrees"], (name, m.get("final_loss"))
        assert 0 < m["steps_to_threshold"] <= r["config"]["steps"] and m["seconds_to_threshold"] > 0
        # the run stops at the threshold: the last recorded loss is the one under it
        assert m["loss_per_step"][m["steps_to_threshold"] - 1] < r["config"]["overfit_threshold"]


def test_adam_string_never_overfits_at_distilbert_shape(suite_records):
    r = suite_records[("overfit_one_batch", "distilbert_adam_string")]
    assert r["observed"] == "plateau" and r["agrees"]
    assert r["metrics"]["steps_to_threshold"] is None and r["metrics"]["seconds_to_threshold"] is None
    assert r["metrics"]["steps_run"] == r["config"]["steps"]
