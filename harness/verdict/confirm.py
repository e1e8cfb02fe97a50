"""Confirmation: re-measuring performance suspects in both sides, interleaved, until the answer is clear or the
budget is spent — Chromium's Pinpoint's idea with asv's test.

Each round runs the pending suspect variants once in each side, one process per side per round, the sides'
order alternating (A B, B A, A B, …) so that a machine that drifts slower or faster hits both alike. Only these
fresh samples are tested (the pair of runs that raised the suspicion chose itself, and would bias the test).
After each round every pending suspect is decided where it can be:

* confirmed — asv's rule on the fresh samples: at least MIN_SAMPLES a side, the ratio past the same factor as
  the suspicion and in its direction, Mann–Whitney U p < 0.002 or 99 % intervals apart (harness/verdict/stats.py);
* confirmed together — where a release slows many variants a little, one variant's samples may not tell, but
  the same shift in several variants does: a stratified rank test over the pending variants of one metric
  (harness/verdict/stats.compare_strata, the same p < 0.002), and each variant whose own ratio passes the factor
  is confirmed with it;
* not confirmed — after FUTILE_AFTER rounds the ratio is within half the factor, or the rounds ran out.

Suspects are taken by their variant's evidence (the sum of its suspect regressions' log ratios: a slowdown shows in
several numbers at once), up to `max_variants` variants; the rest, and whatever the budget or a Ctrl-C
leaves undecided, are "not confirmed" with the reason. A night with no suspect costs nothing.
"""
from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.results import metrics
from harness.results.groups import behaviour
from harness.results.records import RunRecord
from harness.verdict.findings import CONFIRMED, NOT_CONFIRMED, REGRESSION, Finding, Verdict
from harness.verdict.noise import factor_for
from harness.verdict.performance import metric_values
from harness.verdict.sides import Side
from harness.verdict.stats import MIN_SAMPLES, P_THRESHOLD, compare_samples, compare_strata

FUTILE_AFTER = 3


@dataclass(frozen=True)
class ConfirmConfig:
    folder: Path                       # where the re-measured records go (baseline-N.jsonl, current-N.jsonl)
    rounds: int = 7                    # at most; 7 + 7 samples let Mann–Whitney reach p < 0.002
    budget_s: float = 900.0
    max_variants: int = 4

    def __post_init__(self) -> None:
        if not isinstance(self.rounds, int) or not MIN_SAMPLES <= self.rounds <= 50:
            raise ValueError(f"ConfirmConfig.rounds must be a whole number from {MIN_SAMPLES} to 50 (fewer samples "
                             f"can never confirm), got {self.rounds!r}")
        if not 0 < self.budget_s < float("inf"):
            raise ValueError(f"ConfirmConfig.budget_s must be a number of seconds above 0, got {self.budget_s!r}")
        if not isinstance(self.max_variants, int) or self.max_variants < 1:
            raise ValueError(f"ConfirmConfig.max_variants must be a whole number >= 1, got {self.max_variants!r}")


