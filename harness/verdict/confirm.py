"""Confirmation: re-measuring performance suspects in both sides, in paired rounds, until each is decided or the
budget is spent — Chromium's Pinpoint's idea with a paired test.

Each round runs the chosen variants once in each side, back to back, the sides' order alternating (A B, B A, …);
only these fresh samples are tested (the pair of runs that raised the suspicion chose itself). A round's two
runs share the machine's mood, so the evidence is each round's log ratio (harness/verdict/stats.py). The first
round's cost plans the night: as many rounds as the budget pays for, looks at stats.LOOKS within them and the
night's α spent over those looks in proportion to their rounds (the night ends at its last look). At each look
the family of tests shares that α by weighted Holm — the groups' shared shifts half, the single variants half,
within each the quieter clock tonight (its spread across variants, known before any re-measurement) more — and
every pending test is decided where it can be:

* confirmed — its one-sided paired test passes Holm's correction over every test of the night (the α of the night
  split over its looks) *and* its ratio is at least half the target past 1 (a slowdown worth a verdict);
* not confirmed — the upper bound of the ratio is below 1 + target: the slowdown the night was asked to see is
  ruled out;
* undecided — rounds, budget or a Ctrl-C ended first: said with the smallest slowdown the rounds could have
  seen. Never "nothing regressed".

A test is one measurement of one variant: step time and samples/s are one (metrics' `same_as`), and the step's
CPU time is tested beside its wall time (the quieter clock; the finding says which confirmed). A shift shared by
several variants is tested on the rounds' robust means (stats.round_medians) and reported as the group's own
finding, never copied onto its members; on the step's two clocks the group is every re-measured variant, suspect on
that clock or not (each round measures their steps anyway, and a release that slows every step shows there first).
Which variants are re-measured: the largest suspects relative to their own noise, one per case first, as many as
the budget can take through the first looks (harness/verdict/choose.py).
"""
from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from harness.results import metrics
from harness.results.groups import behaviour
from harness.results.records import RunRecord
from harness.verdict import stats
from harness.verdict.choose import choose_variants, variant_evidence
from harness.verdict.findings import (CONFIRMED, NOT_CONFIRMED, PERFORMANCE, REGRESSION, SUSPECT, UNDECIDED, Finding,
                                      Verdict)
from harness.verdict.performance import metric_values, sense_of
from harness.verdict.sides import Side, measure_round, pairing_cpus

CPU_CLOCK, WALL_CLOCK = "step_cpu_median_s", "step_time_median_s"
INSTRUCTIONS = "step_instructions_median"   # hardware counters: recorded only where the machine has them
TARGET_RANGE = (0.01, 1.0)
SPREAD_FLOOR = 0.03   # a clock's spread across variants below this is luck of the night, not a quieter clock
# a single test's α weight grows with its variant's suspect evidence squared, up to this evidence (16× the weight of
# a variant that barely passed): more would leave the other suspects almost no α for one noisy pair's say-so
EVIDENCE_CAP = 4.0


@dataclass(frozen=True)
class ConfirmSettings:
    """How a night re-measures: one object, one set of defaults and one check for `compare` and the nightly
    (harness/commands/confirm_args.py maps the same options onto it)."""
    rounds: int = 20                   # at most
    budget_s: float = 1200.0           # 20 minutes a night on a 2-core CPU
    max_variants: int = 6
    target: float = 0.10               # the slowdown the night is asked to see (relative)
    at_once: bool = True               # a round's two sides measured at the same time, a CPU each, where they can

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
    hidden: bool = False   # a group's member only: re-measured anyway, not a suspect on this measurement

    def series(self) -> list[float]:
        if self.members:
            return stats.round_medians([m.logs for m in self.members])
        return [self.logs[r] for r in sorted(self.logs)]


@dataclass
class _Night:
    """What the rounds of one confirmation leave: how many, what ended them, the plan's looks and α shares."""
    rounds: int = 0
    stopped: str = ""
    interrupted: bool = False
    flaky: list[str] = field(default_factory=list)
    alphas: dict[int, float] = field(default_factory=dict)   # look (rounds) -> the α it spends
    weights: dict[str, float] = field(default_factory=dict)  # the family's α shares, fixed at the first look
    pending: list["_Test"] = field(default_factory=list)     # what no look decided
    others: dict[int, list[float | None]] = field(default_factory=dict)   # round -> each side's others' CPU share
    pairing: str = ""                                        # how a round's two sides were measured


