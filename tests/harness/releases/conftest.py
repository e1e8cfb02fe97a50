"""Bisect and the nightly copy fitbench's code for their runs (harness/env/suite_process.code_snapshot), fakes
or not: here into a cache of each test's own, never the user's."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FITBENCH_BISECT_CODE", raising=False)
