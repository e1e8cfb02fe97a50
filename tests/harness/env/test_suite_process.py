"""A long job (a night, a bisect) runs a snapshot of the code, and leaves no snapshot behind when it ends —
normally or not; a folder the user named is theirs; what a killed job left is removed once it is a week old."""
from __future__ import annotations

import os
import time

import pytest

from harness.env.environment import CurrentInterpreter
from harness.env import suite_process
from harness.env.suite_process import SuiteRun, code_snapshot


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FITBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FITBENCH_BISECT_CODE", raising=False)
    return tmp_path / "cache" / "bisect-code"


def test_a_snapshot_lives_as_long_as_its_job(cache):
    with code_snapshot() as code:
        assert (code / "harness" / "env" / "suite_process.py").is_file() and (code / "cases").is_dir()
    assert not code.exists()
    with pytest.raises(KeyboardInterrupt), code_snapshot() as code:
        raise KeyboardInterrupt
    assert not code.exists() and list(cache.iterdir()) == []


def test_a_folder_the_user_named_stays(cache, tmp_path, monkeypatch):
    mine = tmp_path / "release"
    (mine / "harness").mkdir(parents=True)
    monkeypatch.setenv("FITBENCH_BISECT_CODE", str(mine))
    with code_snapshot() as code:
        assert code == mine.resolve()
    assert (mine / "harness").is_dir()


def test_what_a_killed_job_left_goes_once_a_week_old(cache):
    old, recent = cache / "code-old", cache / "code-recent"
    for folder, age_days in ((old, 8), (recent, 1)):
        folder.mkdir(parents=True)
        stamp = time.time() - age_days * 24 * 3600
        os.utime(folder, (stamp, stamp))
    with code_snapshot():
        pass
    assert not old.exists() and recent.exists()  # a day-old one may be a running bisect's


def test_a_nights_suite_runs_on_a_snapshot_and_leaves_none(cache, tmp_path, monkeypatch):
    seen = []

    def fake_run(python, args, out, cwd=None, env=None, **kw):
        seen.append((cwd, cwd.is_dir(), env["PYTHONPATH"].split(os.pathsep)[0]))
        return SuiteRun(0)

    monkeypatch.setattr(suite_process, "run_suite_process", fake_run)
    with code_snapshot() as code:  # as the nightly runs its suite: an environment, a snapshot for the night
        assert CurrentInterpreter(tmp_path / "python").run_suite([("initial_loss", "correct")], "cpu",
                                                                 tmp_path / "o.jsonl", code) == 0
    [(cwd, existed, first_on_path)] = seen
    assert existed and first_on_path == str(cwd) and cwd.parent == cache
    assert list(cache.iterdir()) == []


def test_stop_all_ends_a_suite_another_thread_waits_on(tmp_path):
    """A Ctrl-C while a round measured at once waits on two suites in threads: stop_all() ends them, and the
    threads return (nothing is left running)."""
    import sys
    import threading
    from harness.env import suite_process
    slow = tmp_path / "python"
    slow.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(120)\n")
    slow.chmod(0o755)
    result = {}
    thread = threading.Thread(target=lambda: result.update(run=suite_process.run_suite_process(
        slow, [], tmp_path / "out.jsonl")))
    thread.start()
    for _ in range(200):
        if suite_process._LIVE:
            break
        time.sleep(0.05)
    [proc] = list(suite_process._LIVE)
    suite_process.stop_all()
    thread.join(timeout=20)
    assert not thread.is_alive() and result["run"].returncode != 0 and proc.poll() is not None
    assert not suite_process._LIVE
