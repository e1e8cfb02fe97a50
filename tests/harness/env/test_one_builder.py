"""One builder: every virtual environment fitbench makes, and every installer it runs, is harness/env/build.py's
(the asv environment's commands, which asv runs, are harness/env/asv.py's). Bisect, the nightly, a re-measured
side and the asv matrix all reach it through harness/env/environment.py; a second builder anywhere else in
harness/, benchmarks/ or cases/ fails here. Read from the source (AST), nothing run."""
from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

BUILDERS = {"harness/env/build.py", "harness/env/asv.py"}
SCANNED = ("harness", "benchmarks", "cases")
COMMAND = re.compile(r"(-m venv|\buv venv|\bvirtualenv |\bpip3? (install|wheel|sync|download)\b|\buv pip\b)")
# strings that name an install without running one: what fitbench tells a user to type
HINTS = {("harness/launch/device_choice.py", "pip install -e '.[gpu]' (TensorFlow with its CUDA libraries)")}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            out.add(id(body[0].value))
    return out


def _argv_builds(node: ast.AST) -> bool:
    """A command line written as a list: [..., "venv", ...], [..., "pip", ..., "install", ...] and the like."""
    words = [e.value for e in getattr(node, "elts", []) if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if "venv" in words or "virtualenv" in words:
        return True
    return "pip" in words and any(w in ("install", "wheel", "sync", "download") for w in words[words.index("pip"):])


def builders_in(source: str, name: str) -> list[str]:
    """Where `source` makes an environment or runs an installer: 'name:line: what'."""
    tree = ast.parse(source)
    docs, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)) and _argv_builds(node):
            found.append(f"{name}:{node.lineno}: a command line that builds ({ast.unparse(node)[:80]})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs \
                and COMMAND.search(node.value) and (name, node.value) not in HINTS:
            found.append(f"{name}:{node.lineno}: {node.value[:80]!r}")
    return found


def test_nothing_outside_the_environment_module_builds_an_environment():
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name not in BUILDERS:
                found += builders_in(path.read_text(), name)
    assert not found, "a second builder (go through harness/env/environment.py):\n" + "\n".join(found)


def test_the_builders_are_where_they_are_said_to_be():
    for name in BUILDERS:
        assert builders_in((ROOT / name).read_text(), name), f"{name} builds nothing: the list is stale"


def test_the_check_sees_the_ways_a_builder_is_written():
    assert builders_in('import subprocess\nsubprocess.run([sys.executable, "-m", "venv", root])', "x.py")
    assert builders_in('cmd = [str(python), "-m", "pip", "install", "-q", *reqs]', "x.py")
    assert builders_in('cmd = [uv, "pip", "install", "-p", python]', "x.py")
    assert builders_in('os.system("python3 -m venv .venv && .venv/bin/pip install -e .")', "x.py")
    assert builders_in('INSTALL = "in-dir={env_dir} python -m pip install {wheel_file}"', "x.py")
    assert not builders_in('"""Run pip install -e . first."""\nMESSAGE = "the environment does not install"', "x.py")
    assert not builders_in('cmd = [sys.executable, "-m", "pip", "index", "versions", package]', "x.py")
