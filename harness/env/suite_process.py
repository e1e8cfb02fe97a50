"""A suite in another interpreter: `<python> -m harness run --json --out FILE ...`, exactly as a user runs it.

The nightly, `fitbench bisect`, asv's `setup_cache` and `benchmarks/scripts/suite_cost.py` all run fitbench this
way, each in the interpreter of the environment it measures, so a record names the versions that really ran.
Records are read back from the results file (flushed line by line), so a suite that is cut short still gives
what finished. Standard library only: asv's benchmark process imports this under every library version.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harness import cache_dir, settings
from harness.env.code import write_source_note
from harness.results.records import RunRecord
from harness.results.reading import read_records

CHECKOUT = Path(__file__).resolve().parents[2]
STALE_SNAPSHOT_S = 7 * 24 * 3600


@dataclass
class SuiteRun:
    returncode: int
    records: list[RunRecord] = field(default_factory=list)
    stderr_tail: str = ""
    wall_s: float = 0.0


def child_environment(code: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a fitbench of another interpreter: our TF_USE_LEGACY_KERAS was decided for
    *our* TF (that environment's harness decides for its own), and `code` (a folder with harness/ and cases/)
    first on PYTHONPATH, which reaches the worker processes too."""
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    if code:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def run_suite_process(python: str | Path, args: list[str], out: Path, cwd: Path | None = None,
                      env: dict[str, str] | None = None, timeout_s: float | None = None,
                      capture_stdout: bool = False, affinity: list[int] | None = None,
                      cgroup: Path | None = None) -> SuiteRun:
    """`<python> -m harness run --json --out <out> <args>`; the records it wrote (also when it failed or was cut
    off at `timeout_s`), its exit code and the tail of its stderr. `cwd` defaults to this checkout; `affinity`
    names the CPUs the suite may run on (what `taskset -c` does) and `cgroup` one it runs in (a CPU quota,
    harness/env/cpu_quota.py), where a run is to be repeated under the conditions another was measured in."""
    out = Path(out).resolve()  # the child runs in `cwd`: a relative path would land there
    out.parent.mkdir(parents=True, exist_ok=True)
    # --append: a resumed night or a re-measuring round adds to the file its caller owns
    cmd = [str(python), "-m", "harness", "run", "--json", "--out", str(out), "--append", *args]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        with subprocess.Popen(cmd, cwd=str(cwd or CHECKOUT), env=env if env is not None else dict(os.environ),
                              stdout=None if capture_stdout else subprocess.DEVNULL, stderr=err, text=True,
                              preexec_fn=functools.partial(_prepare_child, affinity, cgroup)) as proc:
            _LIVE.add(proc)
            try:
                code = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                code = 124
            except BaseException:   # a Ctrl-C (or any failure) here: the suite does not outlive it
                _stop(proc)
                raise
            finally:
                _stop(proc)
                _LIVE.discard(proc)
        err.seek(0)
        tail = err.read()[-4000:]
    records = read_records([out], cut_tail=True) if out.exists() else []
    return SuiteRun(code, records, tail, time.perf_counter() - start)


_LIVE: set[subprocess.Popen] = set()   # the suites running now, from any thread


def stop_all() -> None:
    """Stop every suite this process is running (a Ctrl-C in the main thread while other threads wait on suites:
    a confirmation round measured at once); each is killed, and the thread waiting on it returns."""
    for proc in list(_LIVE):
        if proc.poll() is None:
            proc.terminate()


def _stop(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    """A suite asked to stop (SIGTERM: its runner stops its workers and keeps what finished), killed if it has not
    within `grace_s`."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _prepare_child(affinity: list[int] | None, cgroup: Path | None) -> None:
    _die_with_parent()
    if affinity:
        os.sched_setaffinity(0, affinity)
    if cgroup is not None:
        from harness.env.cpu_quota import enter

        enter(cgroup)


def _die_with_parent() -> None:
    """In the child, before it runs: a SIGTERM when this process dies, however it dies (Linux), so that a killed
    night or bisect does not leave a suite running on — and writing — behind it. Its own workers follow it
    through their lifelines, so nothing is left."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: an orphan finishes its suite
        pass


def snapshot_code(root: Path | None = None) -> Path:
    """A copy of fitbench's code (harness/, cases/) as it is now, under the cache: every run of a long job
    (a bisect, a night) runs the same code, even while the checkout is being edited (measured: a half-edited
    worker in the checkout turned one step into `crashed` during a 10-minute bisect). Jobs take it through
    code_snapshot(), which removes it after them."""
    root = root or CHECKOUT
    folder = cache_dir() / "bisect-code"
    folder.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix="code-", dir=folder))
    for package in ("harness", "cases"):
        shutil.copytree(root / package, dest / package, ignore=shutil.ignore_patterns("__pycache__"))
    write_source_note(dest, root)  # the commit it came from: the copy has no .git
    return dest


@contextmanager
def code_snapshot(root: Path | None = None) -> Iterator[Path]:
    """snapshot_code() for the length of one job (a night's suite, a bisect), removed after it however it ends.
    FITBENCH_BISECT_CODE=DIR names a folder with harness/ and cases/ to run instead (e.g. an older release,
    `git archive`d): the user's, so it stays. Snapshots that a killed job left behind are removed once they are
    a week old (a running job's own is days younger than that)."""
    if settings.get("FITBENCH_BISECT_CODE"):
        yield Path(settings.get("FITBENCH_BISECT_CODE")).resolve()
        return
    path = snapshot_code(root)
    for stale in path.parent.glob("code-*"):
        if time.time() - stale.stat().st_mtime > STALE_SNAPSHOT_S:
            shutil.rmtree(stale, ignore_errors=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
