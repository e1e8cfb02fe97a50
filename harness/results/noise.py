"""Noise: when a change of a measured number counts, given repeats on either side.

A numeric change counts when the relative change of the medians exceeds max(5 %, k × MAD / median), where the
MAD pools the deviations of every side that has two or more repeats. With a single repeat on both sides only a
floor is left: 5 %, or 15 % for wall-clock timings, whose run-to-run spread on a shared machine exceeds 5 %
(docs/measurements.md, "Measured false-alarm rate"). Used by `fitbench compare` and `fitbench bisect`.
"""
from __future__ import annotations

import os
import statistics

FLOOR = 0.05
TIMING_FLOOR_UNMEASURED = 0.15
K = float(os.environ.get("FITBENCH_NOISE_K", "3"))  # the k of max(5 %, k × MAD/median)


def noise_threshold(base: list[float], cur: list[float], k: float = K,
                    floor: float = FLOOR) -> tuple[float, float | None]:
    """(relative threshold, relative MAD or None where no side has repeats; then `floor` is the threshold)."""
    deviations: list[float] = []
    for side in (base, cur):
        if len(side) >= 2:
            med = statistics.median(side)
            deviations.extend(abs(x - med) for x in side)
    if not deviations:
        return floor, None
    scale = abs(statistics.median(base)) or abs(statistics.median(cur)) or 1.0
    mad_rel = statistics.median(deviations) / scale
    return max(FLOOR, k * mad_rel), mad_rel


def relative_change(base: float, cur: float) -> float:
    """(cur - base) / |base|, ±∞ where base is 0 (or either side is infinite) and they differ."""
    if base == cur:
        return 0.0
    if float("inf") in (abs(base), abs(cur)) or base == 0:
        return float("inf") if cur > base else float("-inf")
    return (cur - base) / abs(base)


def beyond_noise(base: list[float], cur: list[float], timing: bool, k: float = K) -> tuple[bool, float, float,
                                                                                             float | None]:
    """(counts?, relative change of the medians, threshold, relative MAD or None where unmeasured)."""
    rel = relative_change(statistics.median(base), statistics.median(cur))
    floor = TIMING_FLOOR_UNMEASURED if timing else FLOOR
    threshold, mad_rel = noise_threshold(base, cur, k, floor) if abs(rel) != float("inf") else (FLOOR, None)
    return abs(rel) > threshold, rel, threshold, mad_rel
