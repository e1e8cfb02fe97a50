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

import harness  # noqa: F401  (TF_USE_LEGACY_KERAS before any TF import)

ROOT = Path(__file__).resolve().parents[1]


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
                 str(self.out)], stdout=out, stderr=err, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
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
