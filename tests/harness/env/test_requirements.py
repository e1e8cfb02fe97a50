"""harness/env/requirements.py: the dependencies fitbench may add to an environment whose libraries are pinned."""
from __future__ import annotations

import subprocess

from harness.env import requirements as env
from harness.env.packages import req_name


def test_light_requirements_leave_the_pinned_libraries_alone():
    light = env.light_requirements()
    names = [req_name(r) for r in light]
    for pinned in ("tensorflow", "tf-keras", "transformers", "asv"):
        assert pinned not in names
    # era-bound packages come without the default install's bounds (tokenizers >= 0.19 would refuse
    # transformers 4.30's tokenizers < 0.14)
    assert "tokenizers" in light and "numpy" in light and "datasets" in light
    assert {"rich", "psutil", "matplotlib"} <= set(names)


def test_install_light_holds_installed_versions(monkeypatch):
    calls, constraints = [], []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or constraints.append(
        open(cmd[cmd.index("-c") + 1]).read().split()) or 0)  # the constraints file lives as long as the call
    monkeypatch.setattr(env, "versions", lambda: {"python": "3.11", "tensorflow": "2.15.1", "tf-keras": None,
                                                  "numpy": "1.26.4"})
    assert env.install_light(pip=["pip", "install"]) == 0
    cmd = calls[0]
    assert constraints[0] == ["tensorflow==2.15.1", "numpy==1.26.4"]
    assert "tensorflow" not in [req_name(a) for a in cmd[cmd.index("-c") + 2:]]


def test_install_light_requests_the_asv_pins_again(monkeypatch, tmp_path):
    import json

    (tmp_path / "asv-env-info.json").write_text(json.dumps({"requirements": {
        "tensorflow": "2.15.1", "numpy": "1.26.4", "pip+tf-keras": "==2.18.0 --no-deps", "pandas": ""}}))
    calls, constraints = [], []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or constraints.append(
        open(cmd[cmd.index("-c") + 1]).read().split()) or 0)  # the constraints file lives as long as the call
    monkeypatch.setattr(env, "versions", lambda: {"python": "3.11", "tensorflow": "2.15.1", "numpy": "2.4.6",
                                                  "tf-keras": "2.18.0"})
    env.install_light(pip=["pip", "install"], env_dir=str(tmp_path))
    cmd = calls[0]
    assert cmd[-2:] == ["tensorflow==2.15.1", "numpy==1.26.4"]
    # a pin requested again is not also held at the installed (moved) version
    assert constraints[0] == ["tf-keras==2.18.0"]
