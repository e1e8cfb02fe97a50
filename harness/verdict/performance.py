"""Performance suspects: numbers that moved beyond noise between two matched groups of records.

Timings, throughput, memory, MFU and training quality are compared only where they mean the same thing on both
sides: the same behaviour (a flipped symptom explains its numbers), the same hardware (CPU model and core count,
GPU name, memory and driver: across machines the verdict is behaviour only), and, for timings, runs that had the
machine to themselves (`--jobs` neighbours are in the numbers otherwise). What passes the suspect rule
(harness/verdict/noise.py) is a `suspect`: listed, never failing anything until re-measurement
(harness/verdict/confirm.py) or history (harness/verdict/history.py) decides.
"""
from __future__ import annotations

import math
import statistics
from typing import Callable

from harness.results import metrics
from harness.results.groups import Key, behaviour, hardware_identity, majority
from harness.results.records import RunRecord
from harness.verdict.findings import CHANGE, IMPROVEMENT, PERFORMANCE, REGRESSION, SUSPECT, Finding
from harness.verdict.noise import K, Suspicion, suspicion

# (key, metric name) -> a relative spread known from the last nights, or None
Spread = Callable[[Key, str], float | None]
# (key, metric name) -> the last nights' per-night medians to suspect tonight against, or None
Baseline = Callable[[Key, str], list[float] | None]


def ran_alone(record: RunRecord) -> bool:
    """Whether a record's timings are its own: no other variant ran beside it (records older than `--jobs`
    always ran alone)."""
    return not record.context.shared


def metric_values(records: list[RunRecord], metric: metrics.Metric) -> list[float]:
    """Numeric values of `metric` over repeats; for steps/seconds to threshold, a completed None is ∞ (never)."""
    values = []
    for r in records:
        value = metric.value(r)
        if value is None and metric.never and metric.name in r.metrics and r.outcome == "completed":
            value = float("inf")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(float(value))
    return values


def same_hardware(base: list[RunRecord], cur: list[RunRecord]) -> bool:
    return {hardware_identity(r) for r in base} == {hardware_identity(r) for r in cur}


def comparable(base: list[RunRecord], cur: list[RunRecord]) -> bool:
    """Same behaviour on both sides and a run that measured something (not skipped)."""
    return (majority([behaviour(r) for r in base]) == majority([behaviour(r) for r in cur])
            and cur[0].outcome != "skipped" and base[0].outcome != "skipped")


def direction(metric: metrics.Metric, role: str, rel: float) -> str:
    """regression / improvement for a metric with a better side, change for a neutral one; a broken variant's
    training quality is a finding about the bug, never a regression."""
    sense = sense_of(metric, role)
    if not sense:
        return CHANGE
    return REGRESSION if sense * rel > 0 else IMPROVEMENT


def sense_of(metric: metrics.Metric, role: str) -> int:
    return 0 if role == "broken" and metric.quality else metric.sense


def suspects(kb: Key, kc: Key, base: list[RunRecord], cur: list[RunRecord], k: float = K,
             spread: Spread | None = None, noise: dict | None = None,
             history: Baseline | None = None) -> list[Finding]:
    """The suspects of one matched pair of groups (same hardware and behaviour already checked by the caller);
    `history`, where it knows the number, replaces the baseline's values by the last nights' medians."""
    alone = all(ran_alone(r) for r in base + cur)
    present = {m for r in base + cur for m in r.metrics}
    out = []
    for metric in metrics.compared():
        if metric.name not in present and metric.of is None:
            continue
        b, c = metric_values(base, metric), metric_values(cur, metric)
        nights = history(kc, metric.name) if history and b else None
        b = nights or b
        if not b or not c:
            continue
        if metric.timing and not alone:
            if noise is not None:
                noise["beside_others"] = noise.get("beside_others", 0) + 1
            continue
        s = suspicion(b, c, metric.timing, k, spread(kc, metric.name) if spread else None)
        if noise is not None:
            noise["compared"] = noise.get("compared", 0) + 1
            if math.isfinite(s.rel) and s.rel > -1:  # for the spread across variants (cross_variant_spread)
                noise.setdefault("log_ratios", {}).setdefault(metric.name, []).append(math.log1p(s.rel))
        if s.suspect:
            out.append(_finding(kb, kc, metric, cur[0].role, b, c, s))
            if nights:
                out[-1].reason += f"; against the median of the last {len(nights)} nights"
            out[-1].behaviour = majority([behaviour(r) for r in cur])
    return out


def cross_variant_spread(noise: dict) -> dict[str, float]:
    """Per metric, how much the pairs' log ratios spread across the variants of this comparison (1.4826 × MAD, from
    five variants on): how noisy that measurement is on this machine tonight, whatever moved for all of them."""
    out = {}
    for name, logs in (noise.pop("log_ratios", None) or {}).items():
        if len(logs) >= 5:
            centre = statistics.median(logs)
            out[name] = 1.4826 * statistics.median(abs(x - centre) for x in logs)
    return out


def _finding(kb: Key, kc: Key, metric: metrics.Metric, role: str, b: list[float], c: list[float],
             s: Suspicion) -> Finding:
    med_b, med_c = statistics.median(b), statistics.median(c)
    ratio = med_c / med_b if med_b and abs(med_c) != float("inf") and abs(med_b) != float("inf") else None
    spread = f"measured spread {s.mad_rel:.1%}" if s.mad_rel is not None else "one repeat a side: the factor alone"
    rel = f"{s.rel:+.1%}" if abs(s.rel) != float("inf") else ("never reached" if s.rel > 0 else "now reached")
    return Finding(PERFORMANCE, direction(metric, role, s.rel), metric.name, [f"{kc[0]}:{kc[1]}"], kc[2],
                   kb[3], kc[3], _finite(med_b), _finite(med_c),
                   reason=f"{rel}, past the suspect threshold {s.threshold:.0%} ({spread})", status=SUSPECT,
                   metric=metric.name, ratio=ratio, threshold=s.threshold, samples=(len(b), len(c)))


def _finite(x: float) -> float | str:
    return x if abs(x) != float("inf") else ("never" if x > 0 else "-inf")


def by_effect(findings: list[Finding]) -> list[Finding]:
    """Regressions first, then the largest relative change: the order in which suspects are re-measured."""
    def size(f: Finding) -> float:
        return abs((f.ratio or 10.0) - 1.0)
    return sorted(findings, key=lambda f: (f.direction != REGRESSION, -size(f)))
