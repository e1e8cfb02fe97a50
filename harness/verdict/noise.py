"""The suspect rule: when a number that moved between two results files is worth re-measuring.

A number is a suspect when the relative change of the medians passes max(factor, k × MAD / median): the factor
is asv's default 10 % for wall-clock timings and 5 % for everything else (memory, training quality), and the MAD
pools the deviations of every side that has two or more repeats, or comes from the last nights' history where
there is one (harness/verdict/history.py). A suspect is not a verdict: repeats made back to back in one block
share that block's drift, and one pair of runs on a shared machine differs by 15–50 % in step time with nothing
changed (measured, docs/verdicts.md). Only re-measurement (harness/verdict/confirm.py) or a step that persists
across nights turns a suspect into a finding that counts.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from harness import settings

TIMING_FACTOR = 0.10   # asv compare's default factor (1.1)
FACTOR = 0.05          # memory and training quality: their run-to-run spread is well under 1 % on CPU
BUSY = 0.10            # others' share of the machine's CPUs (a record's `others_cpu_share`) past which a run's
                       # timings are a neighbour's as much as the code's
K = 3.0                # the k of max(factor, k × MAD/median); FITBENCH_NOISE_K overrides it for the commands


def k() -> float:
    """The k the commands use by default: FITBENCH_NOISE_K where set (read now, not at import), else K."""
    return float(settings.get("FITBENCH_NOISE_K"))


def factor_for(timing: bool) -> float:
    return TIMING_FACTOR if timing else FACTOR


@dataclass(frozen=True)
class Suspicion:
    suspect: bool
    rel: float                  # relative change of the medians, (cur - base) / |base|; ±inf where base is 0
    threshold: float            # the relative change it had to pass
    mad_rel: float | None       # the measured spread, relative; None where neither side has repeats


def pooled_mad(sides: list[list[float]]) -> float | None:
    """Relative MAD pooled over the sides with two or more values; None where none has."""
    deviations: list[float] = []
    scale = 0.0
    for side in sides:
        if len(side) >= 2:
            med = statistics.median(side)
            deviations.extend(abs(x - med) for x in side)
            scale = scale or abs(med)
    if not deviations:
        return None
    return statistics.median(deviations) / (scale or 1.0)


def relative_change(base: float, cur: float) -> float:
    """(cur - base) / |base|, ±∞ where base is 0 (or either side is infinite) and they differ."""
    if base == cur:
        return 0.0
    if float("inf") in (abs(base), abs(cur)) or base == 0:
        return float("inf") if cur > base else float("-inf")
    return (cur - base) / abs(base)


def suspicion(base: list[float], cur: list[float], timing: bool, k: float = K,
              spread: float | None = None) -> Suspicion:
    """Whether `cur` moved away from `base` beyond noise. `spread`: a relative MAD known from elsewhere (the last
    nights); else the repeats on either side measure it; else the factor alone applies."""
    rel = relative_change(statistics.median(base), statistics.median(cur))
    mad_rel = spread if spread is not None else pooled_mad([base, cur])
    threshold = max(factor_for(timing), k * mad_rel) if mad_rel is not None else factor_for(timing)
    return Suspicion(abs(rel) > threshold, rel, threshold, mad_rel)
