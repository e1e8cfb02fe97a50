"""Shared fixtures. The expensive one, `suite_records`, runs every case once on CPU through the real CLI
(each variant in its own process, as users run it) and the per-case tests assert on those records."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness import settings

settings.prepare_tensorflow_environment()  # tests import TensorFlow in this process: its variables first

ROOT = Path(__file__).resolve().parents[1]


# `pytest -m "not slow"` is the fast loop (README, "More"): it leaves out the tests that train a model, run a suite,
# render the whole matrix or build an environment — by the heavy fixture they use, or named below. Each was
# measured (pytest --durations, 2026-12-06, this 2-core CPU) at 5 s to 4 min; what stays in is about a second or less
# a test, with a CLI process's start-up the largest part.
SLOW_FIXTURES = {  # module:fixture (a name alone could be another module's cheap fixture)
    "tests.conftest:suite_records",  # the whole suite's run, every case on CPU
    "tests.conftest:doctor",  # the doctor's examinations: each overfits a batch
    "tests.harness.verdict.test_compare:runs",  # real_runs: real suite runs, shared with test_report.py
    "tests.harness.report.test_report:runs",
    "tests.harness.report.test_matrix_report:matrix",  # the whole asv matrix's report
}
SLOW_TESTS = {  # a module, or a test (all its parameters)
    "tests/benchmarks/test_gpu_suite.py::test_the_gpu_check_leaves_its_files_and_compares_with_the_last_gpu_run",
    "tests/benchmarks/test_matrix_machines.py::"
    "test_merging_the_machines_results_reports_what_one_machine_running_them_all_would",
    "tests/cases/test_chapter_walkthrough.py::test_checkpoint_is_built_like_distilbert_base_uncased",
    "tests/harness/commands/test_cli.py::test_run_json_with_a_local_model_and_saved_data",
    "tests/harness/doctor/test_notebook.py",
    "tests/harness/launch/test_interrupts.py",
    "tests/harness/launch/test_runner.py::test_forked_workers_run_real_variants_with_phases_and_their_own_timeouts",
    "tests/harness/launch/test_runner.py::test_a_forked_worker_that_aborts_becomes_a_crashed_record_and_the_next_one_runs",
    "tests/harness/launch/test_scheduler.py::test_ctrl_c_with_two_workers_running_leaves_no_process_and_no_file",
    "tests/harness/launch/test_xla_cache.py::test_later_variants_of_a_suite_load_the_xla_programs_an_earlier_one_compiled",
    "tests/harness/releases/test_night.py::test_a_night_in_this_interpreter_judges_against_the_baseline_kept_only_when_asked",
    "tests/harness/train/test_procedures.py::test_precision_one_mode_trains_and_reports_throughput",
    "tests/harness/verdict/test_confirm.py::test_for_real_a_suspect_from_one_slow_run_is_re_measured_and_not_confirmed",
}


def is_slow(item) -> bool:
    """Whether a collected test belongs to the slow set (see SLOW_FIXTURES, SLOW_TESTS)."""
    module, _, name = item.nodeid.partition("::")
    return bool(SLOW_FIXTURES & _fixtures(item)) or module in SLOW_TESTS or f"{module}::{name.split('[')[0]}" in SLOW_TESTS


def _fixtures(item) -> set[str]:
    """'module:name' of every fixture the test uses, directly or through other fixtures."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs if info is not None else {}
    return {f"{d[-1].func.__module__}:{name}" for name, d in defs.items() if d}


def pytest_collection_modifyitems(config, items):
    from harness.env.describe import device_class

    if device_class() != "gpu":
        skip = pytest.mark.skip(reason="needs a GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
    # the tests that read the whole suite's records go last; the suite starts once collection is done, in the
    # background (pytest_collection_finish): its ~7 minutes of training overlap the other tests (which leave a
    # core idle while they start processes and render reports) instead of adding to them
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_needs_suite)


def _needs_suite(item) -> bool:
    return "suite_records" in getattr(item, "fixturenames", ())


