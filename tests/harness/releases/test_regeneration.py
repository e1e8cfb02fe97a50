"""Committed evidence is made by a commit: a regeneration runs the commit's code, not the working tree's, and the
committed nightly transcripts and reports name a commit that git has and whose code hashes to what they say."""
from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path

import pytest

from harness.env.code import SOURCE, code_hash
from harness.releases.regeneration import NOTE, NotACommit, committed_code, run_at

ROOT = Path(__file__).resolve().parents[3]
IN_GIT = (ROOT / ".git").exists()
needs_git = pytest.mark.skipif(not IN_GIT, reason="not a git checkout: no commits to check against")
NIGHTS = ROOT / "results" / "nightly-transcripts" / "2026-11-29-keras3-callbacks"
REGENERATED = [pytest.param(NIGHTS, id="nightly-transcripts"),
               pytest.param(ROOT / "results" / "nightly", id="nightly")]


@needs_git
def test_committed_code_is_the_commits_and_shadows_the_working_tree():
    with committed_code("HEAD") as (code, source):
        committed = subprocess.run(["git", "-C", str(ROOT), "show", "HEAD:harness/settings.py"], capture_output=True,
                                   check=True).stdout
        assert (code / "harness" / "settings.py").read_bytes() == committed
        assert source["code"] == code_hash(code) and len(source["commit"]) == 40
        assert json.loads((code / SOURCE).read_text())["dirty"] is False
        # run from the checkout's root, where its own harness/ would come first without -P
        where = run_at(code, ["-c", "import harness; print(harness.__file__)"], capture_output=True, text=True,
                       check=True).stdout.strip()
        assert Path(where).is_relative_to(code)


@needs_git
def test_a_revision_that_names_no_commit_is_refused():
    with pytest.raises(NotACommit):
        with committed_code("no-such-revision-anywhere"):
            pass


@functools.lru_cache(maxsize=None)
def _code_of(commit: str) -> str:
    with committed_code(commit) as (_code, source):
        return source["code"]


def _exists(commit: str) -> bool:
    return subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True).returncode == 0


def _identities(folder: Path) -> list[tuple[str, dict]]:
    """(file, env.fitbench) of every record under `folder` that names its fitbench."""
    out = []
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            identity = (json.loads(line).get("env") or {}).get("fitbench") if line.strip() else None
            if identity:
                out.append((str(path.relative_to(ROOT)), identity))
    return out


@needs_git
@pytest.mark.parametrize("folder", REGENERATED)
def test_the_committed_nightly_transcripts_name_a_commit_that_holds_their_code(folder):
    notes = sorted(folder.rglob(NOTE))
    assert notes, f"{folder.relative_to(ROOT)} has no {NOTE}: regenerate it with its regenerate.py"
    for note in notes:
        made = json.loads(note.read_text())
        assert _exists(made["commit"]), f"{note}: commit {made['commit']} is not in this repository"
        assert _code_of(made["commit"]) == made["code"]
    for path, identity in _identities(folder):
        assert identity.get("commit") and _exists(identity["commit"]), f"{path}: {identity}"
        assert identity.get("dirty") is False, f"{path}: made by a working tree with edits ({identity})"
        assert _code_of(identity["commit"]) == identity["code"], f"{path}: code {identity['code']} is not the commit's"
