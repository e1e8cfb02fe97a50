"""A side made runnable again from its records: this interpreter where its libraries are the installed ones, an
environment built from its pins where not, its CPUs and thread variables, its config; never another machine's."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from harness.env.describe import describe
from harness.results.records import RunRecord
from harness.verdict.sides import CannotReproduce, side_from_records
from tests.harness.env.fake_environment import fake_factory


def here(**env) -> RunRecord:
    described = describe("cpu")
    described["conditions"] = {"affinity": [0], "threads": {"TF_NUM_INTRAOP_THREADS": "1"}}
    described.update(env)
    return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                     agrees=True, fix_works=True, outcome="completed", env=described,
                     config={"model": "embedded", "data": "embedded", "seed": 3, "n_train": 500})


def test_the_installed_libraries_run_in_this_interpreter_under_the_recorded_conditions():
    side = side_from_records("current", [here()], environment=lambda spec: pytest.fail("nothing to build"))
    assert side.environment.python == Path(sys.executable) and side.conditions.affinity == (0,)
    assert side.conditions.threads == {"TF_NUM_INTRAOP_THREADS": "1"} and side.device == "cpu"
    assert side.args == ("--model", "embedded", "--data", "embedded", "--seed", "3", "--n-train", "500")


def test_other_libraries_are_built_from_their_pins():
    record = here()
    record.env = copy.deepcopy(record.env)
    record.env["versions"].update({"tensorflow": "2.16.1", "tf-keras": "2.16.0", "transformers": "4.46.3"})
    specs = []
    factory = fake_factory(build=lambda reqs: (Path("/env/bin/python"), None))
    side = side_from_records("baseline", [record], environment=lambda spec: (specs.append(spec), factory(spec))[1],
                             light=["rich"])
    assert side.environment.python == Path("/env/bin/python")
    [spec] = specs
    assert spec.pins[:2] == ("tensorflow==2.16.1", "tf-keras==2.16.0") and "transformers==4.46.3" in spec.pins
    assert spec.as_of is False  # its records were resolved against the index of their day, not a release date
    assert "pyarrow<22" in spec.requirements() and "rich" in spec.requirements()
    with pytest.raises(CannotReproduce, match="does not install"):
        side_from_records("baseline", [record], environment=fake_factory(
            build=lambda reqs: (None, "error: No solution found")))


def test_another_machine_cannot_be_re_measured_here():
    with pytest.raises(CannotReproduce, match="other hardware"):
        side_from_records("baseline", [here(cpu="Some Other CPU")])
