"""Hooks: validated in RunConfig, resolved at call time, called at each named point with the pipeline's value.

The hooks used here are functions of this module, named by import path like a case's; the pipeline points are
driven with stand-in models and datasets, so no test here builds a real model.
"""
import json
import re
import subprocess
import sys

import pytest

from harness.train import hooks
from harness.spec.config import HOOK_POINTS, RunConfig

from tests.conftest import ROOT
HERE = "tests.harness.train.test_hooks:"
SEEN: list[tuple[str, object]] = []


def tag(value, ctx):
    SEEN.append((ctx.point, value))
    return {"tagged": value, "seed": ctx.cfg.seed}


def forgets_return(value, ctx):
    value.append("mutated")  # and no return: the slip the contract catches


def stand_in_model(value, ctx):
    assert value is None and ctx.tokenizer == "tok"
    return StubModel()


def rename_model(model, ctx):
    model.name = "renamed by on_model"
    return model


def add_loss(kwargs, ctx):
    return {**kwargs, "loss": "hooked"}


def extra_callback(callbacks, ctx):
    return [*callbacks, "user callback"]


class StubModel:
    name = "stub"

    def compile(self, **kwargs):
        self.compiled_with = kwargs

    def fit(self, dataset, **kwargs):
        self.fit_with = kwargs


class StubDataset:
    def repeat(self):
        return self


def test_every_point_is_documented_in_the_hooks_module():
    for point in HOOK_POINTS:
        assert f"`{point}`" in hooks.__doc__, point


@pytest.mark.parametrize("value,message", [
    ({"after_tokenise": HERE + "tag"}, "unknown point 'after_tokenise'"),
    ({"on_model": "tests.harness.train.test_hooks.tag"}, "RunConfig.hooks['on_model'] must be 'package.module:function', "
                                                   "got 'tests.harness.train.test_hooks.tag'"),
    ({"on_model": "cases.x:"}, "got 'cases.x:'"),
    ({"on_model": 3}, "got 3"),
    (["on_model"], "RunConfig.hooks must be a dict"),
])
def test_config_names_the_bad_hook(value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        RunConfig(hooks=value)


def test_hooks_round_trip_as_plain_json():
    cfg = RunConfig(hooks={"on_model": HERE + "rename_model"})
    assert RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_no_hook_passes_the_value_through():
    value = object()
    assert hooks.call("on_model", value, RunConfig()) is value


def test_hook_gets_value_and_context_and_its_result_goes_on():
    SEEN.clear()
    out = hooks.call("after_tokenize", "tokenized", RunConfig(seed=7, hooks={"after_tokenize": HERE + "tag"}))
    assert out == {"tagged": "tokenized", "seed": 7} and SEEN == [("after_tokenize", "tokenized")]


def test_a_hook_that_returns_none_is_named():
    cfg = RunConfig(hooks={"before_compile": HERE + "forgets_return"})
    with pytest.raises(hooks.HookError, match="forgets_return.*returned None"):
        hooks.call("before_compile", [], cfg)


def test_start_hook_result_is_ignored():
    assert hooks.call("start", None, RunConfig(hooks={"start": HERE + "tag"})) is None


@pytest.mark.parametrize("target,message", [("tests.harness.no_such_module:f", "cannot import"),
                                            (HERE + "no_such_function", "has no function 'no_such_function'")])
def test_unresolvable_target_is_named_when_called(target, message):
    with pytest.raises(hooks.HookError, match=message):
        hooks.call("on_model", StubModel(), RunConfig(hooks={"on_model": target}))


def test_pipeline_model_points():
    from harness.train.pipeline import make_model

    cfg = RunConfig(hooks={"load_model": HERE + "stand_in_model", "on_model": HERE + "rename_model"})
    model = make_model(cfg, "tok")
    assert isinstance(model, StubModel) and model.name == "renamed by on_model"


def test_pipeline_compile_point():
    from harness.train.pipeline import compile_model

    model = StubModel()
    compile_model(model, RunConfig(optimizer="adam", hooks={"before_compile": HERE + "add_loss"}), 1)
    assert model.compiled_with == {"optimizer": "adam", "run_eagerly": False, "loss": "hooked"}


def test_fit_callbacks_point():
    from harness.train.procedures import _fit_steps

    model = StubModel()
    _fit_steps(model, StubDataset(), RunConfig(hooks={"callbacks": HERE + "extra_callback"}), "recorder")
    assert model.fit_with["callbacks"] == ["recorder", "user callback"]


def test_pipeline_data_points(tmp_path, monkeypatch):
    """after_tokenize sees the tokenized DatasetDict (with the tokenizer and raw data); on_dataset the tf.data set."""
    from harness.train.pipeline import prepare

    monkeypatch.setattr(hooks, "call", _recording(hooks.call))
    prep = prepare(RunConfig(n_train=32, n_validation=16, batch_size=8))
    points = {point: (type(value).__name__, sorted(context)) for point, value, context in CALLS}
    assert points["after_tokenize"] == ("DatasetDict", ["raw", "tokenizer"])
    assert "Dataset" in points["on_dataset"][0] and points["on_dataset"][1] == ["raw", "tokenizer"]
    assert "input_ids" in prep.tokenized["train"].column_names


CALLS: list = []


def _recording(real):
    CALLS.clear()

    def call(point, value, cfg, **context):
        CALLS.append((point, value, context))
        return real(point, value, cfg, **context)

    return call


BOOM = """
import json, sys
from harness.launch.worker import run_job
config = {"device": "cpu", "hooks": {"start": "tests.harness.train.test_hooks:report_tensorflow_imported"}}
result = run_job({"config": config, "device": "cpu"}, launcher="spawn")
print(json.dumps(result["error"]))
"""


class StartHookRan(Exception):
    pass


def report_tensorflow_imported(_value, ctx):
    raise StartHookRan(f"tensorflow imported: {'tensorflow' in sys.modules}")


def test_start_hook_runs_in_the_worker_before_tensorflow_is_imported():
    """A fresh interpreter, as the runner starts for a variant with its own env: the hook sees no TensorFlow."""
    proc = subprocess.run([sys.executable, "-c", BOOM], capture_output=True, text=True, cwd=ROOT, timeout=120)
    error = json.loads(proc.stdout.strip().splitlines()[-1])
    assert error["type"] == "StartHookRan" and error["message"] == "tensorflow imported: False"
