"""The Environment interface (harness/env/environment.py) reaching its real adapters: a UvEnvironment resolved
and built by a canned uv under a date bound from a fake index, its suite and variants run by a fake interpreter
that writes records, the bound reaching that interpreter's records, and a `crashed` record where it wrote none."""
from __future__ import annotations

import json

import pytest

from harness.env import describe
from harness.env.environment import CurrentInterpreter, EnvSpec, UvEnvironment
from harness.env.index import IndexUnreachable
from tests.harness.env.test_asof import fake_dates

SPEC = EnvSpec(("transformers==4.24.0", "tensorflow==2.12.1"), ("rich", "numpy"))


def test_a_spec_says_what_is_wrong_with_it():
    with pytest.raises(ValueError, match=r"EnvSpec.pins: 'tensorflow=2.12' is not a requirement"):
        EnvSpec(("tensorflow=2.12",))
    with pytest.raises(ValueError, match="EnvSpec.pins: 'tensorflow==2.12.1' is one string"):
        EnvSpec("tensorflow==2.12.1")
    with pytest.raises(ValueError, match="EnvSpec.as_of: 'yes' is not True or False"):
        EnvSpec((), as_of="yes")
    assert SPEC.requirements() == ["transformers==4.24.0", "tensorflow==2.12.1", "pyarrow<22", "rich", "numpy"]


def test_resolve_and_build_as_of_the_newest_pin(fake_uv):
    env = UvEnvironment(SPEC, fake_dates)
    resolution = env.resolve()
    assert resolution.error is None and resolution.bound.describe()["as_of"] == "2023-07-05T16:57:28Z"
    assert env.build() is None and env.python.name == "python"
    assert json.loads(env.variables()["FITBENCH_RESOLVED_AS_OF"])["set_by"] == "tensorflow 2.12.1"
    [install] = fake_uv.installs()
    assert "--exclude-newer" in install
    assert env.describe()["resolved_as_of"]["as_of"] == "2023-07-05T16:57:28Z"
    today = UvEnvironment(EnvSpec(SPEC.pins, SPEC.light, as_of=False), fake_dates)
    assert today.bound() is None and today.build() is None and today.python != env.python
    assert "--exclude-newer" not in fake_uv.installs()[-1]


def test_an_unresolvable_spec_and_an_undatable_pin(fake_uv):
    bad = UvEnvironment(EnvSpec(("tensorflow==9.0",), (), as_of=False), fake_dates)
    assert "you require tensorflow==9.0" in bad.resolve().error
    assert "you require tensorflow==9.0" in bad.build()
    with pytest.raises(IndexUnreachable):
        UvEnvironment(EnvSpec(("nosuch==1.0",), ()), fake_dates).resolve()


def test_the_bound_reaches_the_suite_and_its_records(fake_uv, fake_python, tmp_path):
    from harness.env.build import write_record

    env = CurrentInterpreter(fake_python)
    write_record(fake_python.parent.parent, ["tensorflow==2.12.1"],
                 UvEnvironment(SPEC, fake_dates).bound())
    code = tmp_path / "code"
    code.mkdir()
    out = tmp_path / "runs.jsonl"
    assert env.run_suite([("initial_loss", "correct")], "cpu", out, code) == 0
    record = env.run_variant("initial_loss:correct", "cpu", out, code)
    assert (record.case, record.observed) == ("initial_loss", "plateau")
    assert record.env["resolved_as_of"]["as_of"] == "2023-07-05T16:57:28Z"
    assert record.env["cwd"] == str(code) and record.env["pythonpath"].split(":")[0] == str(code)


def test_an_inherited_bound_is_not_passed_on(fake_python, tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_RESOLVED_AS_OF", json.dumps({"as_of": "2020-01-01T00:00:00Z"}))
    record = CurrentInterpreter(fake_python).run_variant("initial_loss:correct", "cpu", tmp_path / "r.jsonl")
    assert record.env["resolved_as_of"] is None


def test_a_variant_fitbench_wrote_no_record_for_is_crashed_in_fitbench(fake_python, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_PYTHON_CRASH", "1")
    record = CurrentInterpreter(fake_python).run_variant("initial_loss:correct", "cpu", tmp_path / "r.jsonl")
    assert (record.observed, record.outcome, record.diagnostics) == ("crashed", "crashed", {"failed_in": "fitbench"})
    assert record.error["message"] == "fitbench exited 1: ImportError: numpy.core.multiarray failed to import"


def test_a_worker_describes_its_bound_from_the_variable_or_its_environments_note(tmp_path, monkeypatch):
    monkeypatch.delenv("FITBENCH_RESOLVED_AS_OF", raising=False)
    monkeypatch.setattr(describe.sys, "prefix", str(tmp_path))
    assert describe.resolved_as_of() is None and "resolved_as_of" not in describe.describe("cpu")
    (tmp_path / "fitbench-env.json").write_text(json.dumps({"resolved_as_of": {"as_of": "2023-07-05T16:57:28Z"}}))
    assert describe.describe("cpu")["resolved_as_of"] == {"as_of": "2023-07-05T16:57:28Z"}
    monkeypatch.setenv("FITBENCH_RESOLVED_AS_OF", json.dumps({"as_of": "2024-01-01T00:00:00Z"}))
    assert describe.resolved_as_of() == {"as_of": "2024-01-01T00:00:00Z"}


def test_the_current_interpreter_needs_no_build():
    env = CurrentInterpreter()
    assert env.build() is None and env.describe()["kind"] == "current"
    assert any(p.startswith("numpy==") for p in env.resolve().requirements)
