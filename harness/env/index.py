"""The package index: which releases of a package exist, and where their release notes are.

Both go through pip's configured index (`pip index versions`) or PyPI's JSON API; tests pass fakes instead.
An index that cannot be reached is an IndexUnreachable, which commands turn into one line and exit 2.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys


class IndexUnreachable(Exception):
    """The package index could not be asked (no network, no such package): one line, exit 2."""


def list_versions(package: str, pre: bool = False) -> list[str]:
    """Released versions from pip's configured index (`pip index versions`), newest first; pre-releases too
    with `pre`."""
    cmd = [sys.executable, "-m", "pip", "index", "versions", package, *(["--pre"] if pre else [])]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise IndexUnreachable(f"{package}: the package index did not answer within 120 s") from None
    match = re.search(r"Available versions:\s*(.+)", proc.stdout)
    if proc.returncode != 0 or not match:
        last = (proc.stderr.strip().splitlines() or ["no versions"])[-1]
        raise IndexUnreachable(f"{package}: not found on the package index ({last.removeprefix('ERROR: ')})")
    return [v.strip() for v in match.group(1).split(",") if v.strip()]


def pypi_release_notes(package: str) -> str | None:
    """A release-notes URL pattern with {version}, from PyPI's project_urls (GitHub repositories: releases/tag)."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=20) as resp:
            info = json.load(resp)["info"]
    except Exception:
        return None
    urls = list((info.get("project_urls") or {}).values()) + [info.get("home_page") or ""]
    for url in urls:
        m = re.match(r"https?://github\.com/([^/]+/[^/#?]+)", url or "")
        if m:
            return f"https://github.com/{m.group(1).removesuffix('.git')}/releases/tag/v{{version}}"
    return None
