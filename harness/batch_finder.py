"""A batch-size finder for TensorFlow: halve on ResourceExhaustedError until a step runs.

accelerate's `find_executable_batch_size` does this for torch (it catches CUDA OOM); nothing ships it for
TensorFlow, whose OOM is `tf.errors.ResourceExhaustedError` and from which the same process can recover.
"""
from __future__ import annotations

import gc
from typing import Callable


def find_executable_batch_size(step: Callable[[int], object], starting_batch_size: int,
                               minimum: int = 1) -> tuple[int, list[dict]]:
    """Call `step(bs)` with bs halving from `starting_batch_size` until it does not OOM.

    Returns the batch size that ran and the list of attempts ({batch_size, outcome}). Raises the last
    ResourceExhaustedError if even `minimum` does not fit; any other error propagates at once.
    """
    import tensorflow as tf

    if starting_batch_size < minimum:
        raise ValueError(f"starting_batch_size must be >= {minimum}, got {starting_batch_size!r}")
    attempts: list[dict] = []
    batch_size = starting_batch_size
    while True:
        try:
            step(batch_size)
        except tf.errors.ResourceExhaustedError:
            attempts.append({"batch_size": batch_size, "outcome": "oom"})
            gc.collect()  # drop Python references to the failed step's tensors before retrying
            if batch_size // 2 < minimum:
                raise
            batch_size //= 2
            continue
        attempts.append({"batch_size": batch_size, "outcome": "ok"})
        return batch_size, attempts
