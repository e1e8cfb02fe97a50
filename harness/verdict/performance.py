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
from dataclasses import dataclass
from typing import Callable

from harness.results import metrics
from harness.results.groups import Key, behaviour, hardware_identity, majority
from harness.results.records import RunRecord
from harness.verdict.findings import CHANGE, IMPROVEMENT, PERFORMANCE, REGRESSION, SUSPECT, Finding
from harness.verdict.noise import K, Suspicion, relative_change, suspicion

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


@dataclass(frozen=True)
class Pair:
    """One matched pair of groups with its compared metrics read once: (metric, baseline values, current values,
    the last nights' medians where history replaced the baseline) for every metric both sides have. `alone`:
    whether every run on both sides had the machine to itself (else its timings are not compared)."""
    kb: Key
    kc: Key
    base: list[RunRecord]
    cur: list[RunRecord]
    sides: list[tuple[metrics.Metric, list[float], list[float], list[float] | None]]
    alone: bool


def read_pair(kb: Key, kc: Key, base: list[RunRecord], cur: list[RunRecord],
              history: Baseline | None = None) -> Pair:
    """The pair's compared metrics, read once for both `pair_moves` and `suspects`."""
    present = {m for r in base + cur for m in r.metrics}
    sides = []
    for metric in metrics.compared():
        if metric.name not in present and metric.of is None:
            continue
        b, c = metric_values(base, metric), metric_values(cur, metric)
        nights = history(kc, metric.name) if history and b else None
        if (nights or b) and c:
            sides.append((metric, nights or b, c, nights))
    return Pair(kb, kc, base, cur, sides, all(ran_alone(r) for r in base + cur))


def pair_moves(pair: Pair) -> dict[str, float]:
    """Per metric, the log of the pair's ratio of medians (where both are finite; timings only where both sides ran
    alone): what `cross_variant_spread` and `shared_move` read across the variants of a comparison."""
    out = {}
    for metric, b, c, _ in pair.sides:
        med_b, med_c = statistics.median(b), statistics.median(c)
        if not (math.isfinite(med_b) and math.isfinite(med_c)):
            continue   # never reached on a side: no size of a move (∞ / ∞ is not "unchanged")
        rel = relative_change(med_b, med_c)
        if (pair.alone or not metric.timing) and math.isfinite(rel) and rel > -1:
            out[metric.name] = math.log1p(rel)
    return out


def suspects(pair: Pair, k: float = K, spread: Spread | None = None, noise: dict | None = None,
             moves: dict[str, float] | None = None) -> list[Finding]:
    """The suspects of one matched pair (same hardware and behaviour already checked by the caller); where
    history knew a number, the last nights' medians stand in for the baseline's values. A timing is also a
    suspect where it slowed past its threshold against `moves`, the move every variant's timing made tonight
    (`shared_move`): on a machine faster than the baseline's, a slowdown of one variant hides in it."""
    out = []
    for metric, b, c, nights in pair.sides:
        if metric.timing and not pair.alone:
            if noise is not None:
                noise["beside_others"] = noise.get("beside_others", 0) + 1
            continue
        known = spread(pair.kc, metric.name) if spread else None
        s = suspicion(b, c, metric.timing, k, known)
        if noise is not None:
            noise["compared"] = noise.get("compared", 0) + 1
        moved = (moves or {}).get(metric.name) if metric.timing and not s.suspect else None
        against = _against_move(b, c, metric, k, known, moved) if moved else None
        if s.suspect or against:
            out.append(_finding(pair.kb, pair.kc, metric, pair.cur[0].role, b, c, against or s,
                                moved if against else None))
            if nights:
                out[-1].reason += f"; against the median of the last {len(nights)} nights"
            out[-1].behaviour = majority([behaviour(r) for r in pair.cur])
    return out


def _against_move(b: list[float], c: list[float], metric: metrics.Metric, k: float, known: float | None,
                   moved: float) -> Suspicion | None:
    """The pair's suspicion once the current side is moved back by `moved` (a log ratio): slowdowns only, since
    only they are re-measured."""
    s = suspicion(b, [x * math.exp(-moved) for x in c], True, k, known)
    return s if s.suspect and metric.sense * s.rel > 0 else None


def cross_variant_spread(ratios: list[dict[str, float]]) -> dict[str, float]:
    """Per metric, how much the pairs' log ratios (`pair_moves`, one dict a pair) spread across the variants of
    this comparison (1.4826 × MAD, from five variants on): how noisy that measurement is on this machine tonight,
    whatever moved for all of them."""
    out = {}
    for name, logs in _by_metric(ratios).items():
        centre = statistics.median(logs)
        out[name] = 1.4826 * statistics.median(abs(x - centre) for x in logs)
    return out


def shared_move(ratios: list[dict[str, float]]) -> dict[str, float]:
    """Per timing metric, the median log ratio across the variants (from five on): how far tonight's machine moved
    all of them. Another instance of the same machine kind moves a whole run by 5-10 % (the AMD EPYC of
    2026-12-07 ran the subset 7 % faster than the one of the day before, and one variant's +20 % step read +7 %)."""
    timing = {m.name for m in metrics.compared() if m.timing}
    return {name: statistics.median(logs) for name, logs in _by_metric(ratios).items() if name in timing}


def _by_metric(ratios: list[dict[str, float]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for pair in ratios:
        for name, value in pair.items():
            out.setdefault(name, []).append(value)
    return {name: logs for name, logs in out.items() if len(logs) >= 5}


def _finding(kb: Key, kc: Key, metric: metrics.Metric, role: str, b: list[float], c: list[float],
             s: Suspicion, moved: float | None = None) -> Finding:
    med_b, med_c = statistics.median(b), statistics.median(c)
    ratio = med_c / med_b if med_b and abs(med_c) != float("inf") and abs(med_b) != float("inf") else None
    spread = f"measured spread {s.mad_rel:.1%}" if s.mad_rel is not None else "one repeat a side: the factor alone"
    rel = f"{s.rel:+.1%}" if abs(s.rel) != float("inf") else ("never reached" if s.rel > 0 else "now reached")
    if moved is not None:  # suspected against tonight's shared move: say both
        rel = (f"{relative_change(statistics.median(b), statistics.median(c)):+.1%}, {rel} against the "
               f"{math.expm1(moved):+.1%} every variant's {metric.name} moved tonight")
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
