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


def here(**env) -> RunRecord:
    described = describe("cpu")
    described["conditions"] = {"affinity": [0], "threads": {"TF_NUM_INTRAOP_THREADS": "1"}}
    described.update(env)
    return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                     agrees=True, fix_works=True, outcome="completed", env=described,
                     config={"model": "embedded", "data": "embedded", "seed": 3, "n_train": 500})


def test_the_installed_libraries_run_in_this_interpreter_under_the_recorded_conditions():
    side = side_from_records("current", [here()], build=lambda reqs: pytest.fail("nothing to build"))
    assert side.python == Path(sys.executable) and side.affinity == [0]
    assert side.threads == {"TF_NUM_INTRAOP_THREADS": "1"}
    assert side.args == ["--device", "cpu", "--model", "embedded", "--data", "embedded", "--seed", "3",
                         "--n-train", "500"]


def test_other_libraries_are_built_from_their_pins():
    record = here()
    record.env = copy.deepcopy(record.env)
    record.env["versions"].update({"tensorflow": "2.16.1", "tf-keras": "2.16.0", "transformers": "4.46.3"})
    built = []
    side = side_from_records("baseline", [record], build=lambda reqs: (built.append(reqs), (Path("/env/py"), None))[1],
                             light=["rich"])
    assert side.python == Path("/env/py")
    assert built[0][:3] == ["tensorflow==2.16.1", "tf-keras==2.16.0", f"keras=={record.env['versions']['keras']}"]
    assert "transformers==4.46.3" in built[0] and "pyarrow<22" in built[0] and "rich" in built[0]
    with pytest.raises(CannotReproduce, match="does not install"):
        side_from_records("baseline", [record], build=lambda reqs: (None, "error: No solution found"))


def test_another_machine_cannot_be_re_measured_here():
    with pytest.raises(CannotReproduce, match="other hardware"):
        side_from_records("baseline", [here(cpu="Some Other CPU")])
