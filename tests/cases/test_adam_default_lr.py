"""adam_default_lr at DistilBERT's shape: "adam" (1e-3) plateaus; Adam(5e-5) and create_optimizer learn."""
import math


def test_adam_string_plateaus_at_chance(suite_records):
    r = suite_records[("adam_default_lr", "adam_string")]
    assert r["observed"] == "plateau" and r["agrees"], r["notes"]
    assert r["metrics"]["final_loss"] > 0.9 * math.log(3) and r["metrics"]["val_accuracy"] < 0.5
    assert r["config"]["model_size"] == "distilbert" and r["config"]["optimizer"] == "adam"


def test_both_fixes_learn_on_the_same_budget(suite_records):
    budgets = set()
    for name in ("fix_adam_5e-5", "fix_create_optimizer"):
        r = suite_records[("adam_default_lr", name)]
        assert r["observed"] == "ok" and r["fix_works"], (name, r["metrics"].get("final_loss"))
        assert r["metrics"]["val_accuracy"] > 0.6
        budgets.add((r["config"]["steps"], r["config"]["seed"], r["metrics"]["steps_run"]))
    assert len(budgets) == 1  # a fair comparison: same steps, seed and steps actually run


def test_comparison_curves_are_recorded_per_step(suite_records):
    r = suite_records[("adam_default_lr", "fix_adam_5e-5")]
    losses = r["metrics"]["loss_per_step"]
    assert len(losses) == r["config"]["steps"] and len(r["metrics"]["step_seconds"]) == len(losses)
    assert losses[-1] < losses[0]
