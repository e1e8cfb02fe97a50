"""Canned installers and interpreters for the tests of harness/env/: a fake `uv` (FITBENCH_UV) that logs its
command lines and answers as uv does (a venv made, an install done or refused with uv's own words, a resolution,
its --help), and a fake `python` that runs `-m harness run --json --out FILE` by writing one record and the
variables it was given. No network, no real environment, no TensorFlow."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# uv's words for a set that does not resolve (uv 0.13.9, `uv pip compile` of tensorflow==9.0, as printed)
UV_NO_SOLUTION = ("error: No solution found when resolving dependencies\n"
                  "  cause: Because there is no version of tensorflow==9.0 and you require tensorflow==9.0, we can "
                  "conclude that your requirements are unsatisfiable.\n")

FAKE_UV = r'''#!{python}
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["FAKE_UV_LOG"], "a") as log:
    log.write(json.dumps(args) + "\n")
if args[:2] == ["pip", "install"] and "--help" in args:
    print("      --exclude-newer <EXCLUDE_NEWER>")
    if not os.environ.get("FAKE_UV_OLD"):
        print("      --exclude-newer-package <EXCLUDE_NEWER_PACKAGE>")
    sys.exit(0)
if args[0] == "venv":
    root = Path(args[-1])
    (root / "bin").mkdir(parents=True, exist_ok=True)
    (root / "lib" / "python3.11" / "site-packages").mkdir(parents=True, exist_ok=True)
    (root / "bin" / "python").write_text("")
    sys.exit(0)
text = " ".join(args) + (sys.stdin.read() if args[:2] == ["pip", "compile"] else "")
if "tensorflow==9.0" in text:
    sys.stderr.write({no_solution!r})
    sys.exit(1)
sys.exit(0)
'''

FAKE_PYTHON = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
if args[:2] == ["-c", "import sys; print(sys.prefix)"]:
    print(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0]))))
    sys.exit(0)
out = args[args.index("--out") + 1]
case, variant = args[args.index("--cases") + 1].split(",")[0].split(":")
if os.environ.get("FAKE_PYTHON_CRASH"):
    sys.stderr.write("Traceback ...\nImportError: numpy.core.multiarray failed to import\n")
    sys.exit(1)
record = dict(case=case, variant=variant, role="broken", device="cpu", claim="ok", says="", observed="plateau",
              agrees=False, fix_works=None, outcome="completed", metrics={{"final_loss": 1.0986}},
              env={{"resolved_as_of": json.loads(os.environ.get("FITBENCH_RESOLVED_AS_OF", "null")),
                   "cwd": os.getcwd(), "pythonpath": os.environ.get("PYTHONPATH", "")}})
with open(out, "a") as f:
    f.write(json.dumps(record) + "\n")
'''


def _script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(python=sys.executable, no_solution=UV_NO_SOLUTION))
    path.chmod(0o755)
    return path


class UvLog:
    def __init__(self, path: Path):
        self.path = path

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.path.read_text().splitlines()] if self.path.exists() else []

    def installs(self) -> list[list[str]]:
        return [c for c in self.calls() if c[:2] == ["pip", "install"] and "--help" not in c]


@pytest.fixture
def fake_uv(tmp_path, monkeypatch) -> UvLog:
    """FITBENCH_UV is a canned uv; environments go to a cache of the test's own."""
    from harness.env import build

    build._help.cache_clear()  # a --help answer is remembered per process: this uv's must be asked
    log = UvLog(tmp_path / "uv-log.jsonl")
    monkeypatch.setenv("FITBENCH_UV", str(_script(tmp_path / "bin" / "uv", FAKE_UV)))
    monkeypatch.setenv("FAKE_UV_LOG", str(log.path))
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path / "cache"))
    yield log
    build._help.cache_clear()


@pytest.fixture
def fake_python(tmp_path) -> Path:
    """An interpreter of a fake environment (<prefix>/bin/python) whose `-m harness run` writes one record."""
    return _script(tmp_path / "env" / "bin" / "python", FAKE_PYTHON)
