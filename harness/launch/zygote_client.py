"""The runner's handle on a zygote process (harness/launch/zygote.py): start it, run a job in a forked child,
stop it. A zygote that does not start or refuses to serve is a ZygoteUnavailable, and the runner falls back on
a fresh interpreter per variant."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


class ZygoteUnavailable(RuntimeError):
    """The zygote did not start or refused to serve; the runner falls back on a fresh interpreter per variant."""


class Zygote:
    """The runner's handle on a zygote process: start it, run one job at a time in a forked child, stop it."""

    def __init__(self, lifeline_fd: int, tmp_dir: Path, start_timeout_s: float = 300.0):
        # the zygote's own temporary files (AutoGraph's, when it warms conversions) live in the runner's folder
        env = {**os.environ, "FITBENCH_LIFELINE_FD": str(lifeline_fd), "TMPDIR": str(tmp_dir)}
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.launch.zygote"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                     pass_fds=(lifeline_fd,), start_new_session=True, cwd=os.getcwd())
        self._buffer = b""
        self.gone = False  # set when the zygote's stdout reached EOF: it died (or was killed)
        hello = self._read(time.monotonic() + start_timeout_s)
        if not hello or not hello.get("ready"):
            self.close()
            why = hello.get("refused") if hello else "no answer"
            raise ZygoteUnavailable(f"zygote not serving: {why}")

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next JSON line from the zygote, or None at the deadline or if the zygote is gone."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                self.gone = True
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, job: dict[str, Any], result: Path, stderr: Path, timeout_s: float,
            warm: list | None = None) -> tuple[int | None, str, float]:
        """Run `job` in a forked child, after warming AutoGraph conversions `warm` in the zygote (harness/warmup.py):
        (returncode, "" | "timeout" | "lost", time the child was gone)."""
        request = {"job": job, "result": str(result), "stderr": str(stderr), "warm": warm or []}
        self.proc.stdin.write((json.dumps(request) + "\n").encode())
        self.proc.stdin.flush()
        started = self._read(time.monotonic() + 60)
        if started is None:
            raise ZygoteUnavailable("the zygote did not fork")  # the runner falls back on a fresh interpreter
        pid = started["pid"]
        try:
            done = self._read(time.monotonic() + timeout_s)
        except BaseException:  # Ctrl-C while the child runs: take it down before passing the interrupt on
            self._kill(pid)
            self._read(time.monotonic() + 10)
            raise
        if done is not None:
            return done["returncode"], "", done["t_exit"]
        if self.gone:  # the zygote died under its child: take the child down too, the record says "crashed"
            self._kill(pid)
            return None, "lost", time.time()
        self._kill(pid)
        done = self._read(time.monotonic() + 30)
        return (done or {}).get("returncode"), "timeout", (done or {}).get("t_exit", time.time())

    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGKILL)  # the child is its session's leader: pgid == pid
        except ProcessLookupError:
            pass

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # EOF: the zygote leaves its loop
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
