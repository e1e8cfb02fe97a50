"""The one builder (harness/env/build.py) against a canned uv: what it runs, what it keeps, and what it says when
an installer refuses. A date bound becomes --exclude-newer (and --exclude-newer-package where uv has it)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from pathlib import Path

from harness.env import build
from harness.env.asof import DateBound
from tests.harness.env.conftest import UV_NO_SOLUTION

BOUND = DateBound(datetime(2023, 7, 5, 16, 57, 28, tzinfo=timezone.utc), "tensorflow 2.12.1",
                  {"tf-keras": datetime(2023, 7, 6, tzinfo=timezone.utc)})
REQS = ["transformers==4.24.0", "tensorflow==2.12.1", "pyarrow<22", "rich"]


def test_an_environment_is_made_once_under_its_date_bound(fake_uv):
    python, error = build.build_env(REQS, BOUND)
    assert error is None and python == build.env_dir(REQS, BOUND) / "bin" / "python"
    create, install = [c for c in fake_uv.calls() if c[0] == "venv" or c[:2] == ["pip", "install"]
                       and "--help" not in c]
    assert create[0] == "venv" and create[-1] == str(python.parent.parent)
    assert install[install.index("--exclude-newer") + 1] == "2023-07-05T16:57:28Z"
    assert install[install.index("--exclude-newer-package") + 1] == "tf-keras=2023-07-06T00:00:00Z"
    assert install[-len(REQS):] == REQS
    note = json.loads((python.parent.parent / build.RECORD).read_text())
    assert note["resolved_as_of"]["as_of"] == "2023-07-05T16:57:28Z" and note["requirements"] == REQS
    pth = next(python.parent.parent.glob("lib/python3*/site-packages/fitbench-checkout.pth"))
    assert (build.Path(pth.read_text().strip()) / "harness" / "env" / "build.py").is_file()
    before = len(fake_uv.calls())
    assert build.build_env(REQS, BOUND) == (python, None) and len(fake_uv.calls()) == before  # cached
    assert build.env_dir(REQS, BOUND) != build.env_dir(REQS) != build.env_dir(REQS[:-1], BOUND)


def test_a_set_that_does_not_install_is_remembered_with_uvs_explanation(fake_uv):
    python, error = build.build_env(["tensorflow==9.0", "rich"])
    assert python is None and error == UV_NO_SOLUTION.strip()
    before = len(fake_uv.calls())
    assert build.build_env(["tensorflow==9.0", "rich"]) == (None, error) and len(fake_uv.calls()) == before
    assert build.one_line(error).startswith("error: No solution found when resolving dependencies Because there is no")


def test_check_resolvable_resolves_without_installing(fake_uv):
    assert build.check_resolvable(REQS, BOUND) is None
    assert "you require tensorflow==9.0" in build.check_resolvable(["tensorflow==9.0"])
    assert "you require tensorflow==9.0" in build.install_into(Path("/nowhere/bin/python"), ["tensorflow==9.0"])
    compiles = [c for c in fake_uv.calls() if c[:2] == ["pip", "compile"]]
    assert len(compiles) == 3 and "--exclude-newer" in compiles[0] and "--exclude-newer" not in compiles[1]
    assert not fake_uv.installs()


def test_an_older_uv_takes_no_per_package_bound(fake_uv, monkeypatch):
    monkeypatch.setenv("FAKE_UV_OLD", "1")
    assert build.installer().per_package() is False
    build._help.cache_clear()
    monkeypatch.delenv("FAKE_UV_OLD")
    assert build.installer().per_package() is True


def test_install_into_an_interpreter_someone_else_made_resolves_then_installs_exact_versions(fake_uv, fake_python):
    """asv's pip has already put today's dependencies there, and an installer keeps what satisfies a name: so the
    set is resolved under the bound first, then installed at exactly those versions."""
    error = build.install_into(fake_python, REQS, BOUND, constraints=("tf-keras==2.18.0",))
    assert error is None
    [compile_] = [c for c in fake_uv.calls() if c[:2] == ["pip", "compile"]]
    assert compile_[compile_.index("-p") + 1] == str(fake_python) and "--exclude-newer" in compile_
    assert compile_[compile_.index("-c") + 1].endswith("held.txt")
    [install] = fake_uv.installs()
    assert install[install.index("-p") + 1] == str(fake_python) and "--no-deps" in install
    assert install[-4:] == ["transformers==4.24.0", "tensorflow==2.12.1", "pyarrow==1.0", "rich==1.0"]
    assert "-c" not in install  # the constraints shaped the resolution; the install is exact
    note = json.loads((fake_python.parent.parent / build.RECORD).read_text())
    assert note["resolved_as_of"]["set_by"] == "tensorflow 2.12.1"


def test_pip_without_uv_bounds_only_where_it_can(monkeypatch, tmp_path):
    monkeypatch.delenv("FITBENCH_UV", raising=False)
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    monkeypatch.setitem(__import__("sys").modules, "uv", None)  # no uv package either
    tool = build.installer()
    assert tool.uv is None and tool.per_package() is False
    python = tmp_path / "bin" / "python"
    assert tool.install(python, None)[:4] == [str(python), "-m", "pip", "install"]
    assert tool.bound_flags(BOUND) == ["--uploaded-prior-to", "2023-07-05T16:57:28Z"]
    monkeypatch.setattr(build, "_help", lambda cmd: "  --uploaded-prior-to <datetime_or_duration>")
    assert tool.applies(BOUND, python) is BOUND
    monkeypatch.setattr(build, "_help", lambda cmd: "  --index-url")  # an older pip: no bound it can apply
    assert tool.applies(BOUND, python) is None


def test_install_error_keeps_the_informative_lines():
    pip = "Collecting x\n  Downloading x.whl\nERROR: Could not find a version that satisfies tensorflow==9.0\n" \
          "ERROR: No matching distribution found for tensorflow==9.0\n"
    assert build.install_error(pip) == ("ERROR: Could not find a version that satisfies tensorflow==9.0\n"
                                        "ERROR: No matching distribution found for tensorflow==9.0")
    assert build.install_error("\n".join(f"line {i}" for i in range(30))).startswith("line 20")
