"""Shared fixtures. The expensive one, `suite_records`, runs every case once on CPU through the real CLI
(each variant in its own process, as users run it) and the per-case tests assert on those records."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import harness  # noqa: F401  (TF_USE_LEGACY_KERAS before any TF import)

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config, items):
    from harness.env.describe import device_class

    if device_class() != "gpu":
        skip = pytest.mark.skip(reason="needs a GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


def run_cli(*args: str, cwd: Path | None = None, timeout: float | None = 900) -> subprocess.CompletedProcess:
    """`python -m harness ARGS`. The timeout is a generous guard for one short command, not a speed check;
    whole suites pass None, so that each variant's own timeout is the only clock."""
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="session")
def suite_records(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """Every (case, variant) of the suite, run once on CPU: {(case, variant): record dict}."""
    out = tmp_path_factory.mktemp("suite") / "runs.jsonl"
    # two variants side by side: on 2 cores a variant's process startup, tracing and data steps leave a core idle;
    # a case whose numbers are timings still runs alone (harness/launch/runner.py `runs_alone`)
    proc = run_cli("run", "--json", "--device", "cpu", "--jobs", "2", "--out", str(out), timeout=None)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    on_disk = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == on_disk, "stdout --json and the results file disagree"
    return {(r["case"], r["variant"]): r for r in lines}


@pytest.fixture(scope="session")
def doctor():
    """One `fitbench doctor` (one zygote, started by its first checkup) for every test that examines pipelines."""
    from harness.doctor.run import Doctor
    from harness.env.describe import device_class

    import cases

    with Doctor(cases, device=device_class()) as d:
        yield d
