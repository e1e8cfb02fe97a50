"""A fresh Python process for a test that needs TensorFlow's runtime untouched: device setup must come before
TensorFlow initialises, which the test process itself (with its in-process TensorFlow tests) cannot promise."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def run_child(code: str, timeout: float = 300) -> dict:
    """Runs `code` (it prints one JSON object as its last line of stdout) in a new interpreter; that object. The
    timeout is a guard against a hung child, not a speed check."""
    proc = subprocess.run([sys.executable, "-c", "import harness\n" + code], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
