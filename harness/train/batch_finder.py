"""Finding a batch size that fits the GPU, for TensorFlow: predict it from memory, verify it, halve if wrong.

accelerate's `find_executable_batch_size` halves the batch on every out-of-memory error (it catches CUDA OOM,
for torch). On TensorFlow each failed attempt is expensive: the BFC allocator waits up to 10 s
(`kMaxMillisToWait`) for memory to be freed before it raises `ResourceExhaustedError`, and every new batch
shape is a new trace. Halving from a batch 256× too large therefore takes minutes. `predict_batch_size` runs
two small probes instead, reads TF's allocator peak after each (memory grows about linearly with the batch:
weights and optimizer state plus activations per sample), extrapolates the largest batch under the cap,
verifies it with one real step, and falls back on halving only if that step runs out of memory.

Both take the step and the memory probe as functions, so the search logic is tested on CPU with fakes.
"""
from __future__ import annotations

import gc
import math
import time
from typing import Callable


def _oom_error() -> type[BaseException]:
    import tensorflow as tf

    return tf.errors.ResourceExhaustedError


def find_executable_batch_size(step: Callable[[int], object], starting_batch_size: int, minimum: int = 1,
                               oom_error: type[BaseException] | None = None) -> tuple[int, list[dict]]:
    """Call `step(bs)` with bs halving from `starting_batch_size` until it does not OOM.

    Returns the batch size that ran and the list of attempts ({batch_size, outcome, seconds}). Raises the last
    out-of-memory error if even `minimum` does not fit; any other error propagates at once.
    """
    oom_error = oom_error or _oom_error()
    if starting_batch_size < minimum:
        raise ValueError(f"starting_batch_size must be >= {minimum}, got {starting_batch_size!r}")
    attempts: list[dict] = []
    batch_size = starting_batch_size
    while True:
        start = time.perf_counter()
        try:
            step(batch_size)
        except oom_error:
            attempts.append({"batch_size": batch_size, "outcome": "oom", "seconds": time.perf_counter() - start})
            gc.collect()  # drop Python references to the failed step's tensors before retrying
            if batch_size // 2 < minimum:
                raise
            batch_size //= 2
            continue
        attempts.append({"batch_size": batch_size, "outcome": "ok", "seconds": time.perf_counter() - start})
        return batch_size, attempts


def extrapolate(points: list[tuple[int, float]], budget_mib: float) -> int | None:
    """The largest batch whose linear fit through two (batch, peak MiB) points stays under `budget_mib`."""
    (b1, m1), (b2, m2) = points[-2], points[-1]
    slope = (m2 - m1) / (b2 - b1)
    if slope <= 0:  # no growth measured (e.g. the peak was hit by something else): no prediction
        return None
    return max(int(math.floor((budget_mib - (m1 - slope * b1)) / slope)), 0)


def predict_batch_size(step: Callable[[int], object], peak_mib: Callable[[], float], limit_mib: float,
                       requested: int, probes: tuple[int, int] = (4, 8), headroom: float = 0.9,
                       oom_error: type[BaseException] | None = None) -> tuple[int, list[dict]]:
    """The largest batch ≤ `requested` that fits `limit_mib`, in about three steps; halving only as fallback.

    `peak_mib()` returns the allocator's peak since the last call (the caller resets it), `headroom` keeps a
    margin for fragmentation. Returns (batch size, trials), each trial {batch_size, outcome, seconds[, peak_mib]
    [, predicted]}.
    """
    oom_error = oom_error or _oom_error()
    trials: list[dict] = []
    points: list[tuple[int, float]] = []
    for batch_size in probes:
        if batch_size >= requested:
            break
        start = time.perf_counter()
        step(batch_size)  # an OOM here means not even the probe fits: nothing to search, let it propagate
        peak = float(peak_mib())
        points.append((batch_size, peak))
        trials.append({"batch_size": batch_size, "outcome": "ok", "peak_mib": peak,
                       "seconds": time.perf_counter() - start})
    predicted = extrapolate(points, headroom * limit_mib) if len(points) == 2 else None
    candidate = requested if predicted is None else max(min(predicted, requested), 1)
    found, fallback = find_executable_batch_size(step, candidate, oom_error=oom_error)  # verify, halve if wrong
    fallback[0]["predicted"] = predicted
    return found, trials + fallback
