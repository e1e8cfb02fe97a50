"""`benchmarks/scripts/gpu_suite.sh`, the one-command GPU check, run here on CPU with one cheap variant: it leaves
its files, compares with the previous GPU run and keeps the suite's own exit code. Without a GPU the variant is
an `error` record ("TensorFlow sees no GPU"): exactly what compare must then call a regression; the tests marked
`gpu` run after it (skipped here) into their own file."""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile

from harness.results.records import JsonlWriter, RunRecord
from harness.results.reading import read_records
from tests.conftest import ROOT


def test_the_gpu_check_leaves_its_files_and_compares_with_the_last_gpu_run(tmp_path):
    reference = tmp_path / "previous" / "gpu.jsonl"
    JsonlWriter(reference).write(RunRecord(
        case="initial_loss", variant="correct", role="check", device="gpu", claim="ok", says="", observed="ok",
        agrees=True, fix_works=None, outcome="completed", metrics={"initial_loss": 1.1},
        env={"versions": {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "transformers": "4.57.6"}}))
    out = tmp_path / "out"
    proc = subprocess.run(["bash", "benchmarks/scripts/gpu_suite.sh", str(out), "300", "--cases",
                           "initial_loss:correct"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(ROOT),
                               "FITBENCH_GPU_REFERENCE": str(reference)})
    assert proc.returncode == 0, proc.stderr[-2000:]  # the suite ran; what it found is in the files
    [record] = read_records([out / "gpu.jsonl"])
    assert record.observed == "error" and "sees no GPU" in record.error["message"]
    assert "suite: exit 0" in (out / "log.txt").read_text() and "cpus:" in (out / "machine.txt").read_text()
    with tarfile.open(out / "report.tgz") as tar:
        assert "report/report.md" in tar.getnames()
    compared = (out / "compare.txt").read_text()
    assert "REGRESSIONS (1)" in compared and "initial_loss:correct" in compared, compared
    assert f"compared with {reference}: exit 1" in (out / "log.txt").read_text()
    # the gpu-marked tests ran after the suite, each skipped here (no GPU), and said so in their own file
    gpu_tests = (out / "gpu_tests.txt").read_text()
    assert "skipped" in gpu_tests and "failed" not in gpu_tests, gpu_tests[-2000:]
    assert "gpu tests: exit 0" in (out / "log.txt").read_text()
