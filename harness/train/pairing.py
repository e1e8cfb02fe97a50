"""Where the two sides of a confirmation round measured at once meet: the start of the steady steps.

Confirmation (harness/verdict/confirm.py) can run a round's two sides at the same time, each on a core of its
own, so that whatever the machine does to one it does to the other: measured on this project's 2-core VM, the
machine slows every process on it by ~20-25 % for seconds at a time, and one variant's A/A log ratio spread
12 % in turn but 3.4 % side by side (6 pairs each: results/verdict-detector-2026-12-06-quiet/at-once/
spread.json). Two processes started together still reach their steady steps a second or more apart (one side's
TensorFlow may import or trace slower), so each waits here for the other before its steady steps: with
`FITBENCH_PAIR_MEET` set to a folder, a variant's worker leaves a file named for its variant and this process
there, and waits until the other side's is there too (at most WAIT_S: a partner that crashed or never reaches
the steps must not hold it forever).

The machine's slow spells are not always the whole VM's: one of its CPUs alone can run ~20 % slower for a while
(the first at-once nights of 2026-12-06: a variant's two sides, met, still 12 % apart round to round). So halfway
through the steady steps the two sides meet again and trade CPUs (`swap`, every thread of the process moved):
each side then spends half its steps on each CPU, and what one CPU did to it, it did to the other side too.
The round's folder names the two CPUs (its `cpus` file, written by harness/verdict/sides.py).
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from harness import settings

VARIABLE = "FITBENCH_PAIR_MEET"
WAIT_S = 30.0

_variant: str | None = None


def configure(case_variant: str) -> None:
    """The variant this worker runs (the worker says so before training, as it does to the slowdown)."""
    global _variant
    _variant = case_variant


def meet(stage: str = "start", now: Callable[[], float] = time.monotonic,
         sleep: Callable[[float], None] = time.sleep) -> float | None:
    """Wait for the other side at `stage` of the steady steps ("start", "half"); the seconds waited, or None where
    no meeting was asked for or the other side did not come within WAIT_S."""
    folder = settings.get(VARIABLE)
    if not folder or not _variant:
        return None
    name = f"{_variant.replace(':', '--').replace('/', '_')}.{stage}"
    mine = Path(folder) / f"{name}.{os.getpid()}"
    try:
        mine.touch()
    except OSError:
        return None   # the round's folder is gone (it ended): measure alone
    start = now()
    while now() - start < WAIT_S:
        if any(p != mine for p in Path(folder).glob(f"{name}.*")):
            return round(now() - start, 3)
        sleep(0.002)
    return None


def swap() -> int | None:
    """Halfway through the steady steps: meet the other side, then move every thread of this process to the
    round's other CPU. The CPU moved to, or None where the round is not measured at once."""
    folder = settings.get(VARIABLE)
    try:
        cpus = [int(x) for x in (Path(folder) / "cpus").read_text().split()] if folder and _variant else []
        mine = sorted(os.sched_getaffinity(0))
    except (OSError, ValueError, AttributeError):
        return None
    if len(cpus) != 2 or len(mine) != 1 or mine[0] not in cpus:
        return None
    meet("half")
    other = cpus[1 - cpus.index(mine[0])]
    for task in os.listdir("/proc/self/task"):   # TensorFlow's pools are threads of their own: move each
        try:
            os.sched_setaffinity(int(task), {other})
        except OSError:   # a thread that ended meanwhile
            pass
    return other
