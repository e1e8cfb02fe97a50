"""The generated asv configs: environments that span the transitions, a GPU switch, installs that keep pins."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("asv_matrix", ROOT / "benchmarks/scripts/asv_matrix.py")
asv_matrix = importlib.util.module_from_spec(spec)
spec.loader.exec_module(asv_matrix)


def _load(path: Path) -> dict:
    from asv.util import load_json

    return load_json(str(path), js_comments=True)


def _version(req: dict, name: str) -> tuple[int, ...] | None:
    value = req.get(name) or req.get(f"pip+{name}")
    return tuple(int(x) for x in value.strip("= ").split()[0].split(".")[:2]) if value else None


def test_the_committed_config_is_the_generated_one(tmp_path):
    out = tmp_path / "asv.conf.json"
    asv_matrix.main(["--out", str(out)])
    assert _load(out)["include"] == _load(ROOT / "asv.conf.json")["include"]


def test_environments_span_the_transitions():
    reqs = [e["req"] for e in _load(ROOT / "asv.conf.json")["include"]]
    assert len(reqs) >= 8
    assert sum(_version(r, "tensorflow") <= (2, 15) for r in reqs) >= 2
    # Keras 3 boundary: TF 2.15 and TF 2.16 + tf-keras, and TF >= 2.16 without tf-keras as its own environment
    assert any(_version(r, "tensorflow") >= (2, 16) and not _version(r, "tf-keras") for r in reqs)
    # transformers 5, and a tf-keras minor other than TF's
    assert any(_version(r, "transformers") >= (5, 0) for r in reqs)
    assert any(_version(r, "tf-keras") and _version(r, "tf-keras") != _version(r, "tensorflow") for r in reqs)
    # old transformers on new TF: the same TF 2.12 on both sides of the bisect's boundary
    tr_on_212 = sorted(_version(r, "transformers") for r in reqs if _version(r, "tensorflow") == (2, 12))
    assert tr_on_212[0] < (4, 26) <= tr_on_212[-1]


def test_fitbench_is_installed_without_its_dependencies():
    conf = _load(ROOT / "asv.conf.json")
    assert "--no-deps" in conf["install_command"][0]
    assert conf["install_command"][1].endswith("python -m harness.env install-light")


def test_gpu_switch_adds_cuda_without_a_hand_edit(tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_ASV_GPU", "1")
    out = tmp_path / "gpu.conf.json"
    asv_matrix.main(["--out", str(out)])
    conf = _load(out)
    assert conf["install_command"][-1].endswith("python -m harness.env install-cuda")
    assert conf["include"] == _load(ROOT / "asv.conf.json")["include"]
    assert _load(ROOT / "benchmarks/asv-gpu.conf.json")["install_command"] == conf["install_command"]


def test_unknown_environment_is_an_error(capsys):
    with pytest.raises(SystemExit):
        asv_matrix.main(["--only", "tf9-tr9"])
    assert "unknown environment 'tf9-tr9'" in capsys.readouterr().err


def test_records_of_each_environment_can_be_kept(tmp_path, monkeypatch):
    import importlib

    from harness.results.records import RunRecord

    bm = importlib.import_module("benchmarks.benchmarks")
    record = RunRecord(case="a", variant="v", role="check", device="cpu", claim="ok", says="", observed="ok",
                       agrees=True, fix_works=None, outcome="completed", env={"versions": {"tensorflow": "2.21.0"}})
    monkeypatch.delenv("FITBENCH_ASV_RECORDS", raising=False)
    assert bm.keep_records([record]) is None
    monkeypatch.setenv("FITBENCH_ASV_RECORDS", str(tmp_path))
    monkeypatch.setenv("ASV_ENV_NAME", "virtualenv-py3.11-pip+tf-keras==2.18.0 --no-deps")
    path = bm.keep_records([record])
    assert path.name == "virtualenv-py3.11-pip+tf-keras__2.18.0_--no-deps.jsonl"
    assert json.loads(path.read_text())["env"]["versions"]["tensorflow"] == "2.21.0"


def test_every_environment_keeps_the_companion_ties_or_says_why_not(monkeypatch):
    """One place knows the ties (harness/env/companions.py); the matrix breaks one only on purpose."""
    assert asv_matrix.tie_problems(list(asv_matrix.ENVIRONMENTS)) == []
    assert set(asv_matrix.BREAKS_TIES) <= set(asv_matrix.ENVIRONMENTS)
    monkeypatch.setitem(asv_matrix.ENVIRONMENTS, "tf2.18-no-tie",
                        ("", {"tensorflow": "2.18.1", "pip+tf-keras": "==2.16.0 --no-deps"}))
    assert asv_matrix.tie_problems(["tf2.18-no-tie"]) == [
        "tf2.18-no-tie: tf-keras 2.16.0 with TensorFlow 2.18.1 (the tie is the same minor)"]
