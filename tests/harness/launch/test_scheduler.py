"""Which variants run side by side: the rules with fakes, then real processes (crashes, timeouts and Ctrl-C
with several workers running)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from harness.launch.runner import run_pairs
from harness.launch.scheduler import Task, run_tasks
from harness.spec import Case, Variant
from tests.conftest import ROOT, command_line, ctrl_c_reaches_it
from tests.harness.launch.test_runner import BY_VARIANT


class FakeClock:
    """Tasks that end after a number of polls; records who ran at the same time."""

    def __init__(self, ticks: dict[str, int]):
        self.ticks, self.left, self.log, self.running = ticks, {}, [], set()

    def start(self, task):
        if self.ticks[task.name] == 0:
            return None  # over at once (a variant not applicable here)
        self.left[task.name] = self.ticks[task.name]
        self.running.add(task.name)
        self.log.append(("start", task.name, frozenset(self.running)))
        return task.name

    def finished(self, running):
        done = []
        for task in running:
            self.left[task.name] -= 1
            if self.left[task.name] == 0:
                done.append(task)
                self.running.discard(task.name)
        return done


def run(tasks, jobs, ticks):
    clock, ended = FakeClock(ticks), []
    run_tasks(tasks, jobs, clock.start, clock.finished, lambda t: ended.append(t.name), lambda t: None, tick_s=0)
    return clock, ended


def test_shared_variants_run_side_by_side_and_an_alone_one_with_nothing_beside_it():
    tasks = [Task("a", False), Task("b", False), Task("t", True), Task("c", False), Task("d", False), Task("e", False)]
    clock, ended = run(tasks, 2, {"a": 3, "b": 1, "t": 2, "c": 2, "d": 2, "e": 1})
    starts = {name: running for kind, name, running in clock.log}
    assert starts["b"] == {"a", "b"}          # two at a time
    assert starts["t"] == {"t"}               # waits until a and b are done, then runs alone
    assert "t" not in starts["c"]             # nothing starts beside it
    assert max(len(r) for _, _, r in clock.log) == 2
    by_name = {t.name: t for t in tasks}
    assert by_name["t"].neighbours == set() and by_name["a"].neighbours == {"b"}
    assert by_name["c"].neighbours == {"d"} and sorted(ended) == sorted(by_name)


def test_one_job_runs_everything_alone_and_a_skipped_task_ends_at_once():
    tasks = [Task("a", False), Task("skip", False), Task("b", False)]
    clock, ended = run(tasks, 1, {"a": 2, "skip": 0, "b": 1})
    assert ended == ["a", "skip", "b"] and all(not t.neighbours for t in tasks)
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        run_tasks([], 0, None, None, None, None)


def test_an_interrupt_stops_every_running_task():
    stopped = []

    def finished(running):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks([Task("a", False), Task("b", False)], 2, lambda t: t.name, finished, lambda t: None,
                  lambda t: stopped.append(t.name))
    assert sorted(stopped) == ["a", "b"]


# --- real processes ------------------------------------------------------------------------------------

def _variant(name, alone=None, **kw):
    return Variant(name, "fix", {}, claims={"cpu": "ok", "gpu": "ok"}, says="", alone=alone, **kw)


def test_a_neighbours_crash_or_timeout_takes_no_other_record_with_it():
    """Three workers at once: one kills itself, one hangs past its limit, one reports; each keeps its own
    record, and the ones that shared say with whom."""
    case = Case("c", "t", "x", (_variant("v"), _variant("hang", timeout_s=3), _variant("ok")))
    records = {r.variant: r for r in run_pairs([(case, v) for v in case.variants], "cpu", jobs=3,
                                               worker=BY_VARIANT)}
    assert (records["v"].observed, records["hang"].observed, records["ok"].observed) == ("crashed", "timeout", "ok")
    assert "SIGKILL" in records["v"].error["stderr_tail"] and records["hang"].error["limit_s"] == 3
    assert records["ok"].context.ran_alone is False and records["ok"].context.jobs == 3
    assert set(records["ok"].context.neighbours) == {"c:v", "c:hang"}


def test_a_variant_that_must_run_alone_runs_alone_with_real_workers():
    case = Case("c", "t", "x", (_variant("a"), _variant("b"), _variant("alone", alone=True), _variant("d")))
    records = {r.variant: r for r in run_pairs([(case, v) for v in case.variants], "cpu", jobs=2,
                                               worker=BY_VARIANT)}
    assert records["alone"].context.ran_alone is True and records["alone"].context.neighbours == []
    assert records["a"].context.neighbours == ["c:b"]
    # a case-wide default, overridden per variant
    spec = Case("k", "t", "x", (_variant("x"), _variant("y", alone=False)), alone=True)
    from harness.launch.runner import runs_alone
    assert runs_alone(spec, spec.variants[0]) and not runs_alone(spec, spec.variants[1])


def _parent(proc: psutil.Process) -> int | None:
    """Its parent's pid (a forked worker's is the zygote, not the runner), None where it ended meanwhile."""
    try:
        return proc.ppid()
    except psutil.Error:
        return None


def test_ctrl_c_with_two_workers_running_leaves_no_process_and_no_file(tmp_path):
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "tmp")}
    cases = "chapter_walkthrough:num_labels_3,chapter_walkthrough:adam_5e-5"  # DistilBERT, not alone: tens of s
    runner = subprocess.Popen([sys.executable, "-m", "harness", "run", "--device", "cpu", "--jobs", "2",
                               "--cases", cases, "--out", str(tmp_path / "r.jsonl")], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=ctrl_c_reaches_it)
    deadline = time.monotonic() + 300
    workers = []
    while time.monotonic() < deadline and len(workers) < 2:
        assert runner.poll() is None, runner.communicate()
        family = psutil.Process(runner.pid).children(recursive=True)
        workers = [p for p in family
                   if "harness.launch.zygote" in command_line(p) and _parent(p) not in (None, runner.pid)]
        time.sleep(0.2)
    assert len(workers) == 2, "two forked workers never ran at once"
    family = psutil.Process(runner.pid).children(recursive=True)
    runner.send_signal(signal.SIGINT)
    out, err = runner.communicate(timeout=300)  # generous: a loaded CI machine is slow to wind down
    assert runner.returncode == 130, err[-2000:]
    gone, alive = psutil.wait_procs(family, timeout=20)
    assert not alive and list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "r.jsonl").exists()  # neither had finished: nothing half-written either
