"""How a variant's fresh process is made, and what it left behind.

`fork`: the child of a zygote that imported the libraries once (harness/launch/zygote.py); one zygote per
distinct process environment, so the variants that set their own variables (TF_USE_LEGACY_KERAS unset, ...) pay
the imports once per environment, not once per variant. `spawn`: a new interpreter, for a variant with a `start`
hook (which must run before TensorFlow is imported), for `--launcher spawn`, and wherever a zygote cannot serve.
Both keep a variant's device setup, precision policy and logical devices its own, both let several variants run
at once, and both give the worker a lifeline (harness/launch/lifeline.py): when the runner dies or is
interrupted, its workers go too and leave no files behind.

`start` returns a `Running` handle at once; `poll` says which handles are done (killing those past their
deadline), and `collect` says what one left: its result, or that it crashed or ran past its limit, with its stderr.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import cache_dir, settings
from harness.launch.zygote_client import Zygote, ZygoteUnavailable

WORKER = [sys.executable, "-m", "harness.launch.worker"]
LAUNCHERS = ("auto", "fork", "spawn")
KILL_GRACE_S = 30  # a killed child the zygote has not reported by then is taken as gone


def describe_returncode(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


@dataclass
class Launched:
    """What one worker process left behind."""

    result: dict[str, Any] | None   # the worker's result, None if it wrote none (or ran past its limit)
    failure: str                     # "" | "crashed" | "timeout"
    stderr: str
    launcher: str                    # "fork" | "spawn"
    t_exit: float                    # time.time() when the process was gone


@dataclass
class Running:
    """A worker process started and not yet collected."""

    job_id: str
    tmp: Path                        # the variant's folder: result.json, stderr.txt, the phase journal
    launcher: str                    # fork | spawn
    deadline: float                  # time.monotonic() past which it is killed
    pid: int
    zygote: Zygote | None = None
    proc: subprocess.Popen | None = None
    exit: tuple[int | None, float] | None = None   # (returncode, t_exit) once gone
    failure: str = ""                # "" | "timeout" | "lost"
    killed_at: float | None = None
    spawn_s: float = 0.0             # what starting it cost the runner (a zygote's first start: its imports)
    extra: dict[str, Any] = field(default_factory=dict)


def process_env(overrides: dict[str, str | None], base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (os.environ) with a variant's variables applied; None unsets one (and tells the worker's
    settings.prepare_tensorflow_environment() not to put its default back)."""
    out = {k: v for k, v in (os.environ if base is None else base).items() if k not in overrides}
    out.update({k: v for k, v in overrides.items() if v is not None})
    unset = [k for k, v in overrides.items() if v is None]
    if unset:
        out["FITBENCH_UNSET"] = ",".join(unset)
    return out


def measuring_env(device: str) -> dict[str, str]:
    """What the runner adds to its workers' environment. On a GPU (or with FITBENCH_XLA_CACHE=1): XLA's
    persistent compilation cache under fitbench's cache, so a compilation one variant did is reused by the next
    process (the programs are the same; only the compile time goes), and TF's INFO log, from which the runner reads
    each XLA compilation and its time (a VLOG of TF's, at INFO level). Off on CPU by default: loading cached XLA:CPU programs warns of SIGILL on
    another CPU (measured, TF 2.21), and CPU runs compile no XLA unless a variant asks for it."""
    if not (device == "gpu" or settings.get("FITBENCH_XLA_CACHE") == "1"):
        return {}
    folder = cache_dir() / "xla"
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if "--tf_xla_persistent_cache_directory" not in flags:
        flags = f"{flags} --tf_xla_persistent_cache_directory={folder}".strip()
    # the per-compilation line is a VLOG(1) of device_compiler.h (xla_compilation_cache.cc before TF 2.13)
    return {"TF_XLA_FLAGS": flags,
            "TF_CPP_VMODULE": "device_compiler=1,device_executable_persistor=1,xla_compilation_cache=1",
            "TF_CPP_MIN_LOG_LEVEL": "0"}  # VLOG lines are INFO: level 2 (harness/__init__.py) would hide them


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # a worker leads its own session: pgid == pid
    except ProcessLookupError:
        pass


