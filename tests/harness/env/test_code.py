"""Which fitbench made a record: the code hash follows the source, survives a snapshot, and the snapshot keeps
the commit it was copied from."""
from __future__ import annotations

import shutil
import subprocess

from harness.env.code import SOURCE, code_hash, describe_code, git_commit
from harness.env.suite_process import snapshot_code
from tests.conftest import ROOT


def test_a_snapshot_has_the_checkouts_identity_and_an_edit_changes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path / "cache"))
    snap = snapshot_code(ROOT)
    try:
        assert code_hash(snap) == code_hash(ROOT)
        assert (snap / SOURCE).is_file() and git_commit(snap) == git_commit(ROOT)
        with open(snap / "harness" / "spec" / "symptoms.py", "a") as f:
            f.write("\n# an edit\n")
        assert code_hash(snap) != code_hash(ROOT)
    finally:
        shutil.rmtree(snap)


def test_the_commit_comes_from_git_with_its_edits(tmp_path):
    for package in ("harness", "cases"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "a.py").write_text("x = 1\n")
    assert git_commit(tmp_path) == {}  # no git: only the hash says which code
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    clean = git_commit(tmp_path)
    assert len(clean["commit"]) >= 7 and clean["dirty"] is False
    (tmp_path / "cases" / "a.py").write_text("x = 2\n")
    assert git_commit(tmp_path)["dirty"] is True
    assert describe_code({"code": code_hash(tmp_path), **git_commit(tmp_path)}).startswith(clean["commit"] + "+edits")
    assert describe_code(None).startswith("unknown")
