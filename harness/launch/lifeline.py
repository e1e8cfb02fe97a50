"""A worker never outlives its runner, and never leaves files behind.

The runner holds the only write end of a "lifeline" pipe and passes the read end to every process it starts
(zygote, workers). When the runner is gone (killed, crashed, interrupted) the pipe reaches EOF; a watching
thread in the child then removes the child's temporary folder and exits at once. Temporary files of the child
(AutoGraph writes one per converted function) all go into that folder, which the runner made for it.
"""
from __future__ import annotations

import os
import select
import shutil
import threading
from pathlib import Path

from harness import settings


def use_tmp_dir(tmp_dir: Path) -> None:
    """Every temporary file of this process (AutoGraph writes one per converted function) goes into the folder the
    runner made for this variant and removes afterwards, whatever way the process ends."""
    import tempfile

    os.environ["TMPDIR"] = str(tmp_dir)
    tempfile.tempdir = str(tmp_dir)  # tempfile caches its choice; a forked child inherits the zygote's


def watch_lifeline(tmp_dir: Path) -> None:
    """Exit as soon as the runner is gone: EOF on the lifeline pipe means its write end closed with the runner."""
    fd = settings.get("FITBENCH_LIFELINE_FD")
    if not fd or not tmp_dir.name.startswith("fitbench-"):  # only ever remove a folder the runner made for us
        return

    def watch() -> None:
        try:
            select.select([int(fd)], [], [])
        except (OSError, ValueError):
            return  # no such descriptor: started by hand, nobody to watch
        # the runner cannot clean up after itself any more; the main thread may still be writing a file in there
        # (a phase mark, AutoGraph's source), so remove until the folder is gone: then no new file can appear
        for _ in range(50):
            shutil.rmtree(tmp_dir, ignore_errors=True)
            if not tmp_dir.exists():
                break
        os._exit(70)

    threading.Thread(target=watch, name="fitbench-lifeline", daemon=True).start()
