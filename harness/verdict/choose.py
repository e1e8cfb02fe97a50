"""Which suspects a night re-measures: the largest relative to their own noise, spread over cases, as many as
the confirmation budget can carry through its first looks.

A suspect's evidence is its log ratio over its noise: the log of the threshold it had to pass (max(factor, k × its
measured spread), harness/verdict/noise.py), or where larger, how much that metric's ratios spread across all the
variants tonight (a wall clock on a busy machine): a 1.8× step time on a quiet variant outranks a 1.3× one on a
noisy variant. A slowdown's log ratio counts against the move all variants made tonight where that is more
(`Verdict.noise["moved"]`: on a machine 7 % faster than the baseline's, one variant's +20 % step read +7 %).
A variant's evidence adds up its *measurements* (metrics' `root`: samples/s is the step time again, the step's
CPU time is another clock), each by its strongest suspect: a real slowdown shows on both clocks, a noisy run of
the wall clock on one. Variants are ranked by evidence per square root of their cost (what a night's seconds buy:
a test's z grows with the square root of its rounds), one variant per case first, then the rest. A variant costs its recorded wall
time on both sides per round (`Verdict.costs`); variants are taken while `min_rounds` rounds of all of them fit
the budget, so that what is chosen can be decided (a round of four DistilBERT-shaped variants costs ~8 minutes
on a 2-core CPU: the budget, not a count, decides how many such variants a night can afford).
"""
from __future__ import annotations

import math
from collections import defaultdict

from harness.results import metrics
from harness.verdict.findings import REGRESSION, Finding

PROCESS_S = 20.0   # a side's process per round: interpreter, TensorFlow import, the zygote (measured ~15-20 s)


def evidence(f: Finding, spread: dict[str, float] | None = None, moves: dict[str, float] | None = None) -> float:
    """|log ratio| in units of the larger of the log of its suspect threshold and its metric's spread across the
    variants tonight (`Verdict.noise["spread"]`); a suspect without a ratio (∞) ranks first. A slowdown counts
    what it moved against the move every variant made tonight (`Verdict.noise["moved"]`) where that is more."""
    if not f.ratio or f.ratio <= 0 or not math.isfinite(f.ratio):
        return math.inf
    size = abs(math.log(f.ratio))
    metric, moved = metrics.get(f.metric or ""), (moves or {}).get(f.metric or "")
    if metric and moved and f.direction == REGRESSION:
        size = max(size, metric.sense * (math.log(f.ratio) - moved))
    return size / max(math.log1p(max(f.threshold or 0.1, 1e-3)), (spread or {}).get(f.metric, 0.0))


def variant_evidence(suspects: list[Finding], spread: dict[str, float] | None = None,
                     moves: dict[str, float] | None = None) -> dict[str, float]:
    """Per variant, its suspects' evidence added up by measurement (each measurement by its strongest suspect): what
    ranks it for re-measuring here and weights its tests' share of the night's α in confirm."""
    per_measurement: dict[tuple[str, str], float] = defaultdict(float)
    for f in suspects:
        key = (f.variants[0], f.measurement)
        per_measurement[key] = max(per_measurement[key], evidence(f, spread, moves))
    best: dict[str, float] = defaultdict(float)
    for (variant, _), value in per_measurement.items():
        best[variant] += value
    return dict(best)


def choose_variants(suspects: list[Finding], costs: dict[str, float], max_variants: int, budget_s: float,
                    min_rounds: int, spread: dict[str, float] | None = None,
                    moves: dict[str, float] | None = None) -> tuple[list[str], str]:
    """(the variants to re-measure, in order; the reason the others were left out)."""
    best = variant_evidence(suspects, spread, moves)
    known = sorted(c for c in costs.values() if c > 0)
    typical = known[len(known) // 2] if known else 1.0
    # the z a variant's re-measuring reaches grows with the square root of the rounds its cost allows: rank by
    # evidence per square root of cost, so one DistilBERT-shaped run (~8× a tiny one) must show ~3× the evidence
    ranked = sorted(best, key=lambda v: -best[v] / math.sqrt(max(costs.get(v) or typical, 1e-3)))
    first_of_case, seen = [], set()
    for v in ranked:
        if v.split(":")[0] not in seen:
            seen.add(v.split(":")[0])
            first_of_case.append(v)
    order = first_of_case + [v for v in ranked if v not in first_of_case]
    chosen: list[str] = []
    for v in order:
        if len(chosen) == max_variants:
            break
        round_s = 2 * PROCESS_S + sum(costs.get(x, 0.0) for x in [*chosen, v])
        if chosen and round_s * min_rounds > budget_s:
            continue
        chosen.append(v)
    left = len(order) - len(chosen)
    reason = (f"{len(chosen)} of {len(order)} variants were, the strongest suspects per case that "
              f"{min_rounds} rounds within the {budget_s:.0f} s budget (or --max-variants {max_variants}) allow")
    return chosen, reason if left else ""
