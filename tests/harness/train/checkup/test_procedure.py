"""The worker's loop over the checks (harness/train/checkup/procedure.py): it runs the steps the registry declares
(harness/spec/checks.py), in their order, only those the job names, and a step that raises is said, not fatal —
on a subject and steps written here (no model)."""
from harness.spec import checks
from harness.spec.checks import CheckSpec
from harness.train.checkup.procedure import run_checks
from harness.train.checkup.steps import Budget
from tests.harness.spec.test_checks import declare


def test_a_new_measured_check_runs_in_its_order_with_the_facts_before_it(monkeypatch):
    declare(monkeypatch, CheckSpec("first", 1, "data", "x", {"a": "a fact"}))
    declare(monkeypatch, CheckSpec("second", 2, "data", "x", {"b": "b fact"}))
    declare(monkeypatch, CheckSpec("third", 3, "data", "x", {"c": "c fact"}))
    ran = []

    # registered in the opposite order: the declared order decides, not the registration's
    @checks.measures("third")
    def third(subject, facts, budget):
        ran.append("third")
        return {"c": facts["a"] + 1}

    @checks.measures("second")
    def second(subject, facts, budget):
        raise RuntimeError("the step's own code failed")

    @checks.measures("first")
    def first(subject, facts, budget):
        ran.append("first")
        return {"a": 1}

    done = []
    facts = run_checks(None, ["third", "second", "first"], {}, Budget(),
                       on_done=lambda name, found, error: done.append((name, found, error and error["type"])))
    assert ran == ["first", "third"] and facts == {"a": 1, "c": 2}
    assert done == [("first", {"a": 1}, None), ("second", {}, "RuntimeError"), ("third", {"c": 2}, None)]
    assert run_checks(None, ["third"], {"a": 5}, Budget()) == {"a": 5, "c": 6}  # only the checks the job names
