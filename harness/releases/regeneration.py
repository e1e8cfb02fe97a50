"""Regenerating committed evidence (a night's transcripts, a report under results/) from a commit, not from
a working tree: the files then name a commit that holds the code which made them, and anyone can make them again.

The code that runs is a `git archive` of the commit's harness/ and cases/, with the SOURCE.json note that a
snapshot carries (harness/env/code.py), put first on the child's sys.path (`python -P`, so the working tree's
own harness/ does not shadow it). Uncommitted edits in the working tree are therefore never what runs; the
scripts say so, naming them, rather than refusing (in a shared checkout someone is always editing something).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from harness.env.code import ROOT, SOURCE, code_hash

NOTE = "regenerated.json"  # beside what a regeneration wrote: the commit and code that made it


class NotACommit(ValueError):
    """The revision to regenerate from is not a commit of this checkout (or there is no git checkout)."""


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise NotACommit(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"git {args[0]} failed")
    return proc.stdout.strip()


def uncommitted(root: Path = ROOT) -> list[str]:
    """The working tree's uncommitted paths under harness/ and cases/ (what a regeneration does not run)."""
    return [line[3:] for line in _git(root, "status", "--porcelain", "--", "harness", "cases").splitlines()]


@contextmanager
def committed_code(rev: str = "HEAD", root: Path = ROOT) -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder with `rev`'s harness/, cases/ and pyproject.toml exactly as committed, and {"commit":
    full hash, "code": its code hash}; removed afterwards. NotACommit where `rev` names no commit."""
    full = _git(root, "rev-parse", "--verify", f"{rev}^{{commit}}")
    short = _git(root, "rev-parse", "--short", full)
    with tempfile.TemporaryDirectory(prefix="fitbench-commit-") as tmp:
        dest = Path(tmp)
        # pyproject.toml too: the environments a night builds install fitbench's dependencies as the commit lists
        # them (harness/env/requirements.py reads it beside harness/; without it, the installed fitbench's
        # metadata, which may predate the commit: measured, a night's TF 2.15.1 environment without scipy)
        archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", full, "harness", "cases",
                                  "pyproject.toml"], capture_output=True, timeout=120, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
        # what git_commit() reads in a copy without .git: its records then name this commit, clean
        (dest / SOURCE).write_text(json.dumps({"commit": short, "dirty": False}) + "\n")
        yield dest, {"commit": full, "code": code_hash(dest)}


def run_at(code: Path, argv: list[str], cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    """`python -P ARGV` with `code` first on sys.path and `cwd` as the working folder (relative paths such as
    results/ resolve in the checkout); kwargs go to subprocess.run."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-P", *argv], cwd=str(cwd), env=env, **kwargs)


def write_note(folder: Path, source: dict[str, str], commands: list[str], **more) -> Path:
    """folder/regenerated.json: the commit and code hash that made the folder's files, when, and how."""
    note = {**source, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commands": commands,
            **more}
    path = folder / NOTE
    path.write_text(json.dumps(note, indent=1) + "\n")
    return path


def say_what_does_not_run(root: Path = ROOT) -> None:
    """One line on stderr where the working tree has edits the regeneration leaves out."""
    edits = uncommitted(root)
    if edits:
        print(f"regenerating from the commit: {len(edits)} uncommitted path(s) under harness/ and cases/ are not "
              f"what runs ({', '.join(edits[:5])}{' …' if len(edits) > 5 else ''})", file=sys.stderr)
