"""harness/env.py: which Keras a process drives, and the dependencies fitbench may add to a pinned environment."""
from __future__ import annotations

import subprocess
import sys

from harness import env


def test_light_requirements_leave_the_pinned_libraries_alone():
    light = env.light_requirements()
    names = [env._req_name(r) for r in light]
    for pinned in ("tensorflow", "tf-keras", "transformers", "asv"):
        assert pinned not in names
    # era-bound packages come without the default install's bounds (tokenizers >= 0.19 would refuse
    # transformers 4.30's tokenizers < 0.14)
    assert "tokenizers" in light and "numpy" in light and "datasets" in light
    assert {"rich", "psutil", "matplotlib"} <= set(names)


def test_install_light_holds_installed_versions(monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.setattr(env, "versions", lambda: {"python": "3.11", "tensorflow": "2.15.1", "tf-keras": None,
                                                  "numpy": "1.26.4"})
    assert env.install_light(pip=["pip", "install"]) == 0
    cmd = calls[0]
    constraints = open(cmd[cmd.index("-c") + 1]).read().split()
    assert constraints == ["tensorflow==2.15.1", "numpy==1.26.4"]
    assert "tensorflow" not in [env._req_name(a) for a in cmd[cmd.index("-c") + 2:]]


def test_the_worker_process_names_the_keras_it_drives():
    code = "from harness import env; import json; print(json.dumps(env.describe('cpu', with_tf=True)['keras']))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    import json

    keras = json.loads(proc.stdout.strip().splitlines()[-1])
    versions = env.versions()
    if versions.get("tf-keras"):
        assert keras["driven"] == f"tf-keras {versions['tf-keras']}" and keras["module"].startswith("tf_keras")
    else:
        assert keras["driven"].startswith(("tf.keras (keras 2", "keras 3"))


def test_install_light_requests_the_asv_pins_again(monkeypatch, tmp_path):
    import json

    (tmp_path / "asv-env-info.json").write_text(json.dumps({"requirements": {
        "tensorflow": "2.15.1", "numpy": "1.26.4", "pip+tf-keras": "==2.18.0 --no-deps", "pandas": ""}}))
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    monkeypatch.setattr(env, "versions", lambda: {"python": "3.11", "tensorflow": "2.15.1", "numpy": "2.4.6",
                                                  "tf-keras": "2.18.0"})
    env.install_light(pip=["pip", "install"], env_dir=str(tmp_path))
    cmd = calls[0]
    assert cmd[-2:] == ["tensorflow==2.15.1", "numpy==1.26.4"]
    # a pin requested again is not also held at the installed (moved) version
    assert open(cmd[cmd.index("-c") + 1]).read().split() == ["tf-keras==2.18.0"]
