"""The fast loop, `pytest -m "not slow"` (tests/conftest.py marks what trains, runs a suite or builds an
environment): the tests it names exist — a renamed one would quietly rejoin the fast loop — and it does not start
the whole suite's background run."""
from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT, SLOW_TESTS


def _functions(module: str) -> set[str]:
    tree = ast.parse((ROOT / module).read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_slow_test_named_in_the_conftest_exists():
    missing = []
    for entry in sorted(SLOW_TESTS):
        module, _, name = entry.partition("::")
        if not (ROOT / module).is_file() or (name and name not in _functions(module)):
            missing.append(entry)
    assert missing == []


def test_the_fast_loop_does_not_start_the_background_suite(tmp_path):
    """A module whose suite-reading tests are all deselected: the others run, and no suite folder is made (the
    background suite makes one as it starts)."""
    base = tmp_path / "basetemp"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider", "--basetemp", str(base),
         "tests/cases/test_chapter_walkthrough.py"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and " deselected" in proc.stdout
    made = sorted(p.name for p in base.iterdir()) if base.exists() else []
    assert not [name for name in made if name.startswith("suite")], made
