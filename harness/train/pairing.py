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


def meet(now: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> float | None:
    """Wait for the other side at the steady steps' start; the seconds waited, or None where no meeting was asked
    for or the other side did not come within WAIT_S."""
    folder = settings.get(VARIABLE)
    if not folder or not _variant:
        return None
    name = _variant.replace(":", "--").replace("/", "_")
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
