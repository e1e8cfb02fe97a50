"""The asv environment (harness/env/asv.py): its install step resolves fitbench's light dependencies and asv's
pins again, together, with the one builder and as of the newest pin; a pin forced in with --no-deps stays out of
the resolution and is held; the commands asv runs are written here."""
from __future__ import annotations

import json

from harness.env import asv
from tests.harness.env.test_asof import fake_dates

INFO = {"requirements": {"tensorflow": "2.12.1", "transformers": "4.24.0", "pip+tf-keras": "==2.18.0 --no-deps",
                         "pandas": ""}}


def _env_dir(tmp_path):
    (tmp_path / "asv-env-info.json").write_text(json.dumps(INFO))
    return str(tmp_path)


def test_asv_pins_and_the_ones_forced_in(tmp_path):
    assert asv.asv_pins(_env_dir(tmp_path)) == (["tensorflow==2.12.1", "transformers==4.24.0"], ["tf-keras==2.18.0"])
    assert asv.asv_pins(str(tmp_path / "none")) == ([], [])


def test_install_light_is_the_builder_as_of_the_newest_pin(fake_uv, fake_python, tmp_path):
    env = asv.AsvEnvironment(_env_dir(tmp_path), light=["rich", "numpy"], dates=fake_dates, python=fake_python)
    assert env.resolve().bound.describe()["as_of"] == "2023-07-05T16:57:28Z"
    assert env.build() is None
    [resolved] = [c for c in fake_uv.calls() if c[:2] == ["pip", "compile"]]
    assert resolved[resolved.index("--exclude-newer") + 1] == "2023-07-05T16:57:28Z" and "-c" in resolved
    [install] = fake_uv.installs()
    assert install[install.index("-p") + 1] == str(fake_python)
    assert install[-5:] == ["tensorflow==2.12.1", "transformers==4.24.0", "pyarrow==1.0", "rich==1.0", "numpy==1.0"]
    assert "tf-keras==2.18.0" not in install  # held by a constraint, never resolved or moved
    assert env.describe()["forced"] == ["tf-keras==2.18.0"]
    today = asv.AsvEnvironment(_env_dir(tmp_path), as_of=False, light=[], dates=fake_dates, python=fake_python)
    assert today.build() is None
    assert "--exclude-newer" not in [c for c in fake_uv.calls() if c[:2] == ["pip", "compile"]][-1]


def test_the_step_says_what_failed_and_exits_1(fake_uv, tmp_path, monkeypatch, capsys):
    (tmp_path / "asv-env-info.json").write_text(json.dumps({"requirements": {"tensorflow": "9.0"}}))
    monkeypatch.setenv("ASV_ENV_DIR", str(tmp_path))
    monkeypatch.setattr(asv, "cached_release_dates", fake_dates)
    assert asv.main("install-light", ["--today"]) == 1
    assert "fitbench-env: install-light: error: No solution found" in capsys.readouterr().err


def test_asvs_commands():
    cpu, gpu = asv.install_commands(False), asv.install_commands(True)
    assert cpu["install_command"][1].endswith("python -m harness.env install-light")
    assert "--no-deps" in cpu["install_command"][0] and gpu["install_command"][-1].endswith("install-cuda")
