"""A calibrated, real slowdown for testing the verdict: busy work inside each measured optimizer step.

The verdict's detector (benchmarks/scripts/verdict_detector.py) needs slowdowns whose size it knows exactly; a
CPU quota gives realistic ones of uncertain size (a "~10 %" quota measured ~4 %). With
`FITBENCH_INJECT_SLOWDOWN` set, the StepRecorder (harness/train/callbacks.py) spins the CPU after each step, before
it takes the step's time, for that fraction of the step's own wall time:

    FITBENCH_INJECT_SLOWDOWN=0.10                       every variant's steps +10 %
    FITBENCH_INJECT_SLOWDOWN=0.20@CASE:VARIANT          only that variant's

It is a test knob, never a user option: the record keeps it (`context.injected_slowdown`, and the run's
`env.conditions.inject`, so a re-measured side is slowed alike), and the README of the detector's results says
how its real size was verified from the records (wall and CPU time per step).
"""
from __future__ import annotations

import time

from harness import settings

VARIABLE = "FITBENCH_INJECT_SLOWDOWN"

_fraction = 0.0


def parse(spec: str | None) -> tuple[float, str | None]:
    """(fraction, "case:variant" or None for all) from the variable's text; ValueError names what is wrong."""
    if not spec:
        return 0.0, None
    text, _, target = spec.partition("@")
    try:
        fraction = float(text)
    except ValueError:
        raise ValueError(f"{VARIABLE}={spec!r}: expected a fraction such as 0.10, optionally @case:variant") from None
    if not 0 <= fraction <= 10:
        raise ValueError(f"{VARIABLE}={spec!r}: the fraction must be from 0 to 10")
    if target and ":" not in target:
        raise ValueError(f"{VARIABLE}={spec!r}: the target must be case:variant")
    return fraction, target or None


def configure(case_variant: str, spec: str | None = None) -> float:
    """Arm the slowdown for this process's variant (from the environment unless `spec` is given); the fraction
    in force, 0.0 where none applies."""
    global _fraction
    fraction, target = parse(settings.get(VARIABLE) if spec is None else spec)
    _fraction = fraction if target in (None, case_variant) else 0.0
    return _fraction


def burn(step_seconds: float) -> None:
    """Spin (really compute, so both wall and CPU time grow) for the armed fraction of `step_seconds`."""
    if _fraction <= 0 or step_seconds <= 0:
        return
    end = time.perf_counter() + _fraction * step_seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
