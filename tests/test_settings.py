"""Every FITBENCH_* variable is declared once (harness/settings.py), read through it, and documented in
docs/settings.md: a name used anywhere in the code but not declared, or declared but not documented, fails."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import settings
from harness.env.describe import versions

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"FITBENCH_[A-Z_]+[A-Z]")


def _code_files() -> list[Path]:
    """Every Python file that may read a FITBENCH_ variable, but the module that declares them."""
    files = [*ROOT.joinpath("harness").rglob("*.py"), *ROOT.joinpath("cases").rglob("*.py"),
             *ROOT.joinpath("benchmarks").rglob("*.py")]
    return [p for p in files if p != ROOT / "harness" / "settings.py" and "__pycache__" not in p.parts]


def _used() -> dict[str, str]:
    """{name: the first file that names it}; in harness/settings.py only its own reads count, not the table."""
    used = {}
    for path in _code_files():
        for name in NAME.findall(path.read_text()):
            used.setdefault(name, str(path.relative_to(ROOT)))
    for name in re.findall(r"\bget\(\"(FITBENCH_\w+)\"\)", (ROOT / "harness" / "settings.py").read_text()):
        used.setdefault(name, "harness/settings.py")
    return used


def test_every_variable_the_code_names_is_declared():
    missing = {n: where for n, where in _used().items() if n not in settings.BY_NAME}
    assert not missing, f"declare these in harness/settings.py: {missing}"


def test_every_declared_variable_is_used_and_documented():
    used, docs = _used(), (ROOT / "docs" / "settings.md").read_text()
    assert [v.name for v in settings.VARIABLES if v.name not in used] == []
    assert settings.table() in docs, "docs/settings.md is stale: regenerate its table from harness/settings.py"


def _direct_reads(path: Path) -> list[str]:
    """Where `path` reads a FITBENCH_ variable from os.environ (os.environ[...], .get(...), os.getenv(...)) rather
    than through settings.get, by the name itself or by a module constant that holds it. Writes are fine: a
    parent sets them for its children."""
    tree = ast.parse(path.read_text())
    constants = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and str(node.value.value).startswith("FITBENCH_")
                 for t in node.targets if isinstance(t, ast.Name)}

    def fitbench(key: ast.AST) -> bool:
        return (isinstance(key, ast.Constant) and str(key.value).startswith("FITBENCH_")) or \
            (isinstance(key, ast.Name) and key.id in constants)

    def environ(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ" or \
            isinstance(node, ast.Name) and node.id == "environ"

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and environ(node.value) \
                and fitbench(node.slice):
            found.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and fitbench(node.args[0]) and isinstance(node.func, ast.Attribute) \
                and (node.func.attr == "get" and environ(node.func.value) or node.func.attr == "getenv"):
            found.append(node.lineno)
    return [f"{path.relative_to(ROOT)}:{line}" for line in found]


def test_reads_go_through_settings_at_call_time():
    assert [where for path in _code_files() for where in _direct_reads(path)] == []


def test_the_direct_read_check_sees_reads_by_name_and_by_constant(tmp_path):
    probe = ROOT / "tests" / f"_probe_{os.getpid()}.py"  # under ROOT: _direct_reads names paths relative to it
    probe.write_text('import os\nV = "FITBENCH_X"\na = os.environ.get(V)\nb = os.environ["FITBENCH_Y"]\n'
                     'c = os.getenv("FITBENCH_Z")\nos.environ["FITBENCH_W"] = "1"\nd = {"FITBENCH_V": 1}\n')
    try:
        assert [w.rsplit(":", 1)[1] for w in _direct_reads(probe)] == ["3", "4", "5"]
    finally:
        probe.unlink()


def test_a_value_set_after_import_is_heard(monkeypatch):
    from harness.verdict import noise

    monkeypatch.setenv("FITBENCH_NOISE_K", "5")
    assert noise.k() == 5.0
    monkeypatch.delenv("FITBENCH_NOISE_K")
    assert noise.k() == 3.0


def test_an_undeclared_name_is_a_bug():
    with pytest.raises(KeyError):
        settings.get("FITBENCH_TYPO")


# --- no environment change at import: TensorFlow's variables are set by one explicit call where a process starts

TENSORFLOW_VARIABLES = ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_CACHE_PATH", "CUDA_CACHE_MAXSIZE")

IMPORT_EVERYTHING = """
import importlib, json, os, pkgutil, sys
before, loaded = dict(os.environ), set(sys.modules)
import harness
names = [m.name for m in pkgutil.walk_packages(harness.__path__, "harness.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
after = dict(os.environ)
print(json.dumps({"modules": len(names), "tensorflow": "tensorflow" in sys.modules,
                  "libraries": [m for m in sys.modules if m not in loaded and m.split(".")[0] not in ("harness", "cases")],
                  "changed": {k: [before.get(k), after.get(k)] for k in {*before, *after}
                              if before.get(k) != after.get(k)}}))
"""
# the same third-party modules, in the order they were loaded, without fitbench: what they change themselves
# (TensorFlow sets TF2_BEHAVIOR and TPU_ML_PLATFORM, h5py HDF5_PLUGIN_PATH: not ours to keep out)
IMPORT_LIBRARIES = """
import importlib, json, os, sys
before = dict(os.environ)
for name in json.loads(sys.stdin.read()):
    try:
        importlib.import_module(name)
    except Exception:  # a private module that only imports in its package's own order: its package did it
        pass
after = dict(os.environ)
print(json.dumps({k: [before.get(k), after.get(k)] for k in {*before, *after} if before.get(k) != after.get(k)}))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without TensorFlow's variables (conftest prepared them) and with the checkout
    importable: what a process that nobody prepared starts with."""
    env = {k: v for k, v in os.environ.items() if k not in TENSORFLOW_VARIABLES and k != "FITBENCH_UNSET"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _last_json(proc: subprocess.CompletedProcess):
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # imports every module, TensorFlow and transformers with them, twice: a minute on 2 cores
def test_importing_every_harness_module_leaves_os_environ_alone():
    seen = _last_json(subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True,
                                     cwd=ROOT, env=_clean_env(), timeout=600))
    assert seen["modules"] > 100 and seen["tensorflow"]  # it did import the modules that pull TensorFlow in
    theirs = _last_json(subprocess.run([sys.executable, "-c", IMPORT_LIBRARIES], input=json.dumps(seen["libraries"]),
                                       capture_output=True, text=True, cwd=ROOT, env=_clean_env(), timeout=600))
    assert not set(TENSORFLOW_VARIABLES) & set(seen["changed"])
    assert seen["changed"] == theirs


def _forget(monkeypatch, *names: str) -> None:
    """Remove `names` from os.environ for this test only (set first, so monkeypatch restores the originals)."""
    for name in names:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)


def test_prepare_sets_tensorflows_variables_where_unset_and_leaves_the_rest(monkeypatch, tmp_path):
    _forget(monkeypatch, *TENSORFLOW_VARIABLES)
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")            # the user's own value wins
    monkeypatch.setenv("FITBENCH_UNSET", "CUDA_CACHE_MAXSIZE")  # a variant that must run without it
    added = settings.prepare_tensorflow_environment()
    assert added == {k: os.environ[k] for k in added}
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0" and "TF_CPP_MIN_LOG_LEVEL" not in added
    assert "CUDA_CACHE_MAXSIZE" not in os.environ
    assert os.environ["CUDA_CACHE_PATH"] == str(tmp_path / "cuda-jit")
    assert os.environ.get("TF_USE_LEGACY_KERAS") == ("1" if settings._wants_legacy_keras() else None)
    assert settings.prepare_tensorflow_environment() == {}  # a second call changes nothing


class StopAfterTokenizing(Exception):
    pass


AT_START: dict = {}


def note_environment_at_start(_value, _ctx):
    """The worker's first hook, before it imports TensorFlow: what TensorFlow will find when it loads."""
    AT_START.update({k: os.environ.get(k) for k in TENSORFLOW_VARIABLES})


def stop_after_tokenizing(_value, _ctx):
    """Ends the variant once the worker has set up its device and described its Keras, saying what it saw:
    the variables at start, and whose optimizer `tensorflow.keras` hands out (the chapter's import)."""
    from tensorflow.keras.optimizers import Adam

    raise StopAfterTokenizing(json.dumps({"at_start": AT_START, "tensorflow.keras": Adam.__module__}))


STOP_JOB = {"case": "settings", "variant": "stop", "device": "cpu",
            "config": {"device": "cpu", "n_train": 32, "n_validation": 16, "batch_size": 8,
                       "hooks": {"start": "tests.test_settings:note_environment_at_start",
                                 "after_tokenize": "tests.test_settings:stop_after_tokenizing"}}}


def _assert_drives_tf_keras(result_file: Path) -> None:
    """The worker found TensorFlow's variables set before TensorFlow loaded, and with tf-keras installed both the
    model's Keras and the chapter's `tensorflow.keras` import are tf-keras (unset, the import is Keras 3's)."""
    result = json.loads(result_file.read_text())
    assert result["error"]["type"] == "StopAfterTokenizing", result["error"]
    seen, keras = json.loads(result["error"]["message"]), result["env"]["keras"]
    expected = settings.tensorflow_defaults()
    assert seen["at_start"] == {k: expected.get(k) for k in TENSORFLOW_VARIABLES}
    found = versions()
    if found.get("tf-keras"):
        assert keras["driven"] == f"tf-keras {found['tf-keras']}"
        assert seen["tensorflow.keras"].startswith("tf_keras")
    else:
        assert keras["driven"].startswith(("tf.keras (keras 2", "keras 3"))


@pytest.mark.slow  # a real worker: TensorFlow's import and the embedded data's tokenization
def test_a_worker_started_with_no_tensorflow_variables_prepares_its_own_and_drives_tf_keras(tmp_path):
    result = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "harness.launch.worker", str(result)], input=json.dumps(STOP_JOB),
                          capture_output=True, text=True, cwd=ROOT, env=_clean_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _assert_drives_tf_keras(result)


@pytest.mark.slow  # a real zygote: TensorFlow imported once, then one forked child
def test_a_zygote_started_with_no_tensorflow_variables_forks_children_that_drive_tf_keras(tmp_path):
    from harness.launch.zygote_client import Zygote

    read_end, write_end = os.pipe()  # the lifeline: open while this test runs
    try:
        zygote = Zygote(read_end, tmp_path, env=_clean_env())
        try:
            zygote.fork("one", STOP_JOB, tmp_path / "result.json", tmp_path / "stderr.txt")
            for _ in range(6000):  # generous: the child tokenizes the embedded data on a busy CPU
                if zygote.exits().get("one"):
                    break
                time.sleep(0.1)
        finally:
            zygote.close()
    finally:
        os.close(read_end)
        os.close(write_end)
    _assert_drives_tf_keras(tmp_path / "result.json")