def confirm(verdict: Verdict, base: Side, cur: Side, cfg: ConfirmSettings, folder: Path,
            log: Callable[[str], None] = print, clock: Callable[[], float] = time.monotonic) -> Verdict:
    """Re-measure the verdict's suspected regressions, keeping the records in `folder` (baseline-N.jsonl,
    current-N.jsonl); each becomes confirmed, not confirmed or undecided. Returns the verdict so decided, a new one:
    the verdict given is left as compare made it."""
    performance = [replace(f) for f in verdict.performance]
    suspects = [f for f in performance if f.status == SUSPECT and f.direction == REGRESSION]
    chosen, left_out = choose_variants(suspects, verdict.costs, cfg.max_variants, cfg.budget_s, stats.LOOKS[1],
                                       verdict.noise.get("spread"), verdict.noise.get("moved"))
    for f in suspects:
        if f.variants[0] not in chosen:
            f.status, f.reason = UNDECIDED, f"{f.reason}; not re-measured: {left_out}"
    tests = _tests([f for f in suspects if f.variants[0] in chosen])
    expected = {v: next(f.behaviour for f in suspects if f.variants[0] == v) for v in chosen}
    start = clock()
    folder.mkdir(parents=True, exist_ok=True)
    strength = variant_evidence(suspects, verdict.noise.get("spread"), verdict.noise.get("moved"))
    night = _rounds(tests, performance, (base, cur), cfg, folder, expected,
                    lambda family: _weights(family, verdict.noise.get("spread") or {}, strength),
                    log, lambda: clock() - start)
    final = night.alphas[max(night.alphas)] if night.alphas else stats.ALPHA
    _close(_live(night.pending, performance), cfg, night.weights, final, night.stopped or "the rounds ran out")
    performance += [t.finding for t in tests if t.finding not in performance and not t.hidden
                    and (t.logs if not t.members else t.finding.status == CONFIRMED)]
    details = dict(
        rounds=night.rounds, seconds=clock() - start, variants=len(chosen), folder=str(folder),
        tests=sum(1 for t in tests if not t.hidden and (t.logs or (t.members and any(m.logs for m in t.members)))),
        stopped=night.stopped, sides=[base.describe(), cur.describe()], flaky=night.flaky, target=cfg.target,
        groups=[{"metric": t.metric.name, "variants": len(t.members), "status": t.finding.status,
                 "reason": t.finding.reason} for t in tests if t.members],
        looks=sorted(night.alphas), smallest_visible=_smallest_visible(tests, night.weights, final),
        others_cpu={str(r): v for r, v in night.others.items()}, pairing=night.pairing)
    return replace(verdict, performance=performance, confirmation={
        **verdict.confirmation, **details, **({"interrupted": True} if night.interrupted else {})})


def _rounds(tests: list[_Test], performance: list[Finding], sides: tuple[Side, Side], cfg: ConfirmSettings,
            folder: Path, expected: dict[str, str], weigh: Callable[[list[_Test]], dict[str, float]],
            log: Callable[[str], None], elapsed: Callable[[], float]) -> _Night:
    """Paired rounds until every test is decided, the plan's last look, the budget or a Ctrl-C; `weigh` gives the
    family's α shares (`_weights`), asked once, at the first look."""
    night, spent = _Night(pending=[t for t in tests if not t.hidden]), 0.0
    cpus = pairing_cpus(*sides) if cfg.at_once else None
    night.pairing = (f"at once: each side on a CPU of its own ({cpus[0]} and {cpus[1]}), one thread each, their "
                     f"steady steps started together" if cpus else "in turn: each side under its recorded conditions")
    before, longest = 0.0, 0.0   # when the last round began; the longest round so far

    def family() -> dict[str, float]:   # the α shares, fixed at the first look (stats.holm's family)
        night.weights = night.weights or weigh(_live(tests, performance))
        return night.weights
    try:
        while night.pending and night.rounds < (max(night.alphas) if night.alphas else cfg.rounds):
            spent_s = elapsed()
            longest = max(longest, spent_s - before) if night.rounds else 0.0   # (before the first: set-up)
            before = spent_s
            if night.rounds == 1:   # the plan, from what the first round cost, fixed before any look sees a sample
                night.alphas = stats.look_alphas(stats.looks_within(_planned(cfg, spent_s)))
            if night.rounds and spent_s + longest > cfg.budget_s:   # the next round may be as long as the longest
                night.stopped = f"the budget of {cfg.budget_s:.0f} s was spent after {night.rounds} rounds"
                break
            night.rounds += 1
            wanted = sorted({v for t in night.pending for m in (t.members or [t]) for v in m.variants})
            order = sides if night.rounds % 2 else sides[::-1]
            log(f"confirm: round {night.rounds}/{cfg.rounds}, {len(wanted)} variants, "
                + ("both sides at once" if cpus else f"{order[0].label} first"))
            runs = measure_round(order, wanted, folder, night.rounds, cpus)
            _add_round(tests, night.rounds, runs, expected, night.flaky)
            partner = 1 / (os.cpu_count() or 1) if cpus else 0.0   # at once, the other side's core is no stranger
            night.others[night.rounds] = [_others_share(runs.get(label, []), partner)
                                          for label in ("baseline", "current")]
            if night.rounds in night.alphas:
                alpha = night.alphas[night.rounds]
                night.pending = _look(_live(night.pending, performance), tests, family(), cfg, alpha)
                spent += alpha
        if night.stopped and night.pending and stats.ALPHA - spent > 1e-12 and night.rounds >= 2:
            # it ended before the plan's last look: one more, with the α left
            night.pending = _look(_live(night.pending, performance), tests, family(), cfg, stats.ALPHA - spent)
    except KeyboardInterrupt as exc:   # Ctrl-C, or SIGTERM (harness/commands raises a KeyboardInterrupt for it)
        how = "Ctrl-C" if type(exc) is KeyboardInterrupt else "SIGTERM"
        night.stopped, night.interrupted = f"interrupted ({how}): what was re-measured is kept", True
    return night


