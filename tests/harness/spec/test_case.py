import pytest

import cases
from harness.spec import Case, ErrorRule, Symptom, Variant
from harness.spec.symptoms import classify_error
from harness.spec.symptoms import numbers as symptom_numbers


def test_every_case_module_loads_with_its_own_id_and_valid_knobs():
    loaded = cases.all_cases()
    assert [c.id for c in loaded] == list(cases.CASE_IDS)
    for case in loaded:
        # a bug case replays the bug; the one reference case (precision_modes) only measures
        assert any(v.role == "broken" for v in case.variants) or case.id == "precision_modes", case.id
        for v in case.variants:
            case.config(v)  # resolves without error


def test_unknown_case_names_the_known_ones():
    with pytest.raises(KeyError, match="known: labels_in_dict_keras_loss"):
        cases.get("no_such_case")


def test_case_rejects_unknown_symptom_and_variant_a_missing_claim():
    exploded = Variant("v", "broken", {}, claims={"cpu": "exploded", "gpu": "ok"}, says="")
    with pytest.raises(ValueError, match="variant 'v': claims\\['cpu'\\] is not a known symptom: 'exploded'"):
        Case("c", "t", "x", (exploded,))
    with pytest.raises(ValueError, match="no claim for device 'gpu'"):
        Variant("v", "broken", {}, claims={"cpu": "ok"}, says="")
    with pytest.raises(ValueError, match="measured\\['cpu'\\] is not a symptom name"):
        Variant("v", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="", measured={"cpu": "not a name"})


def test_a_case_declares_a_symptom_of_its_own_with_its_rules():
    own = Symptom("exploded", 100, "the model exploded", (ErrorRule("kaboom"),))
    case = Case("c", "t", "x", (Variant("v", "broken", {}, claims={"cpu": "exploded", "gpu": "ok"}, says=""),),
                symptoms=(own,))
    assert classify_error("RuntimeError", "a kaboom here", case.symptoms) == "exploded"
    assert classify_error("RuntimeError", "a kaboom here") == "error"  # other cases do not know it
    with pytest.raises(ValueError, match="must have a new name and a number >= 100, got 7"):
        Case("c", "t", "x", (), symptoms=(Symptom("exploded", 7, ""),))
    with pytest.raises(ValueError, match="must have a new name"):
        Case("c", "t", "x", (), symptoms=(Symptom("plateau", 101, ""),))


def test_symptom_numbers_are_unique_across_the_core_and_every_case():
    numbers = cases.symptom_numbers()
    assert len(set(numbers.values())) == len(numbers)
    assert numbers["ok"] == 0 and numbers["keras_mismatch"] == 14  # asv's history: core numbers never move
    with pytest.raises(ValueError, match="symptom number 100 used by 'a' and 'b'"):
        symptom_numbers([Symptom("a", 100, ""), Symptom("b", 100, "")])


def test_presentation_is_checked():
    v = Variant("v", "check", {}, claims={"cpu": "ok", "gpu": "ok"}, says="")
    with pytest.raises(ValueError, match="unknown report section 'curve'"):
        Case("c", "t", "x", (v,), sections=("curve",))
    with pytest.raises(ValueError, match="baseline 'fp16' is not one of its variants"):
        Case("c", "t", "x", (v,), baseline="fp16")


def test_bad_knob_names_itself():
    with pytest.raises(ValueError, match="no field 'lr'"):
        Variant("v", "fix", {"lr": 1e-3}, claims={"cpu": "ok", "gpu": "ok"}, says="")


def test_config_layers_user_overrides_last():
    v = Variant("v", "fix", {"optimizer": "adam"}, claims={"cpu": "ok", "gpu": "ok"}, says="")
    case = Case("c", "t", "x", (v,), base={"steps": 7, "optimizer": "Adam(5e-5)"})
    cfg = case.config(v, seed=3)
    assert (cfg.steps, cfg.optimizer, cfg.seed) == (7, "adam", 3)


def test_variant_env_sets_and_unsets():
    v = Variant("v", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="",
                env={"TF_USE_LEGACY_KERAS": None, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert v.env == {"TF_USE_LEGACY_KERAS": None, "TF_CPP_MIN_LOG_LEVEL": "3"}
    assert Variant("w", "fix", {}, claims={"cpu": "ok", "gpu": "ok"}, says="").env == {}


@pytest.mark.parametrize("env,message", [
    ({"TF_USE_LEGACY_KERAS": 1}, "env['TF_USE_LEGACY_KERAS'] must be a str or None"),
    ({"BAD=NAME": "1"}, "env name must be a variable name, got 'BAD=NAME'"),
    ({3: "1"}, "got 3"),
    (["TF_USE_LEGACY_KERAS"], "env must be a dict"),
])
def test_variant_env_errors_name_the_variant_and_the_value(env, message):
    with pytest.raises(ValueError) as err:
        Variant("v", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="", env=env)
    assert "Variant 'v'" in str(err.value) and message in str(err.value)


def test_cases_with_code_name_importable_hooks():
    """Every hook a case names resolves to a function of that case's own module (the case carries its code)."""
    from harness.train.hooks import resolve

    for case in cases.all_cases():
        for v in case.variants:
            for point, target in case.config(v).hooks.items():
                assert target.startswith(f"cases.{case.id}:"), (case.id, v.name, point, target)
                resolve(target)
