"""Confirmation: re-measuring performance suspects in both sides, in paired rounds, until each is decided or the
budget is spent — Chromium's Pinpoint's idea with a paired test.

Each round runs the chosen variants once in each side, back to back, the sides' order alternating (A B, B A, …);
only these fresh samples are tested (the pair of runs that raised the suspicion chose itself). A round's two
runs share the machine's mood, so the evidence is each round's log ratio (harness/verdict/stats.py). After each
look (stats.LOOKS), every pending test is decided where it can be:

* confirmed — its one-sided paired test passes Holm's correction over every test of the night (the α of the night
  split over its looks) *and* its ratio is at least half the target past 1 (a slowdown worth a verdict);
* not confirmed — the upper bound of the ratio is below 1 + target: the slowdown the night was asked to see is
  ruled out;
* undecided — rounds, budget or a Ctrl-C ended first: said with the smallest slowdown the rounds could have
  seen. Never "nothing regressed".

A test is one measurement of one variant: step time and samples/s are one (metrics' `same_as`), and the step's
CPU time is tested beside its wall time (the quieter clock; the finding says which confirmed). A shift shared by
several variants is tested on the rounds' medians (stats.round_medians) and reported as the group's own finding,
never copied onto its members. Which variants are re-measured: the largest suspects relative to their own
noise, one per case first, as many as the budget can take through the first looks (harness/verdict/choose.py).
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from harness.results import metrics
from harness.results.groups import behaviour
from harness.results.records import RunRecord
from harness.verdict import stats
from harness.verdict.choose import choose_variants
from harness.verdict.findings import (CONFIRMED, NOT_CONFIRMED, PERFORMANCE, REGRESSION, UNDECIDED, Finding,
                                      Verdict)
from harness.verdict.performance import metric_values, sense_of
from harness.verdict.sides import Side

CPU_CLOCK, WALL_CLOCK = "step_cpu_median_s", "step_time_median_s"
TARGET_RANGE = (0.01, 1.0)


@dataclass(frozen=True)
class ConfirmSettings:
    """How a night re-measures: one object, one set of defaults and one check for `compare` and the nightly
    (harness/commands/confirm_args.py maps the same options onto it)."""
    rounds: int = 20                   # at most
    budget_s: float = 1200.0           # 20 minutes a night on a 2-core CPU
    max_variants: int = 6
    target: float = 0.10               # the slowdown the night is asked to see (relative)

    def __post_init__(self) -> None:
        if not isinstance(self.rounds, int) or not stats.LOOKS[0] <= self.rounds <= 50:
            raise ValueError(f"ConfirmSettings.rounds must be a whole number from {stats.LOOKS[0]} to 50 (fewer "
                             f"rounds can never decide), got {self.rounds!r}")
        if not 0 < self.budget_s < float("inf"):
            raise ValueError(f"ConfirmSettings.budget_s must be a number of seconds above 0, got {self.budget_s!r}")
        if not isinstance(self.max_variants, int) or self.max_variants < 1:
            raise ValueError(f"ConfirmSettings.max_variants must be a whole number >= 1, got {self.max_variants!r}")
        if not TARGET_RANGE[0] <= self.target <= TARGET_RANGE[1]:
            raise ValueError(f"ConfirmSettings.target must be a fraction from {TARGET_RANGE[0]} to {TARGET_RANGE[1]} "
                             f"(0.10 = a 10 % slowdown), got {self.target!r}")


@dataclass
class _Test:
    """One measurement of one variant (or a group's shared shift), its paired rounds, and the findings it decides."""
    key: str
    metric: metrics.Metric
    variants: list[str]
    finding: Finding
    derived: list[Finding] = field(default_factory=list)   # same measurement, decided with it
    logs: dict[int, float] = field(default_factory=dict)   # round -> log ratio (> 0 worse)
    members: list["_Test"] = field(default_factory=list)    # a group's variants

    def series(self) -> list[float]:
        if self.members:
            return stats.round_medians([m.logs for m in self.members])
        return [self.logs[r] for r in sorted(self.logs)]


def confirm(verdict: Verdict, base: Side, cur: Side, cfg: ConfirmSettings, folder: Path,
            log: Callable[[str], None] = print, clock: Callable[[], float] = time.monotonic) -> None:
    """Re-measure the verdict's suspected regressions, keeping the records in `folder` (baseline-N.jsonl,
    current-N.jsonl); each becomes confirmed, not confirmed or undecided."""
    suspects = [f for f in verdict.suspects() if f.direction == REGRESSION]
    chosen, left_out = choose_variants(suspects, verdict.costs, cfg.max_variants, cfg.budget_s, stats.LOOKS[1],
                                       verdict.noise.get("spread"))
    for f in suspects:
        if f.variants[0] not in chosen:
            f.status, f.reason = UNDECIDED, f"{f.reason}; not re-measured: {left_out}"
    tests = _tests([f for f in suspects if f.variants[0] in chosen], verdict)
    expected = {v: next(f.behaviour for f in suspects if f.variants[0] == v) for v in chosen}
    looks, rounds, start, stopped, flaky = stats.looks_within(cfg.rounds), 0, clock(), "", []
    folder.mkdir(parents=True, exist_ok=True)
    pending, looked = list(tests), 0

    # the family: every test that has a sample by the first look (a CPU twin whose records have no CPU clock
    # never gets one, and is no test); the same at every later look, as nothing is re-measured that was not then
    def live(tests_left: list[_Test]) -> list[_Test]:
        return [t for t in tests_left if t.logs or t.members or t.finding in verdict.performance]
    try:
        while pending and rounds < cfg.rounds:
            spent = clock() - start
            if rounds and spent + spent / rounds > cfg.budget_s:
                stopped = f"the budget of {cfg.budget_s:.0f} s was spent after {rounds} rounds"
                break
            rounds += 1
            wanted = sorted({v for t in pending for m in (t.members or [t]) for v in m.variants})
            order = (base, cur) if rounds % 2 else (cur, base)
            log(f"confirm: round {rounds}/{cfg.rounds}, {len(wanted)} variants, {order[0].label} first")
            runs = {side.label: side.run(wanted, folder / f"{side.label}-{rounds}.jsonl") for side in order}
            _add_round(tests, rounds, runs, expected, flaky)
            if rounds in looks:
                looked += 1
                pending = _look(live(pending), tests, len(live(tests)), cfg, stats.ALPHA / len(looks))
        if stopped and pending and rounds not in looks:  # the budget ended between looks: one last look, with
            pending = _look(live(pending), tests, len(live(tests)), cfg,  # the α of the looks it never reaches
                            stats.ALPHA * (len(looks) - looked) / len(looks))
    except KeyboardInterrupt:
        stopped = "interrupted (Ctrl-C): what was re-measured is kept"
        verdict.confirmation["interrupted"] = True
    _close(live(pending), cfg, len(looks), stopped or "the rounds ran out")
    verdict.performance += [t.finding for t in tests if t.finding not in verdict.performance
                            and (t.logs if not t.members else t.finding.status == CONFIRMED)]
    verdict.confirmation.update(
        rounds=rounds, seconds=clock() - start, variants=len(chosen), folder=str(folder),
        tests=sum(1 for t in tests if t.logs or (t.members and any(m.logs for m in t.members))),
        stopped=stopped, sides=[base.describe(), cur.describe()], flaky=flaky, target=cfg.target,
        groups=[{"metric": t.metric.name, "variants": len(t.members), "status": t.finding.status,
                 "reason": t.finding.reason} for t in tests if t.members],
        smallest_visible=_smallest_visible(tests, cfg, len(looks)))


def _tests(findings: list[Finding], verdict: Verdict) -> list[_Test]:
    """One test per (variant, measurement), the wall-clock step time's CPU twin beside it, and one group test per
    measurement that three or more variants share."""
    tests: dict[str, _Test] = {}
    for f in sorted(findings, key=lambda f: metrics.get(f.metric or "") is None or
                    metrics.get(f.metric or "").same_as is not None):
        metric = metrics.get(f.metric or "")
        if metric is None:
            f.status, f.reason = UNDECIDED, f"{f.reason}; not a registered metric: not re-measured"
            continue
        key = f"{f.variants[0]} {metric.root}"
        if key in tests:
            tests[key].derived.append(f)
            continue
        root = metrics.get(metric.root) or metric
        finding = f if root is metric else _twin(f, root)
        tests[key] = _Test(key, root, [f.variants[0]], finding, [] if finding is f else [f])
    for t in [t for t in tests.values() if t.metric.name == WALL_CLOCK]:
        cpu = f"{t.variants[0]} {CPU_CLOCK}"
        if cpu not in tests:
            tests[cpu] = _Test(cpu, metrics.get(CPU_CLOCK), t.variants, _twin(t.finding, metrics.get(CPU_CLOCK)))
    singles = list(tests.values())
    by_metric: dict[str, list[_Test]] = defaultdict(list)
    for t in singles:
        by_metric[t.metric.name].append(t)
    groups = [_Test(f"group {name}", members[0].metric, [v for m in members for v in m.variants],
                    _group_finding(members), members=members)
              for name, members in by_metric.items() if len(members) >= 3]
    return singles + groups


def _twin(f: Finding, metric: metrics.Metric) -> Finding:
    """A finding for another measurement of the same variant (the CPU clock, or the root of a derived number)."""
    return replace(f, what=metric.name, metric=metric.name, baseline=None, current=None, ratio=None,
                   reason="tested beside the suspect" if metric.name != f.metric else f.reason, fixes=[])


def _group_finding(members: list[_Test]) -> Finding:
    f = members[0].finding
    return Finding(PERFORMANCE, REGRESSION, members[0].metric.name, [v for m in members for v in m.variants],
                   f.device, f.baseline_env, f.current_env, status="", metric=members[0].metric.name,
                   reason=f"the shift {len(members)} variants share")


def _add_round(tests: list[_Test], index: int, runs: dict[str, list[RunRecord]], expected: dict[str, str],
               flaky: list[str]) -> None:
    """Each single test's log ratio for this round, where both sides ran the variant with its expected behaviour."""
    by_side = {label: {f"{r.case}:{r.variant}": r for r in records} for label, records in runs.items()}
    for t in tests:
        if t.members:
            continue
        variant = t.variants[0]
        pair = [by_side.get(label, {}).get(variant) for label in ("baseline", "current")]
        if any(r is None for r in pair):
            continue
        odd = [f"{variant} ({label}: {behaviour(r)})" for label, r in zip(("baseline", "current"), pair)
               if expected.get(variant) and behaviour(r) != expected[variant]]
        if odd:
            flaky.extend(x for x in odd if x not in flaky)
            continue
        values = [metric_values([r], t.metric) for r in pair]
        if all(values):
            logs = stats.log_ratios([(values[0][0], values[1][0])], sense_of(t.metric, pair[1].role) or 1)
            if logs:
                t.logs[index] = logs[0]


def _look(pending: list[_Test], tests: list[_Test], family: int, cfg: ConfirmSettings, alpha: float) -> list[_Test]:
    """Decide what this look can, spending `alpha` of the night's; the tests still pending."""
    summaries = {t.key: stats.paired(t.series()) for t in tests}
    already = {t.key: 0.0 for t in tests if t.finding.status == CONFIRMED}   # stay rejected in Holm's order
    rejected = stats.holm({**{t.key: summaries[t.key].p() for t in pending}, **already}, alpha, family)
    still = []
    for t in pending:
        s = summaries[t.key]
        lost = _never_reached(t)
        if lost is not None:
            _set(t, CONFIRMED, lost, s)
        elif t.key in rejected and s.ratio >= 1 + cfg.target / 2:
            _set(t, CONFIRMED, f"re-measured: {s.text()}, past Holm's α {alpha:.2g} over {family} tests; "
                               f"lower bound {s.lower(alpha / family):.3g}", s)
        elif s.n >= 2 and s.upper(stats.RULE_OUT) < 1 + cfg.target:
            _set(t, NOT_CONFIRMED, f"re-measured: {s.text()}: a slowdown of {cfg.target:.0%} is ruled out "
                                   f"(upper bound {s.upper(stats.RULE_OUT):.3g})", s)
        else:
            still.append(t)
    return still


def _never_reached(t: _Test) -> str | None:
    """Where the current side never reached, in every round (three or more), what the baseline did: training
    quality lost — decided by count, not by a ratio."""
    values = list(t.logs.values())
    if len(values) >= stats.LOOKS[0] and all(v == math.inf for v in values):
        return f"never reached in the current side in all {len(values)} re-measured rounds: training quality lost"
    return None


def _set(t: _Test, status: str, reason: str, s: stats.Paired) -> None:
    f = t.finding
    if t.members:
        reason = f"{len(t.members)} variants together (the median of their per-round log ratios): {reason}"
    f.status, f.reason = status, reason
    f.samples = (s.n, s.n)
    if s.n:
        f.ratio = s.ratio
        f.interval = (s.lower(stats.ALPHA), s.upper(stats.ALPHA))
    for d in t.derived:
        d.status = status
        d.reason = f"one measurement with {t.metric.name}: decided there ({reason})"


def _close(pending: list[_Test], cfg: ConfirmSettings, n_looks: int, stopped: str) -> None:
    for t in pending:
        s = stats.paired(t.series())
        infinite = sum(1 for v in t.logs.values() if math.isinf(v))
        seen = (f"; never reached in {infinite} of {len(t.logs)} rounds" if infinite else "")
        visible = s.smallest_visible(stats.ALPHA / n_looks)
        _set(t, UNDECIDED, f"undecided: {stopped} before the test could decide at {cfg.target:.0%}"
                           + (f"; {s.text()}; it could have seen a slowdown of {visible:.0%}" if s.n >= 2 else
                              "; too few paired rounds") + seen, s)


def _smallest_visible(tests: list[_Test], cfg: ConfirmSettings, n_looks: int) -> dict[str, float]:
    """Per test, the smallest slowdown the rounds taken could have confirmed (80 % power), finite ones only."""
    out = {}
    for t in tests:
        s = stats.paired(t.series())
        visible = s.smallest_visible(stats.ALPHA / n_looks / max(len(tests), 1))
        if math.isfinite(visible):
            out[t.key] = round(visible, 4)
    return out