def pytest_collection_finish(session):
    # after every deselection (-k, -m): only a session that will run such a test starts the suite
    if not session.config.option.collectonly and any(map(_needs_suite, session.items)):
        session.config.stash[SUITE] = BackgroundSuite(Path(session.config._tmp_path_factory.mktemp("suite")))


def pytest_sessionfinish(session, exitstatus):
    suite = session.config.stash.get(SUITE, None)
    if suite is not None:
        suite.stop()  # a session that ends early (-x, Ctrl-C) leaves no suite running


def run_cli(*args: str, cwd: Path | None = None, timeout: float | None = 900) -> subprocess.CompletedProcess:
    """`python -m harness ARGS`. The timeout is a generous guard for one short command, not a speed check;
    whole suites pass None, so that each variant's own timeout is the only clock."""
    return subprocess.run([sys.executable, "-m", "harness", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


class BackgroundSuite:
    """`fitbench run --json --device cpu` of every case, started when the tests are collected; its stdout goes to a
    file (a pipe nobody reads would fill and stall it)."""

    pids: set[int] = set()  # of every one started in this session: tests that count processes leave them out

    def __init__(self, folder: Path):
        self.out, self.stdout_path, self.stderr_path = folder / "runs.jsonl", folder / "stdout", folder / "stderr"
        # two variants side by side: a case whose numbers are timings still runs alone (runner.runs_alone)
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "harness", "run", "--json", "--device", "cpu", "--jobs", "2", "--out",
                 str(self.out)], stdout=out, stderr=err, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                preexec_fn=ctrl_c_reaches_it)
        BackgroundSuite.pids.add(self.proc.pid)

    def records(self) -> dict[tuple[str, str], dict]:
        returncode = self.proc.wait()  # each variant's own timeout is the only clock
        assert returncode == 0, self.stderr_path.read_text()[-3000:]
        lines = [json.loads(line) for line in self.stdout_path.read_text().splitlines() if line.startswith("{")]
        on_disk = [json.loads(line) for line in self.out.read_text().splitlines()]
        assert lines == on_disk, "stdout --json and the results file disagree"
        return {(r["case"], r["variant"]): r for r in lines}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fitbench's Ctrl-C: it stops its workers and cleans up
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


SUITE = pytest.StashKey[BackgroundSuite]()


def ctrl_c_reaches_it() -> None:
    """A Popen preexec_fn: the child takes SIGINT as a terminal's foreground job does, however pytest was started —
    a shell's background job starts with SIGINT ignored, and Python then never turns it into KeyboardInterrupt, so
    the tests that press Ctrl-C would see a run that cannot be interrupted (seen: CI started with `... &`)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def command_line(proc) -> str:
    """A psutil process's command line, "" where it ended or became a zombie between being listed and read (a
    worker that finishes while a test polls the family: seen in CI as psutil.ZombieProcess)."""
    import psutil

    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def parent_command_line(proc) -> str:
    """The command line of a psutil process's parent, "" where either ended meanwhile (same race as above)."""
    import psutil

    try:
        parent = proc.parent()
    except psutil.Error:
        return ""
    return command_line(parent) if parent is not None else ""


def own_children() -> set[int]:
    """The pids of this process's descendants, less the background suite's (its workers come and go while a test
    runs)."""
    import psutil

    mine = psutil.Process().children(recursive=True)
    theirs: set[int] = set()
    for p in mine:
        if p.pid in BackgroundSuite.pids:
            theirs.add(p.pid)
            try:
                theirs |= {c.pid for c in p.children(recursive=True)}
            except psutil.Error:
                pass  # it ended meanwhile
    return {p.pid for p in mine} - theirs


@pytest.fixture(scope="session")
def suite_records(request) -> dict[tuple[str, str], dict]:
    """Every (case, variant) of the suite, run once on CPU through the real CLI, each variant in its own process:
    {(case, variant): record dict}."""
    return request.config.stash[SUITE].records()


@pytest.fixture(scope="session")
def doctor():
    """One `fitbench doctor` (one zygote, started by its first checkup) for every test that examines pipelines."""
    from harness.doctor.run import Doctor
    from harness.env.describe import device_class

    import cases

    with Doctor(cases, device=device_class()) as d:
        yield d
