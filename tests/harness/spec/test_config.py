import pytest

from harness.spec.config import RunConfig


def test_defaults_are_valid_and_round_trip():
    cfg = RunConfig()
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize("field,value", [("optimizer", "sgd"), ("loss", "mse"), ("batch_size", 0),
                                         ("steps", -1), ("num_labels", 0), ("learning_rate", 5.0),
                                         ("device", "tpu"), ("procedure", "train")])
def test_errors_name_the_field_and_the_value(field, value):
    with pytest.raises(ValueError) as err:
        RunConfig(**{field: value})
    assert field in str(err.value) and repr(value) in str(err.value)


def test_unknown_override_is_named():
    with pytest.raises(ValueError, match="no field 'batchsize'"):
        RunConfig().with_overrides({"batchsize": 8})


@pytest.mark.parametrize("hooks,named", [({"on_modle": "cases.x:f"}, "'on_modle'"),
                                         ({"on_model": "cases/x.py:f"}, "'cases/x.py:f'")])
def test_bad_hook_names_the_field_and_the_value(hooks, named):
    with pytest.raises(ValueError) as err:
        RunConfig(hooks=hooks)
    assert "RunConfig.hooks" in str(err.value) and named in str(err.value)
