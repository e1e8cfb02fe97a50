"""A runner that is killed or interrupted takes its worker with it and leaves no temporary files behind.

Real processes: a `fitbench run` on a long variant is started with its own TMPDIR, killed (SIGKILL) or
interrupted (SIGINT, as Ctrl-C) once its worker runs, and then no process it started may survive and no
`fitbench-*` folder may be left.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, command_line, ctrl_c_reaches_it, parent_command_line

LONG_VARIANT = "adam_default_lr:adam_string"  # DistilBERT shape, 40 steps: tens of seconds on this CPU


def start_run(tmp_path: Path, launcher: str) -> subprocess.Popen:
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "tmp")}
    return subprocess.Popen([sys.executable, "-m", "harness", "run", "--device", "cpu", "--launcher", launcher,
                             "--cases", f"initial_loss:correct,{LONG_VARIANT}", "--out", str(tmp_path / "r.jsonl")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_reaches_it)


def wait_for_long_worker(runner: subprocess.Popen, tmp_path: Path, timeout: float = 300) -> list[psutil.Process]:
    """Once the first record is on disk and a worker of the second variant runs: every process of the run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert runner.poll() is None, runner.communicate()
        done = (tmp_path / "r.jsonl").exists() and (tmp_path / "r.jsonl").read_text().count("\n") >= 1
        family = psutil.Process(runner.pid).children(recursive=True)
        workers = [p for p in family if _is_worker(p)]
        if done and workers and list((tmp_path / "tmp").glob("fitbench-*")):
            time.sleep(2)  # well inside the variant's training
            return psutil.Process(runner.pid).children(recursive=True)
        time.sleep(0.2)
    raise AssertionError("the long variant's worker never started")


def _is_worker(proc: psutil.Process) -> bool:
    cmd = command_line(proc)
    # a spawned worker runs harness.launch.worker; a forked one is a child of the zygote, with its command line
    return "harness.launch.worker" in cmd or ("harness.launch.zygote" in cmd
                                           and "harness.launch.zygote" in parent_command_line(proc))


def assert_all_gone(family: list[psutil.Process], tmp_path: Path, within: float = 20) -> None:
    gone, alive = psutil.wait_procs(family, timeout=within)
    assert not alive, f"still running {within} s after the runner went: {[p.pid for p in alive]}"
    leftovers = [p.name for p in (tmp_path / "tmp").iterdir()]
    assert leftovers == [], f"left behind in TMPDIR: {leftovers}"


@pytest.mark.parametrize("launcher", ["fork", "spawn"])
def test_sigkill_of_the_runner_takes_its_worker_along(tmp_path, launcher):
    runner = start_run(tmp_path, launcher)
    family = wait_for_long_worker(runner, tmp_path)
    assert any(_is_worker(p) for p in family)
    runner.kill()
    runner.wait()
    assert_all_gone(family, tmp_path)
    # the record written before the kill is whole
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 1


def test_ctrl_c_stops_the_worker_shows_what_finished_and_exits_130(tmp_path):
    runner = start_run(tmp_path, "auto")
    family = wait_for_long_worker(runner, tmp_path)
    runner.send_signal(signal.SIGINT)
    out, err = runner.communicate(timeout=300)  # generous: a loaded CI machine is slow to wind down
    assert runner.returncode == 130, err[-2000:]
    assert "interrupted; records written so far are kept" in err
    assert f"results: {tmp_path / 'r.jsonl'}" in out + err
    assert "initial_loss:correct" in out  # the table of what finished
    assert_all_gone(family, tmp_path)


def test_sigterm_stops_the_worker_keeps_what_finished_and_exits_143(tmp_path):
    """SIGTERM (a job's time limit, `kill`, a night stopping a suite it started) takes Ctrl-C's way out. Seen before:
    a runner that died of it at once left /tmp/fitbench-* behind, the folder of a worker that had just written its
    result and not yet been collected."""
    runner = start_run(tmp_path, "auto")
    family = wait_for_long_worker(runner, tmp_path)
    runner.send_signal(signal.SIGTERM)
    out, err = runner.communicate(timeout=300)
    assert runner.returncode == 143, err[-2000:]
    assert "stopped (SIGTERM); records written so far are kept" in err
    assert "initial_loss:correct" in out and f"results: {tmp_path / 'r.jsonl'}" in out + err
    assert_all_gone(family, tmp_path)
    assert (tmp_path / "r.jsonl").read_text().count("\n") == 1
