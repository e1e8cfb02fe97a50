"""A CPU quota is a run condition: recorded where a process has one, and set again for a re-measurement."""
from __future__ import annotations

import subprocess
import sys

import pytest

from harness.env.cpu_quota import current_quota, quota_group
from tests.conftest import ROOT


def test_a_process_put_under_a_quota_records_it():
    try:
        group = quota_group(1.5, 10_000)
    except PermissionError as exc:
        pytest.skip(f"cgroups are not writable here: {exc}")
    code = ("import functools, subprocess, sys; from harness.env.cpu_quota import enter; "
            f"from pathlib import Path; print(subprocess.run([sys.executable, '-c', 'from harness.env.describe "
            f"import run_conditions; print(run_conditions()[\"cpu_quota\"])'], capture_output=True, text=True, "
            f"preexec_fn=functools.partial(enter, Path({str(group)!r}))).stdout)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "{'cpus': 1.5, 'period_us': 10000}" in out.stdout, out.stderr
    assert quota_group(1.5, 10_000) == group  # made once, reused
    assert current_quota() is None or current_quota()["cpus"] != 1.5  # this process itself was not moved