class _Samples:
    """Fresh samples per (side, variant, metric), and the behaviour each variant must keep to count."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        self.flaky: list[str] = []

    def add(self, label: str, records: list[RunRecord], wanted: dict[str, set[str]],
            expected: dict[str, str]) -> None:
        for r in records:
            variant = f"{r.case}:{r.variant}"
            if variant not in wanted:
                continue
            if expected.get(variant) and behaviour(r) != expected[variant]:
                self.flaky.append(f"{variant} ({label}: {behaviour(r)})")
                continue
            for name in wanted[variant]:
                metric = metrics.get(name)
                if metric is not None:
                    self.values[(label, variant, name)] += metric_values([r], metric)

    def of(self, f: Finding) -> tuple[list[float], list[float]]:
        return self.values[("baseline", f.variants[0], f.metric)], self.values[("current", f.variants[0], f.metric)]


def decide(f: Finding, base: list[float], cur: list[float], up: bool, rounds_left: int) -> str | None:
    """CONFIRMED / NOT_CONFIRMED where the fresh samples settle it, None to keep measuring. `up`: the suspicion
    was a rise (current above baseline); a confirmation must go the same way."""
    metric = metrics.get(f.metric or "")
    if metric is None or not base or not cur:
        if rounds_left == 0:
            f.reason = f"{f.reason}; no re-measured sample"
            return NOT_CONFIRMED
        return None
    factor = factor_for(metric.timing)
    test = compare_samples(base, cur)
    f.ratio, f.interval, f.samples = test.ratio, (test.low, test.high), test.n
    f.baseline, f.current = statistics.median(base), statistics.median(cur)
    if test.passes(factor, 1 if up else -1):
        f.reason = f"re-measured: {test.text()}"
        return CONFIRMED
    if min(test.n) >= FUTILE_AFTER and abs(test.ratio - 1) < factor / 2:
        f.reason = f"re-measured: {test.text()}: within noise"
        return NOT_CONFIRMED
    if rounds_left == 0:
        f.reason = f"re-measured: {test.text()}: not significant"
        return NOT_CONFIRMED
    return None


def confirm(verdict: Verdict, base: Side, cur: Side, cfg: ConfirmConfig, log: Callable[[str], None] = print,
            clock: Callable[[], float] = time.monotonic) -> None:
    """Re-measure the verdict's suspects; each becomes confirmed or not confirmed, in place."""
    # what could fail a night: suspected regressions (an improvement or a neutral change stays a suspect)
    suspects = [f for f in verdict.suspects() if f.direction == REGRESSION]
    chosen = _by_evidence(suspects)[:cfg.max_variants]
    for f in suspects:
        if f.variants[0] not in chosen:
            f.status, f.reason = NOT_CONFIRMED, f"{f.reason}; not re-measured: the {cfg.max_variants} largest " \
                                                f"suspects' variants were"
    pending = [f for f in suspects if f.variants[0] in chosen]
    expected = {f.variants[0]: f.behaviour for f in pending}
    up = {id(f): (f.ratio or 2.0) > 1 for f in pending}
    samples, start, rounds, stopped = _Samples(), clock(), 0, ""
    cfg.folder.mkdir(parents=True, exist_ok=True)
    try:
        while pending and rounds < cfg.rounds:
            spent = clock() - start
            if rounds and spent + spent / rounds > cfg.budget_s:
                stopped = f"budget of {cfg.budget_s:.0f} s spent after {rounds} rounds"
                break
            rounds += 1
            wanted = _wanted(pending)
            order = (base, cur) if rounds % 2 else (cur, base)
            log(f"confirm: round {rounds}/{cfg.rounds}, {len(wanted)} variants, {order[0].label} first")
            for side in order:
                samples.add(side.label, side.run(sorted(wanted), cfg.folder / f"{side.label}-{rounds}.jsonl"),
                            wanted, expected)
            pending = _decide_all(pending, samples, up, cfg.rounds - rounds)
    except KeyboardInterrupt:
        stopped = "interrupted (Ctrl-C): what was re-measured is kept, the rest is unconfirmed"
        verdict.confirmation["interrupted"] = True
    for f in pending:
        f.status = NOT_CONFIRMED
        f.reason = f"{f.reason}; unconfirmed: {stopped or 'rounds ran out'}"
    verdict.confirmation.update(rounds=rounds, seconds=clock() - start, variants=len(chosen),
                                folder=str(cfg.folder), stopped=stopped, sides=[base.describe(), cur.describe()],
                                flaky=samples.flaky)


def _by_evidence(suspects: list[Finding]) -> list[str]:
    """Variants, the most evidence of a slowdown first: the sum over their suspects of |log ratio|."""
    evidence: dict[str, float] = defaultdict(float)
    for f in suspects:
        evidence[f.variants[0]] += abs(math.log(f.ratio)) if f.ratio and f.ratio > 0 else 1.0
    return sorted(evidence, key=lambda v: -evidence[v])


def _decide_together(pending: list[Finding], samples: _Samples, up: dict[int, bool]) -> None:
    """Confirm, per metric, the variants that share one significant shift (module docstring)."""
    by_metric: dict[str, list[Finding]] = defaultdict(list)
    for f in pending:
        if min(map(len, samples.of(f))) >= MIN_SAMPLES:
            by_metric[f.metric or ""].append(f)
    for name, group in by_metric.items():
        metric = metrics.get(name)
        if metric is None or len(group) < 2 or len({up[id(f)] for f in group}) > 1:
            continue
        z, p = compare_strata([samples.of(f) for f in group])
        going_up = up[id(group[0])]
        if p >= P_THRESHOLD or (z > 0) != going_up:
            continue
        factor = factor_for(metric.timing)
        for f in group:
            test = compare_samples(*samples.of(f))
            if (test.ratio > 1 + factor) if going_up else (test.ratio < 1 / (1 + factor)):
                f.ratio, f.interval, f.samples = test.ratio, (test.low, test.high), test.n
                f.baseline, f.current = [statistics.median(x) for x in samples.of(f)]
                f.status = CONFIRMED
                f.reason = (f"re-measured: {test.text()}; the same shift in {len(group)} variants together: "
                            f"stratified Mann–Whitney U p={p:.2g}")


def _wanted(pending: list[Finding]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f in pending:
        out[f.variants[0]].add(f.metric or "")
    return dict(out)


def _decide_all(pending: list[Finding], samples: _Samples, up: dict[int, bool], rounds_left: int) -> list[Finding]:
    _decide_together(pending, samples, up)
    still = []
    for f in [f for f in pending if f.status != CONFIRMED]:
        status = decide(f, *samples.of(f), up[id(f)], rounds_left)
        if status is None:
            still.append(f)
        else:
            f.status = status
    return still
