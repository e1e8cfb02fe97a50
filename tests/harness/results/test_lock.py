"""One writer per results file, across processes."""
import subprocess
import sys
import time

import pytest

from harness.results.lock import Locked, results_lock
from tests.conftest import ROOT

HOLD = ("import sys, time; from pathlib import Path; from harness.results.lock import results_lock\n"
        "with results_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)")


def test_a_second_writer_is_refused_with_who_holds_it_and_the_lock_dies_with_its_holder(tmp_path):
    path = tmp_path / "night.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Locked, match=f"is being written by fitbench pid {holder.pid} since"):
            with results_lock(path):
                pass
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with results_lock(path):  # a killed holder leaves no stale lock
        pass