class Launcher:
    """Starts the worker processes of one suite. Use as a context manager: closing stops the zygotes."""

    def __init__(self, kind: str = "auto", device: str = "cpu"):
        if kind not in LAUNCHERS:
            raise ValueError(f"launcher must be one of {list(LAUNCHERS)}, got {kind!r}")
        self.kind = kind
        self.base_env = {**os.environ, **measuring_env(device)}
        # the lifeline: workers exit when its write end closes, i.e. when this process is gone
        self._lifeline_r, self._lifeline_w = os.pipe()
        self.zygotes: dict[tuple, Zygote] = {}
        self.notes: dict[tuple, str] = {}  # why a process environment does not fork, where it does not
        self._tmp: tempfile.TemporaryDirectory | None = None  # the zygotes' TMPDIR
        self._learned: dict[tuple, list] = {}  # AutoGraph conversions forked workers had to do (train/warmup.py)
        self._sent: dict[tuple, set] = {}
        self._count = 0

    def __enter__(self) -> "Launcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for zygote in self.zygotes.values():
            zygote.close()
        self.zygotes.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        for fd in (self._lifeline_r, self._lifeline_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._lifeline_r = self._lifeline_w = -1

    def note(self, variant_env: dict[str, str | None]) -> str:
        return self.notes.get(tuple(sorted(variant_env.items())), "")

    def _fork_server(self, variant_env: dict[str, str | None]) -> tuple[Zygote | None, float]:
        """The zygote of this process environment, started on first use (and how long that took); None (with a
        note saying why) where forking is not possible."""
        key = tuple(sorted(variant_env.items()))
        if self.kind == "spawn" or key in self.notes:
            return None, 0.0
        zygote = self.zygotes.get(key)
        if zygote is not None and (zygote.gone or zygote.proc.poll() is not None):
            zygote.close()  # killed from outside (the OOM killer, say): start another
            del self.zygotes[key]
            zygote = None
        if zygote is not None:
            return zygote, 0.0
        try:
            self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="fitbench-zygote-")
            zygote = Zygote(self._lifeline_r, Path(self._tmp.name), env=process_env(variant_env, self.base_env))
        except ZygoteUnavailable as exc:
            if self.kind == "fork":
                raise
            self.notes[key] = f"{exc}; its variants start a fresh interpreter instead"
            return None, 0.0
        self.zygotes[key] = zygote
        return zygote, zygote.ready_s

    def start(self, job: dict[str, Any], tmp: Path, timeout_s: float, variant_env: dict[str, str | None],
              command: list[str] | None = None, fresh: bool = False) -> Running:
        """Start `job` in a new process, forked unless `fresh` (or a test's `command`) asks for a new
        interpreter; returns at once."""
        self._count += 1
        job_id = f"{job.get('case')}:{job.get('variant')}:{self._count}"
        deadline = time.monotonic() + timeout_s
        zygote, spawn_s = (None, 0.0) if (fresh or command) else self._fork_server(variant_env)
        if zygote is not None:
            key = tuple(sorted(variant_env.items()))
            sent = self._sent.setdefault(key, set())
            new = {k: entry for k, entry in self._learned.items() if k not in sent}
            try:
                pid = zygote.fork(job_id, job, tmp / "result.json", tmp / "stderr.txt", list(new.values()))
                sent.update(new)
                return Running(job_id, tmp, "fork", deadline + spawn_s, pid, zygote=zygote, spawn_s=spawn_s)
            except (ZygoteUnavailable, OSError) as exc:  # it died between two variants: this one starts afresh
                self.notes[key] = f"zygote lost ({exc}); its variants start a fresh interpreter instead"
        return self._spawn(job_id, job, tmp, deadline, variant_env, command or WORKER)

    def _spawn(self, job_id: str, job: dict[str, Any], tmp: Path, deadline: float,
               variant_env: dict[str, str | None], command: list[str]) -> Running:
        environ = {**process_env(variant_env, self.base_env), "FITBENCH_LIFELINE_FD": str(self._lifeline_r),
                   "TMPDIR": str(tmp)}  # the worker's temp files go with the variant's folder
        with open(tmp / "stderr.txt", "w") as err:
            # a new session, so a timeout can kill the child and anything it started
            proc = subprocess.Popen([*command, str(tmp / "result.json")], stdin=subprocess.PIPE, stdout=err,
                                    stderr=err, start_new_session=True, cwd=os.getcwd(), env=environ,
                                    pass_fds=(self._lifeline_r,))
        try:
            proc.stdin.write(json.dumps(job).encode())
            proc.stdin.close()
        except OSError:  # the worker died at once; its exit code tells
            pass
        return Running(job_id, tmp, "spawn", deadline, proc.pid, proc=proc)

    def poll(self, running: list[Running]) -> list[Running]:
        """The handles whose process is gone; a process past its deadline is killed first (failure "timeout")."""
        exits: dict[str, tuple[int | None, float]] = {}
        for zygote in {id(r.zygote): r.zygote for r in running if r.zygote is not None}.values():
            exits.update(zygote.exits())
        done = []
        for r in running:
            if r.exit is None:
                self._check(r, exits)
            if r.exit is None and time.monotonic() > r.deadline and not r.failure:
                self.kill(r, "timeout")
            if r.exit is None and r.killed_at and time.monotonic() - r.killed_at > KILL_GRACE_S:
                r.exit = (None, time.time())
            if r.exit is not None:
                done.append(r)
        return done

    def _check(self, r: Running, exits: dict[str, tuple[int | None, float]]) -> None:
        if r.proc is not None:
            code = r.proc.poll()
            if code is not None:
                r.exit = (code, time.time())
        elif r.job_id in exits:
            r.exit = exits[r.job_id]
            if r.exit[0] is None and not r.failure:  # the zygote died under its child: take the child too
                r.failure = "lost"
                kill_group(r.pid)

    def kill(self, r: Running, failure: str = "") -> None:
        r.failure = r.failure or failure
        r.killed_at = r.killed_at or time.monotonic()
        kill_group(r.pid)
        if r.proc is not None:
            r.proc.wait()
            r.exit = (r.proc.returncode, time.time())

    def collect(self, r: Running) -> Launched:
        """What the finished process left: its result (and the AutoGraph conversions it learned, for the next
        forks), or crashed / timeout, with its stderr."""
        result_path, stderr_path = r.tmp / "result.json", r.tmp / "stderr.txt"
        code, t_exit = r.exit or (None, time.time())
        stderr = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
        if not r.failure and code not in (0, None):
            stderr += f"\n[fitbench] worker exited with {describe_returncode(code)}"
        if r.failure == "lost":
            stderr += "\n[fitbench] the zygote died while the worker ran"
        if result_path.exists() and r.failure != "timeout":
            result = json.loads(result_path.read_text())
            for entry in result.pop("autograph_learned", None) or []:
                self._learned.setdefault(tuple(map(str, entry)), entry)
            return Launched(result, "", stderr, r.launcher, t_exit)
        return Launched(None, "timeout" if r.failure == "timeout" else "crashed", stderr, r.launcher, t_exit)
