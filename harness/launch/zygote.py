"""The fork server ("zygote"): import the heavy libraries once per suite, then fork one fresh child per variant.

Every variant still runs in its own process with its own timeout, and a crash, abort or hang of that process
still becomes a record — but the child starts with TensorFlow, transformers and datasets already imported,
instead of paying ~3 s (warm disk cache) to ~10 s (cold) for the imports in every variant. What makes this
safe is that the zygote only *imports*: it never initialises TensorFlow's runtime or CUDA, so each child still
sets up its devices, memory growth, logical devices and mixed-precision policy from scratch, exactly as a
fresh interpreter would. The zygote checks that after importing and refuses to serve otherwise. Before each
fork it also does the AutoGraph conversions earlier workers reported (harness/train/warmup.py), which are pure source
rewriting, so that later children find them cached.

Why not multiprocessing's forkserver: it keeps its socket in a `pymp-*` temp directory that a SIGKILLed
runner leaves behind, and it cannot point a child's stdout/stderr at a per-variant file. The protocol here is
a pipe: the runner writes one JSON request per line on the zygote's stdin, each with an id; the zygote forks at
once and answers on stdout {"id", "pid"}, and {"id", "pid", "returncode", "t_exit"} when that child is gone.
Several children may run at once (`fitbench run --jobs N`): the zygote never waits for one before the next.

Run as `python -m harness.launch.zygote` (harness/launch/zygote_client.py does that); the child runs
harness.launch.worker's logic.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

from harness import settings
from harness.launch.lifeline import watch_lifeline
from harness.train.preload import preload, runtime_touched


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
        from harness.launch import worker

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


def _serve_request(request: dict[str, Any], children: dict[int, Any]) -> bool:
    """Warm what earlier children learned, then fork one child for `request`; False when forking is no longer
    safe (the runtime came up while warming: never fork from such a process, the runner spawns instead)."""
    if request.get("warm"):
        from harness.train import warmup

        warmup.warm(request["warm"])
        if runtime_touched():
            return False
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(request)
    children[pid] = request.get("id")
    _send({"id": request.get("id"), "pid": pid})
    return True


def _reap(children: dict[int, Any]) -> None:
    """Report every child that has exited since the last look."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send({"id": children.pop(pid, None), "pid": pid, "returncode": os.waitstatus_to_exitcode(status),
               "t_exit": time.time()})


def main() -> int:
    settings.prepare_tensorflow_environment()  # before preload() imports TensorFlow; forked children inherit it
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
    children: dict[int, Any] = {}
    buffer, open_ = b"", True
    while open_ or children:
        readable = select.select([0], [], [], 0.05)[0] if open_ else time.sleep(0.05)
        if readable:
            chunk = os.read(0, 65536)
            open_ = bool(chunk)  # EOF: the runner closed us; report the children still running, then go
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip() and not _serve_request(json.loads(line), children):
                    return 1
        _reap(children)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
