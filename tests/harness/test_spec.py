import pytest

import cases
from harness.spec import Case, Variant


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


def test_variant_rejects_unknown_symptom_and_missing_claim():
    with pytest.raises(ValueError, match="not a known symptom"):
        Variant("v", "broken", {}, claims={"cpu": "exploded", "gpu": "ok"}, says="")
    with pytest.raises(ValueError, match="no claim for device 'gpu'"):
        Variant("v", "broken", {}, claims={"cpu": "ok"}, says="")


def test_bad_knob_names_itself():
    with pytest.raises(ValueError, match="no field 'lr'"):
        Variant("v", "fix", {"lr": 1e-3}, claims={"cpu": "ok", "gpu": "ok"}, says="")


def test_config_layers_user_overrides_last():
    v = Variant("v", "fix", {"optimizer": "adam"}, claims={"cpu": "ok", "gpu": "ok"}, says="")
    case = Case("c", "t", "x", (v,), base={"steps": 7, "optimizer": "Adam(5e-5)"})
    cfg = case.config(v, seed=3)
    assert (cfg.steps, cfg.optimizer, cfg.seed) == (7, "adam", 3)
