"""How a variant's fresh process is made: forked from the suite's zygote (`fork`), or a new interpreter
(`spawn`: always for a variant whose spec sets its own process environment, since variables such as
TF_USE_LEGACY_KERAS act when TensorFlow is imported, and for a `start` hook, which must run before it is).

Both keep a variant's device setup, precision policy and logical devices its own, and both give the worker a
lifeline (harness/launch/lifeline.py): when the runner dies or is interrupted, its worker goes too and leaves
no files behind. Whatever way the process ends, `Launcher.run` says what it left: its result, or that it
crashed or ran past its limit, with its stderr.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.launch.zygote_client import Zygote, ZygoteUnavailable

WORKER = [sys.executable, "-m", "harness.launch.worker"]
LAUNCHERS = ("auto", "fork", "spawn")


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


def process_env(overrides: dict[str, str | None]) -> dict[str, str]:
    """os.environ with a variant's variables applied; None unsets one (and tells harness/__init__ not to
    put its default back)."""
    out = {k: v for k, v in os.environ.items() if k not in overrides}
    out.update({k: v for k, v in overrides.items() if v is not None})
    unset = [k for k, v in overrides.items() if v is None]
    if unset:
        out["FITBENCH_UNSET"] = ",".join(unset)
    return out


class Launcher:
    """Starts the worker processes of one suite. Use as a context manager: closing stops the zygote."""

    def __init__(self, kind: str = "auto"):
        if kind not in LAUNCHERS:
            raise ValueError(f"launcher must be one of {list(LAUNCHERS)}, got {kind!r}")
        self.kind = kind
        # the lifeline: workers exit when its write end closes, i.e. when this process is gone
        self._lifeline_r, self._lifeline_w = os.pipe()
        self.zygote: Zygote | None = None
        self.note = ""  # why this suite does not fork, when it does not
        self._tmp: tempfile.TemporaryDirectory | None = None  # the zygote's TMPDIR
        self._learned: dict[tuple, list] = {}  # AutoGraph conversions forked workers had to do (harness/warmup.py)
        self._sent: set[tuple] = set()

    def __enter__(self) -> "Launcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        for fd in (self._lifeline_r, self._lifeline_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._lifeline_r = self._lifeline_w = -1

    def _fork_server(self) -> Zygote | None:
        """The zygote, started on first use; None (with `note` saying why) where forking is not possible."""
        if self.kind == "spawn" or self.note:
            return None
        if self.zygote is not None and (self.zygote.gone or self.zygote.proc.poll() is not None):
            self.zygote.close()  # killed from outside (the OOM killer, say): start another
            self.zygote = None
        if self.zygote is None:
            try:
                self._tmp = self._tmp or tempfile.TemporaryDirectory(prefix="fitbench-zygote-")
                self.zygote = Zygote(self._lifeline_r, Path(self._tmp.name))
            except ZygoteUnavailable as exc:
                if self.kind == "fork":
                    raise
                self.note = f"{exc}; each variant starts a fresh interpreter instead"
        return self.zygote

    def run(self, job: dict[str, Any], tmp: Path, timeout_s: float, variant_env: dict[str, str | None],
            command: list[str] | None = None, fresh: bool = False) -> Launched:
        """Run `job` in a new process: forked from the zygote unless `fresh` (or a `command`) asks for a new
        interpreter, with `variant_env` applied."""
        result_path, stderr_path = tmp / "result.json", tmp / "stderr.txt"
        zygote = None if (fresh or variant_env or command) else self._fork_server()
        if zygote is not None:
            try:
                new = {key: entry for key, entry in self._learned.items() if key not in self._sent}
                code, failure, t_exit = zygote.run(job, result_path, stderr_path, timeout_s, list(new.values()))
                self._sent.update(new)
                launcher = "fork"
            except (ZygoteUnavailable, OSError) as exc:  # it died between two variants: this one starts afresh
                self.note = f"zygote lost ({exc}); the rest of the suite starts a fresh interpreter per variant"
                zygote = None
        if zygote is None:
            code, failure, t_exit = self._spawn(job, result_path, stderr_path, timeout_s, variant_env,
                                                command or WORKER)
            launcher = "spawn"
        stderr = stderr_path.read_text(errors="replace") if stderr_path.exists() else ""
        if not failure and code != 0:
            stderr += f"\n[fitbench] worker exited with {describe_returncode(code)}"
        if failure == "lost":
            stderr += "\n[fitbench] the zygote died while the worker ran"
        if result_path.exists() and failure != "timeout":
            result = json.loads(result_path.read_text())
            for entry in result.pop("autograph_learned", None) or []:
                self._learned.setdefault(tuple(map(str, entry)), entry)
            return Launched(result, "", stderr, launcher, t_exit)
        return Launched(None, "timeout" if failure == "timeout" else "crashed", stderr, launcher, t_exit)

    def _spawn(self, job: dict[str, Any], result_path: Path, stderr_path: Path, timeout_s: float,
               variant_env: dict[str, str | None], command: list[str]) -> tuple[int | None, str, float]:
        environ = {**process_env(variant_env), "FITBENCH_LIFELINE_FD": str(self._lifeline_r),
                   "TMPDIR": str(result_path.parent)}  # the worker's temp files go with the variant's folder
        with open(stderr_path, "w") as err:
            # a new session, so a timeout can kill the child and anything it started
            proc = subprocess.Popen([*command, str(result_path)], stdin=subprocess.PIPE, stdout=err, stderr=err,
                                    start_new_session=True, cwd=os.getcwd(), env=environ,
                                    pass_fds=(self._lifeline_r,))
            try:
                proc.communicate(json.dumps(job).encode(), timeout=timeout_s)
                return proc.returncode, "", time.time()
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return proc.returncode, "timeout", time.time()
            except BaseException:  # Ctrl-C: take the worker down before passing the interrupt on
                _kill_group(proc)
                raise


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