def _others_share(records: list[RunRecord], partner: float = 0.0) -> float | None:
    """How much of the machine processes other than the round's own used while a side's steps ran this round (the
    median over its variants of harness/train/trackers.others_cpu_share, less `partner`: the other side's share
    when both run at once), None where its records do not say."""
    shares = [r.diagnostics.get("others_cpu_share") for r in records]
    shares = sorted(x for x in shares if isinstance(x, (int, float)))
    return round(max(shares[len(shares) // 2] - partner, 0.0), 4) if shares else None


def _live(tests: list[_Test], performance: list[Finding]) -> list[_Test]:
    """The family: every test that has a sample by the first look (a CPU twin whose records have no CPU clock, or an
    instruction-count twin on a machine without counters, never gets one and is no test — nor is the group of such
    twins); the same at every later look, as nothing is re-measured that was not then."""
    return [t for t in tests if not t.hidden and (t.logs or any(m.logs for m in t.members) or t.finding in performance)]


def _planned(cfg: ConfirmSettings, round_s: float) -> int:
    """The rounds the night plans for: as many as the budget pays for at the first round's cost, within --rounds
    (at least the first look's)."""
    return max(stats.LOOKS[0], min(cfg.rounds, int(cfg.budget_s // max(round_s, 1e-9))))


def _weights(family: list[_Test], spread: dict[str, float], strength: dict[str, float]) -> dict[str, float]:
    """The family's α shares: groups and singles each their part (stats.family_weights), within a kind weighted by
    1 / spread² of the test's clock across tonight's variants (`Verdict.noise["spread"]`): the quieter clock gets
    more of the α; a single test also by its variant's suspect evidence in the pair (`choose.variant_evidence`,
    squared, from 1 to EVIDENCE_CAP): a step × 1.8 that the pair saw far past its noise gets the α its rounds will
    need, not the share of a variant that barely passed. Both are known before any re-measurement, and the rounds
    are fresh samples, so the weights are fixed before a look and the night's α holds whatever they are."""
    # a measurement fewer than five variants have (seconds to the overfit threshold) has no spread tonight: it is
    # as noisy as a typical one, not as quiet as the floor (which gave it nearly all of the pinned Xeon night's α)
    known = sorted(spread[t.metric.name] for t in family if t.metric.name in spread)
    typical = known[len(known) // 2] if known else SPREAD_FLOOR

    def quiet(t: _Test) -> float:
        return 1 / max(spread.get(t.metric.name, typical), SPREAD_FLOOR) ** 2

    def strong(t: _Test) -> float:
        return min(max(strength.get(t.variants[0], 1.0), 1.0), EVIDENCE_CAP) ** 2
    return stats.family_weights({t.key: quiet(t) for t in family if t.members},
                                {t.key: quiet(t) * strong(t) for t in family if not t.members})


def _tests(findings: list[Finding]) -> list[_Test]:
    """One test per (variant, measurement), the wall-clock step time's CPU-time and instruction-count twins beside it,
    and one group test per measurement that three or more variants share."""
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
        for quieter in (CPU_CLOCK, INSTRUCTIONS):   # a twin whose records lack it gets no sample: no test (_live)
            key = f"{t.variants[0]} {quieter}"
            if key not in tests:
                tests[key] = _Test(key, metrics.get(quieter), t.variants, _twin(t.finding, metrics.get(quieter)))
    singles = list(tests.values())
    by_metric: dict[str, list[_Test]] = defaultdict(list)
    for t in singles:
        by_metric[t.metric.name].append(t)
    for clock in (WALL_CLOCK, CPU_CLOCK):   # every re-measured variant's step: the shared shift's members
        by_metric[clock] += _hidden(clock, singles, tests)
    groups = [_Test(f"group {name}", members[0].metric, [v for m in members for v in m.variants],
                    _group_finding(members), members=members)
              for name, members in by_metric.items() if len(members) >= 3]
    return singles + [m for members in by_metric.values() for m in members if m.hidden] + groups


def _hidden(clock: str, singles: list[_Test], tests: dict[str, _Test]) -> list[_Test]:
    """The step-clock tests a shared shift needs from variants that are re-measured for another suspect: each
    round measures their step anyway, and a release that slows every step shows first in the shift all share
    (which variants these are is fixed before any re-measurement, so the group's test stays sound)."""
    by_variant = {t.variants[0]: t for t in singles}   # any of its tests: the twin copies only device and sides
    return [_Test(f"{v} {clock}", metrics.get(clock), [v], _twin(t.finding, metrics.get(clock)), hidden=True)
            for v, t in by_variant.items() if f"{v} {clock}" not in tests]


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


def _look(pending: list[_Test], tests: list[_Test], weights: dict[str, float], cfg: ConfirmSettings,
          alpha: float) -> list[_Test]:
    """Decide what this look can, spending `alpha` of the night's over the family `weights` names; the tests still
    pending."""
    summaries = {t.key: stats.paired(t.series()) for t in tests}
    already = {t.key: 0.0 for t in tests if t.finding.status == CONFIRMED and t.key in weights}  # stay rejected
    rejected = stats.holm({**{t.key: summaries[t.key].p() for t in pending if t.key in weights}, **already},
                          alpha, weights)
    still = []
    for t in pending:
        s = summaries[t.key]
        lost = _never_reached(t)
        if lost is not None:
            _set(t, CONFIRMED, lost, s)
        elif t.key in rejected and s.ratio >= 1 + cfg.target / 2:
            share = _share(t.key, weights, alpha)
            _set(t, CONFIRMED, f"re-measured: {s.text()}, past Holm's α {alpha:.2g} over {len(weights)} tests "
                               f"(its share {share:.2g}); lower bound {s.lower(share):.3g}", s)
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
        metric = metrics.get(d.metric)
        if s.n and metric and metric.inverse_of_root:   # the re-measured ratio, inverted, not the suspect pair's
            d.ratio, d.interval = 1 / f.ratio, tuple(1 / b if b else math.inf for b in reversed(f.interval))


def _close(pending: list[_Test], cfg: ConfirmSettings, weights: dict[str, float], final: float,
           stopped: str) -> None:
    for t in pending:
        s = stats.paired(t.series())
        infinite = sum(1 for v in t.logs.values() if math.isinf(v))
        seen = (f"; never reached in {infinite} of {len(t.logs)} rounds" if infinite else "")
        visible = s.smallest_visible(_share(t.key, weights, final))
        _set(t, UNDECIDED, f"undecided: {stopped} before the test could decide at {cfg.target:.0%}"
                           + (f"; {s.text()}; it could have seen a slowdown of {visible:.0%}" if s.n >= 2 else
                              "; too few paired rounds") + seen, s)


def _share(key: str, weights: dict[str, float], alpha: float) -> float:
    """A test's α at a look spending `alpha`, before Holm passes any on (the least it has)."""
    return alpha * weights[key] / sum(weights.values()) if key in weights else alpha / max(len(weights), 1)


def _smallest_visible(tests: list[_Test], weights: dict[str, float], final: float) -> dict[str, float]:
    """Per test, the smallest slowdown the rounds taken could have confirmed at the plan's last look (80 % power),
    finite ones only."""
    out = {}
    for t in tests:
        if t.hidden:
            continue
        s = stats.paired(t.series())
        visible = s.smallest_visible(_share(t.key, weights, final))
        if math.isfinite(visible):
            out[t.key] = round(visible, 4)
    return out

