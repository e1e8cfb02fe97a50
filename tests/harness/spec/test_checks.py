"""The doctor's check registry (harness/spec/checks.py): steps and judgements are registered only under declared
names, once each; the declarations hold together; the views the rest of the harness reads come from it."""
from types import MappingProxyType

import pytest

from harness.spec import checks, signs
from harness.spec.checks import CheckSpec


def declare(monkeypatch, spec: CheckSpec) -> None:
    """`spec` added to the registry for one test, as a declaration in _SPECS would add it (tables copied)."""
    ordered = tuple(sorted((*checks.ORDERED, spec), key=lambda s: s.order))
    monkeypatch.setattr(checks, "ORDERED", ordered)
    monkeypatch.setattr(checks, "SPECS", MappingProxyType({s.name: s for s in ordered}))
    monkeypatch.setattr(checks, "NAMES", tuple(s.name for s in ordered))
    monkeypatch.setattr(checks, "MEASURED", tuple(s.name for s in ordered if s.measured))
    monkeypatch.setattr(checks, "_STEPS", dict(checks._STEPS))
    monkeypatch.setattr(checks, "_JUDGEMENTS", dict(checks._JUDGEMENTS))


def test_only_a_declared_check_is_registered_and_only_once(monkeypatch):
    monkeypatch.setattr(checks, "_JUDGEMENTS", dict(checks._JUDGEMENTS))
    monkeypatch.setattr(checks, "_STEPS", dict(checks._STEPS))
    with pytest.raises(ValueError, match="'vibes' has no judgement to register: not declared"):
        checks.judges("vibes")
    with pytest.raises(ValueError, match="'class_balance' has no step to register: declared without a step"):
        checks.measures("class_balance")  # judged from the labels' facts: nothing of its own to measure

    def columns(facts):
        return None

    checks._JUDGEMENTS.pop("columns", None)
    checks.judges("columns")(columns)
    checks.judges("columns")(columns)  # the same function again: its module imported anew, not a second one
    assert checks.judgement("columns") is columns

    def other(facts):
        return None

    with pytest.raises(ValueError, match="'columns' has two judgements: .*columns and .*other"):
        checks.judges("columns")(other)


def test_an_unregistered_check_says_what_to_import(monkeypatch):
    monkeypatch.setattr(checks, "_STEPS", {})
    with pytest.raises(KeyError, match="import harness.train.checkup.measures"):
        checks.step("overfit")
    assert checks.unmeasured() == list(checks.MEASURED)


def test_a_measured_check_declares_facts_and_a_judged_one_none():
    with pytest.raises(ValueError, match="a check with no step measures no facts"):
        CheckSpec("x", 1, "data", "x", {"y": "z"}, measured=False)
    assert [s.name for s in checks.ORDERED if not s.measured] == ["class_balance", "loss_vs_outputs",
                                                                   "labels_and_loss", "learning_rate"]


def test_the_declarations_hold_together(monkeypatch):
    declare(monkeypatch, CheckSpec("late", 999, "data", "x", {"z": "a fact"}, explains=("columns",)))
    with pytest.raises(ValueError, match=r"'late' explains \['columns'\]: not later checks"):
        checks._hold_together()
    monkeypatch.undo()
    declare(monkeypatch, CheckSpec("shows_typo", 999, "data", "x", {"z": "a fact"}, shown=("z", "lable_kind")))
    with pytest.raises(ValueError, match=r"'shows_typo' shows undeclared facts \['lable_kind'\]"):
        checks._hold_together()
    monkeypatch.undo()
    declare(monkeypatch, CheckSpec("twice", 10, "data", "x", {"z": "a fact"}))  # columns is 10
    with pytest.raises(ValueError, match="'columns': its name and its order must be unique"):
        checks._hold_together()


def test_signs_read_the_registry_views():
    assert signs.CHECK_NAMES == checks.NAMES and [c[0] for c in signs.CHECKS] == list(checks.NAMES)
    assert checks.NAMES[:3] == ("columns", "labels", "class_balance")
    # every fact a check declares is one a sign may test, and the derived ones of each *_error fact too
    assert {f for s in checks.ORDERED for f in s.facts} <= set(signs.FACTS)
    assert {"step_symptom", "step_line", "batch_line", "forward_symptom"} <= set(signs.FACTS)
    assert "overfit_losses" in checks.SPECS["overfit"].facts and "n_rows" in checks.SUBJECT
