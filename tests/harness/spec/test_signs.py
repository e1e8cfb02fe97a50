"""Signs: how the doctor recognises a case's bug. Validated on construction (errors name the field and the value),
matched only on facts that were measured, and every case's signs and SeenAs references hold together."""
import pytest

import cases
from harness.spec import SeenAs, Sign, Variant
from harness.spec.signs import CHECK_NAMES, FACTS, holds


def test_sign_rejects_an_unknown_check_fact_operator_or_an_empty_fix():
    with pytest.raises(ValueError, match="Sign.check must be one of .* got 'vibes'"):
        Sign("vibes", {"overfit": ("==", "plateau")}, fix="x")
    with pytest.raises(ValueError, match="unknown fact 'mood'"):
        Sign("overfit", {"mood": ("==", "bad")}, fix="x")
    with pytest.raises(ValueError, match=r"Sign.when\['overfit'\] must be \(operator, value\)"):
        Sign("overfit", {"overfit": ("~", "plateau")}, fix="x")
    with pytest.raises(ValueError, match="'in' needs a tuple"):
        Sign("overfit", {"overfit": ("in", "plateau")}, fix="x")
    with pytest.raises(ValueError, match="Sign.fix must be the fix as a line of code, got ''"):
        Sign("overfit", {"overfit": ("==", "plateau")})
    with pytest.raises(ValueError, match="Sign.when must be a non-empty dict"):
        Sign("overfit", {}, fix="x")
    with pytest.raises(ValueError, match="'nope' is not 'case:variant'"):
        SeenAs(("nope",))
    with pytest.raises(ValueError, match="doctor must be a Sign, a SeenAs or None"):
        Variant("v", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="", doctor="num_labels")


def test_a_fact_not_measured_holds_nothing_and_none_fails_an_ordering():
    when = {"labels_out_of_range": (">", 0)}
    assert holds(when, {"labels_out_of_range": 3})
    assert not holds(when, {"labels_out_of_range": 0})
    assert not holds(when, {})                               # the check did not run: no finding from it
    assert not holds(when, {"labels_out_of_range": None})
    assert holds({"loss_from_logits": ("!=", False)}, {"loss_from_logits": None})  # None is a value for !=
    assert not holds({"loss_from_logits": ("!=", False)}, {"loss_from_logits": False})
    assert holds({"step_symptom": ("in", ("nan_loss", "oom"))}, {"step_symptom": "oom"})
    assert not holds({"learning_rate": (">=", 1e-3)}, {"learning_rate": True})  # a bool is not a number here


def test_every_sign_and_seen_as_of_the_catalog_holds_together():
    by_id = {c.id: c for c in cases.all_cases()}
    signs = 0
    for case in by_id.values():
        for v in case.variants:
            if isinstance(v.doctor, Sign):
                signs += 1
                assert v.role == "broken" and v.doctor.check in CHECK_NAMES and set(v.doctor.when) <= set(FACTS)
            elif isinstance(v.doctor, SeenAs):
                for ref in v.doctor.variants:
                    case_id, name = ref.split(":")
                    assert isinstance(by_id[case_id].variant(name).doctor, Sign), f"{case.id}:{v.name} -> {ref}"
    assert signs >= 10
