"""The package index: which releases of a package exist, when each was uploaded, and where their release notes are.

Versions come from pip's configured index (`pip index versions`); upload dates from the index's JSON simple API
(PEP 691, with PEP 700's `upload-time` per file), which resolving an environment *as of* a release needs
(harness/env/asof.py); release notes, and what each release was built for (its requires-python, its wheels' file
names, whether it has an sdist, the newest release's classifiers), from PyPI's JSON API. Each is a function callers take as a parameter, so
tests pass fakes. An index that cannot be reached is an IndexUnreachable, which commands turn into one line and
exit 2.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from typing import Callable

SIMPLE_URL = "https://pypi.org/simple/{package}/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# (package) -> {version: newest upload time of its files}; the shape every release-date source has
ReleaseDates = Callable[[str], dict[str, datetime]]


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
    return parse_index_versions(package, proc.returncode, proc.stdout, proc.stderr)


def parse_index_versions(package: str, returncode: int, stdout: str, stderr: str) -> list[str]:
    """The versions `pip index versions` printed ("Available versions: 4.30.2, 4.30.1, ..."); IndexUnreachable
    with pip's last line where it printed none."""
    match = re.search(r"Available versions:\s*(.+)", stdout)
    if returncode != 0 or not match:
        last = (stderr.strip().splitlines() or ["no versions"])[-1]
        raise IndexUnreachable(f"{package}: not found on the package index ({last.removeprefix('ERROR: ')})")
    return [v.strip() for v in match.group(1).split(",") if v.strip()]


def _fetch_json(url: str, accept: str) -> dict:
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as resp:
        return json.load(resp)


def _file_version(filename: str) -> str | None:
    """The version a distribution file is of (a wheel's or an sdist's name), None for what is neither."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, \
        parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def release_dates(package: str, fetch: Callable[[str, str], dict] = _fetch_json) -> dict[str, datetime]:
    """{version: the newest upload time among its files} from the JSON simple API. The newest, not the first:
    a release's wheels are often uploaded over hours, and a bound at that time admits all of them."""
    try:
        page = fetch(SIMPLE_URL.format(package=package), SIMPLE_JSON)
    except Exception as exc:  # urllib's HTTPError / URLError / timeouts, a page that is not JSON
        raise IndexUnreachable(f"{package}: cannot read its upload dates from the package index ({exc})") from None
    out: dict[str, datetime] = {}
    for entry in page.get("files") or []:
        version, uploaded = _file_version(entry.get("filename", "")), entry.get("upload-time")
        if version is None or not uploaded:
            continue
        when = datetime.fromisoformat(uploaded.replace("Z", "+00:00"))
        out[version] = max(out.get(version, when), when)
    if not out:
        raise IndexUnreachable(f"{package}: the package index gave no upload dates (an index without PEP 700?)")
    return out


def release_metadata(package: str, fetch: Callable[[str, str], dict] = _fetch_json) -> dict[str, dict]:
    """{version: {"requires_python", "wheels" (file names), "sdist", "classifiers"}} from PyPI's JSON API, one
    request for every release. Classifiers are the newest release's only (the API's `info`); requires-python is
    the first a release's files declare. {} where the index cannot be asked: the caller then says less."""
    try:
        page = fetch(f"https://pypi.org/pypi/{package}/json", "application/json")
    except Exception:  # no network, no such package: metadata explains, it never decides alone
        return {}
    info, out = page.get("info") or {}, {}
    for version, files in (page.get("releases") or {}).items():
        names = [f.get("filename", "") for f in files if not f.get("yanked")]
        out[version] = {"requires_python": next((f["requires_python"] for f in files if f.get("requires_python")),
                                                None),
                        "wheels": [n for n in names if n.endswith(".whl")],
                        "sdist": any(n.endswith((".tar.gz", ".zip")) for n in names),
                        "classifiers": list(info.get("classifiers") or []) if version == info.get("version") else None}
    return out


def pypi_release_notes(package: str) -> str | None:
    """A release-notes URL pattern with {version}, from PyPI's project_urls (GitHub repositories: releases/tag)."""
    try:
        info = _fetch_json(f"https://pypi.org/pypi/{package}/json", "application/json")["info"]
    except Exception:
        return None
    urls = list((info.get("project_urls") or {}).values()) + [info.get("home_page") or ""]
    for url in urls:
        m = re.match(r"https?://github\.com/([^/]+/[^/#?]+)", url or "")
        if m:
            return f"https://github.com/{m.group(1).removesuffix('.git')}/releases/tag/v{{version}}"
    return None
