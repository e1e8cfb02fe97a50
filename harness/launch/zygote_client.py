"""The runner's handle on a zygote process (harness/launch/zygote.py): start it, fork children for jobs (several may
run at once), learn when each is gone, stop it. A zygote that does not start or refuses to serve is a
ZygoteUnavailable, and the runner falls back on a fresh interpreter per variant."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


class ZygoteUnavailable(RuntimeError):
    """The zygote did not start, refused to serve or died; the runner falls back on a fresh interpreter."""


class Zygote:
    """One zygote process. `fork` starts a child and returns its pid; `exits` says which children are gone."""

    def __init__(self, lifeline_fd: int, tmp_dir: Path, env: dict[str, str] | None = None,
                 start_timeout_s: float = 300.0):
        # the zygote's own temporary files (AutoGraph's, when it warms conversions) live in the runner's folder
        env = {**(os.environ if env is None else env), "FITBENCH_LIFELINE_FD": str(lifeline_fd),
               "TMPDIR": str(tmp_dir)}
        self.started_at = time.time()
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.launch.zygote"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                     pass_fds=(lifeline_fd,), start_new_session=True, cwd=os.getcwd())
        self._buffer = b""
        self._exits: dict[str, tuple[int | None, float]] = {}   # job id -> (returncode, t_exit), not yet claimed
        self._pids: dict[str, int] = {}
        self.gone = False  # set when the zygote's stdout reached EOF: it died (or was killed)
        hello = self._read(time.monotonic() + start_timeout_s)
        self.ready_s = time.time() - self.started_at  # what the zygote's imports cost, once
        if not hello or not hello.get("ready"):
            self.close()
            why = hello.get("refused") if hello else "no answer"
            raise ZygoteUnavailable(f"zygote not serving: {why}")

    def _read(self, deadline: float) -> dict[str, Any] | None:
        """The next JSON line from the zygote, or None at the deadline or if the zygote is gone."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            if not select.select([fd], [], [], max(deadline - time.monotonic(), 0.0))[0]:
                return None  # nothing more before the deadline (a deadline of now: nothing waiting)
            chunk = os.read(fd, 65536)
            if not chunk:
                self.gone = True
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _note(self, message: dict[str, Any]) -> None:
        if "returncode" in message:
            self._exits[message["id"]] = (message["returncode"], message["t_exit"])

    def fork(self, job_id: str, job: dict[str, Any], result: Path, stderr: Path, warm: list | None = None) -> int:
        """Fork a child for `job`, after the zygote warmed the AutoGraph conversions `warm`
        (harness/train/warmup.py); its pid. ZygoteUnavailable where the zygote no longer serves."""
        request = {"id": job_id, "job": job, "result": str(result), "stderr": str(stderr), "warm": warm or []}
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except OSError as exc:
            raise ZygoteUnavailable(f"the zygote is gone ({exc})") from None
        deadline = time.monotonic() + 120  # warming and forking take seconds, not minutes
        while True:
            message = self._read(deadline)
            if message is None:
                raise ZygoteUnavailable("the zygote did not fork")
            if message.get("id") == job_id and "returncode" not in message:
                self._pids[job_id] = message["pid"]
                return message["pid"]
            self._note(message)

    def exits(self) -> dict[str, tuple[int | None, float]]:
        """{job id: (returncode, time the child was gone)} of the children gone since the last call; when the
        zygote itself died, every child it still had is reported with returncode None."""
        while True:
            message = self._read(time.monotonic())
            if message is None:
                break
            self._note(message)
        if self.gone:
            for job_id in self._pids:
                self._exits.setdefault(job_id, (None, time.time()))
        out, self._exits = self._exits, {}
        for job_id in out:
            self._pids.pop(job_id, None)
        return out

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()  # EOF: the zygote leaves its loop once its children are gone
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
