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
a pipe: the runner writes one JSON request per line on the zygote's stdin; the zygote answers on stdout with
the child's pid, then with its exit code once the child is gone.

Run as `python -m harness.launch.zygote` (harness/launch/zygote_client.py does that); the child runs
harness.launch.worker's logic.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import harness  # noqa: F401  (environment defaults before TensorFlow is imported)
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


def main() -> int:
    from harness.launch.worker import watch_lifeline

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
            from harness.train import warmup

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


if __name__ == "__main__":
    raise SystemExit(main())
