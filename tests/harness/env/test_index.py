"""harness/env/index.py with canned answers: `pip index versions` as pip prints it, and the JSON simple API's
upload times (PEP 691/700) as PyPI serves them. An index that cannot answer is IndexUnreachable."""
from __future__ import annotations

import subprocess
from datetime import datetime, timezone

import pytest

from harness.env import index
from harness.env.index import IndexUnreachable

# pip 26.3, `pip index versions transformers` (cut)
PIP_OUT = ("transformers (5.24.0)\nAvailable versions: 5.24.0, 5.0.0, 4.57.6, 4.30.2, 4.24.0, 4.0.0rc1\n"
           "  INSTALLED: 4.57.6\n  LATEST:    5.24.0\n")


def _completed(returncode: int, stdout: str = "", stderr: str = ""):
    return lambda cmd, **kw: subprocess.CompletedProcess(cmd, returncode, stdout, stderr)


def test_pip_index_versions_is_read_newest_first(monkeypatch):
    monkeypatch.setattr(subprocess, "run", _completed(0, PIP_OUT))
    assert index.list_versions("transformers") == ["5.24.0", "5.0.0", "4.57.6", "4.30.2", "4.24.0", "4.0.0rc1"]


def test_a_package_pip_cannot_find_is_unreachable_with_pips_last_line(monkeypatch):
    monkeypatch.setattr(subprocess, "run", _completed(1, "", "WARNING: x\nERROR: No matching distribution found for nosuch\n"))
    with pytest.raises(IndexUnreachable, match=r"nosuch: not found on the package index \(No matching distribution"):
        index.list_versions("nosuch")


def test_pip_that_hangs_is_unreachable(monkeypatch):
    def hang(cmd, **kw):
        raise subprocess.TimeoutExpired(cmd, 120)

    monkeypatch.setattr(subprocess, "run", hang)
    with pytest.raises(IndexUnreachable, match="did not answer within 120 s"):
        index.list_versions("transformers")


# PyPI's JSON simple page for transformers (cut to two releases; the wheel of 4.24.0 came 4 s after the sdist)
SIMPLE_PAGE = {"meta": {"api-version": "1.1"}, "name": "transformers", "versions": ["4.24.0", "4.30.2"], "files": [
    {"filename": "transformers-4.24.0.tar.gz", "upload-time": "2022-11-01T14:03:27.225977Z"},
    {"filename": "transformers-4.24.0-py3-none-any.whl", "upload-time": "2022-11-01T14:03:30.982430Z"},
    {"filename": "transformers-4.30.2-py3-none-any.whl", "upload-time": "2023-06-13T19:27:30.168653Z"},
    {"filename": "transformers-notes.txt", "upload-time": "2024-01-01T00:00:00Z"},
    {"filename": "transformers-4.31.0-py3-none-any.whl"}]}


def test_release_dates_are_each_releases_newest_upload():
    asked = []
    dates = index.release_dates("transformers", fetch=lambda url, accept: asked.append((url, accept)) or SIMPLE_PAGE)
    assert asked == [("https://pypi.org/simple/transformers/", "application/vnd.pypi.simple.v1+json")]
    assert dates == {"4.24.0": datetime(2022, 11, 1, 14, 3, 30, 982430, tzinfo=timezone.utc),
                     "4.30.2": datetime(2023, 6, 13, 19, 27, 30, 168653, tzinfo=timezone.utc)}


def test_release_dates_of_an_unreachable_index_or_one_without_dates(monkeypatch):
    def offline(url, accept):
        raise OSError("Network is unreachable")

    with pytest.raises(IndexUnreachable, match="transformers: cannot read its upload dates.*Network is unreachable"):
        index.release_dates("transformers", fetch=offline)
    with pytest.raises(IndexUnreachable, match="gave no upload dates"):
        index.release_dates("transformers", fetch=lambda url, accept: {"files": [{"filename": "transformers-1.0.tar.gz"}]})
