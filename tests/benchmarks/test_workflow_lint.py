"""The CI workflow a team copies is safe: the file benchmarks/scripts/asv_matrix.py --workflow generates has no
medium or high finding of the GitHub Actions linter zizmor (offline): actions pinned to commits, no permission
beyond reading the repository, no token persisted in an uploaded checkout, no template expansion inside `run:`.
zizmor comes with the `test` extra (pip install -e '.[test]')."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.test_matrix_machines import asv_matrix
from tests.conftest import ROOT

COMMITTED = ROOT / ".github" / "workflows" / "fitbench-matrix.yml"


def _zizmor() -> str:
    found = shutil.which("zizmor") or str(Path(sys.executable).parent / "zizmor")
    if not Path(found).is_file():
        pytest.skip("zizmor is not installed: pip install -e '.[test]'")
    return found


def test_the_generated_workflow_has_no_medium_or_high_finding(tmp_path):
    path = tmp_path / ".github" / "workflows" / "fitbench-matrix.yml"
    asv_matrix.write_workflow(path, list(asv_matrix.ENVIRONMENTS))
    proc = subprocess.run([_zizmor(), "--offline", "--min-severity", "medium", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=120)
    findings = json.loads(proc.stdout or "[]")
    assert findings == [], [(f["ident"], f["desc"]) for f in findings]
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_the_committed_workflow_is_the_generated_one_with_its_pins_named():
    assert COMMITTED.read_text() == asv_matrix.workflow_text(list(asv_matrix.ENVIRONMENTS)), \
        "stale: python benchmarks/scripts/asv_matrix.py --workflow .github/workflows/fitbench-matrix.yml"
    uses = re.findall(r"uses: (\S+)(.*)", COMMITTED.read_text())
    assert uses and all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", u) and re.fullmatch(r" # v\d+\.\d+\.\d+", c)
                        for u, c in uses), uses
    text = COMMITTED.read_text()
    run_lines = [line for line in text.splitlines() if line.strip().startswith("run:")]
    assert not any("${{" in line for line in run_lines)  # values reach scripts through env:, never spliced in
