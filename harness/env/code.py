"""Which fitbench made a record: a hash of its own code (harness/ and cases/), and the git commit where known.

A night compares tonight's records with ones written days earlier, often by an older fitbench; a timing that
moved may then be fitbench's doing, not the libraries'. Records carry this identity so that `compare` and the
nightly can say when the two sides were not made by the same code. The hash is of the source files' content,
so a snapshot of the code (a night's, a bisect's: no .git there) has the same identity as the checkout it was
copied from; the commit comes from git, or from the SOURCE.json a snapshot leaves beside its copy.
"""
from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]  # the folder holding harness/ and cases/
SOURCE = "SOURCE.json"                      # a snapshot's note of the commit it was copied from


def code_hash(root: Path = ROOT) -> str:
    """sha256 (12 hex digits) over the relative paths and bytes of every .py, .j2 and .html under harness/ and
    cases/: what decides how a variant runs and what its record says."""
    digest = hashlib.sha256()
    for package in ("harness", "cases"):
        files = sorted(p for p in (root / package).rglob("*") if p.suffix in (".py", ".j2", ".html")
                       and "__pycache__" not in p.parts)
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def git_commit(root: Path = ROOT) -> dict[str, Any]:
    """{"commit": short hash, "dirty": bool} of the checkout at `root`, or of the checkout a snapshot was copied
    from; {} where neither is known (an installed copy, no git)."""
    note = root / SOURCE
    if note.is_file():
        try:
            return json.loads(note.read_text())
        except ValueError:
            return {}
    if not (root / ".git").exists():
        return {}
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "harness", "cases"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if head.returncode != 0:
        return {}
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


@functools.lru_cache(maxsize=None)
def code_identity() -> dict[str, Any]:
    """This process's fitbench, as a record's `env.fitbench`: {"code": hash, "commit": …, "dirty": …}."""
    return {"code": code_hash(), **git_commit()}


def write_source_note(dest: Path, root: Path = ROOT) -> None:
    """Beside a snapshot of the code: the commit it was copied from (a snapshot has no .git of its own)."""
    (dest / SOURCE).write_text(json.dumps(git_commit(root)) + "\n")


def describe_code(identity: dict[str, Any] | None) -> str:
    """One short name for a fitbench: "bcec7e8+edits (code 1a2b3c4d5e6f)", "code 1a2b…", or "unknown"."""
    if not identity or not identity.get("code"):
        return "unknown (records written before they named their fitbench)"
    commit = identity.get("commit")
    if not commit:
        return f"code {identity['code']}"
    return f"{commit}{'+edits' if identity.get('dirty') else ''} (code {identity['code']})"
