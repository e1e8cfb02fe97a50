"""The fork server ("zygote"): import the heavy libraries once per suite, then fork one fresh child per variant.

Every variant still runs in its own process with its own timeout, and a crash, abort or hang of that process
still becomes a record — but the child starts with TensorFlow, transformers and datasets already imported,
instead of paying ~3 s (warm disk cache) to ~10 s (cold) for the imports in every variant. What makes this
safe is that the zygote only *imports*: it never initialises TensorFlow's runtime or CUDA, so each child still
sets up its devices, memory growth, logical devices and mixed-precision policy from scratch, exactly as a
fresh interpreter would. The zygote checks that after importing and refuses to serve otherwise. Before each
fork it also does the AutoGraph conversions earlier workers reported (harness/warmup.py), which are pure source
rewriting, so that later children find them cached.

Why not multiprocessing's forkserver: it keeps its socket in a `pymp-*` temp directory that a SIGKILLed
runner leaves behind, and it cannot point a child's stdout/stderr at a per-variant file. The protocol here is
a pipe: the runner writes one JSON request per line on the zygote's stdin; the zygote answers on stdout with
the child's pid, then with its exit code once the child is gone.

Run as `python -m harness.zygote` (the runner does that); the worker logic the child runs is harness.worker's.
"""
from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness  # noqa: F401  (environment defaults before TensorFlow is imported)

# What a variant would import anyway. Importing is all the zygote does with them.
PRELOAD = ("tensorflow", "harness.callbacks", "harness.procedures", "harness.metrics", "transformers",
           "datasets", "evaluate")


def preload() -> None:
    """Import what every variant needs, including transformers' lazily loaded TF model classes."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    import transformers

    for attr in ("TFDistilBertForSequenceClassification", "TFAutoModelForSequenceClassification",
                 "DataCollatorWithPadding", "create_optimizer", "DistilBertConfig", "PreTrainedTokenizerFast"):
        getattr(transformers, attr)


def runtime_touched() -> str | None:
    """Why forking now would not give fresh state (TF runtime or CUDA already initialised), or None."""
    from tensorflow.python.eager import context

    ctx = context._context  # created lazily by the first op or device query; importing leaves it None
    if ctx is not None and getattr(ctx, "_context_handle", None) is not None:
        return "TensorFlow's runtime was initialised while importing"
    maps = Path("/proc/self/maps")
    if maps.exists() and "libcuda.so" in maps.read_text():
        handle = ctypes.c_void_p()
        # cuCtxGetCurrent answers CUDA_ERROR_NOT_INITIALIZED (3) until someone called cuInit; it never inits
        code = ctypes.CDLL("libcuda.so.1").cuCtxGetCurrent(ctypes.byref(handle))
        if code != 3:
            return f"CUDA was initialised while importing (cuCtxGetCurrent returned {code})"
    return None


def _child(request: dict[str, Any]) -> None:
    """In the forked child: own session, stdio to the variant's file, run the job, never return."""
    code = 1
    try:
        os.setsid()  # its own process group: a timeout kills it and anything it started
        fd = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)  # the zygote's request pipe is not the child's to read
        os.close(null)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from harness import worker

        code = worker.execute(request["job"], request["result"], launcher="fork")
    except BaseException:  # noqa: BLE001 — whatever happens, the child must not return into the zygote loop
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> int:
    from harness.worker import watch_lifeline

    # the runner gone (even SIGKILLed, even while we import): remove our temporary files and exit
    watch_lifeline(Path(os.environ.get("TMPDIR", "/nonexistent")))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    try:
        preload()
        refused = runtime_touched()
    except Exception as exc:  # e.g. transformers 5 (no TF models) or Keras 3 only: the workers will say so
        refused = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    _send({"ready": refused is None, "refused": refused})
    if refused:
        return 1
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("warm"):
            from harness import warmup

            warmup.warm(request["warm"])
            if runtime_touched():  # never fork from a process whose runtime is up: exit, the runner spawns
                return 1
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        _send({"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send({"pid": pid, "returncode": os.waitstatus_to_exitcode(status), "t_exit": time.time()})
    return 0


class ZygoteUnavailable(RuntimeError):
    """The zygote did not start or refused to serve; the runner falls back on a fresh interpreter per variant."""


class Zygote:
    """The runner's handle on a zygote process: start it, run one job at a time in a forked child, stop it."""

    def __init__(self, lifeline_fd: int, tmp_dir: Path, start_timeout_s: float = 300.0):
        # the zygote's own temporary files (AutoGraph's, when it warms conversions) live in the runner's folder
        env = {**os.environ, "FITBENCH_LIFELINE_FD": str(lifeline_fd), "TMPDIR": str(tmp_dir)}
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.zygote"], stdin=subprocess.PIPE,
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


if __name__ == "__main__":
    raise SystemExit(main())
