"""Confirmation: suspects re-measured in both sides, interleaved, within a budget — with fake sides whose numbers
are known (a real slowdown, the same distribution twice, a flaky variant), and once for real through the CLI."""
from __future__ import annotations

import os
import re
import json
import random
from pathlib import Path

import pytest

from harness.env.environment import Environment
from harness.results.records import JsonlWriter, RunContext, RunRecord
from harness.results.reading import read_records
from harness.verdict.compare import compare_records
from harness.verdict.confirm import ConfirmSettings, confirm
from harness.verdict.findings import CONFIRMED, NOT_CONFIRMED, SUSPECT, UNDECIDED
from harness.verdict.render import render
from harness.verdict.sides import Side
from tests.conftest import run_cli
from tests.harness.verdict.test_compare import _write, real_runs


def record(variant: str, step: float, observed: str = "ok", samples: float | None = None,
           cpu: float | None = None, case: str = "c", others: float | None = None, **extra) -> RunRecord:
    return RunRecord(case=case, variant=variant, role="fix", device="cpu", claim="ok", says="", observed=observed,
                     agrees=observed == "ok", fix_works=observed == "ok", outcome="completed",
                     metrics={"step_time_median_s": step,
                              **({"samples_per_s": samples} if samples else {}),
                              **({"step_cpu_median_s": cpu} if cpu else {}), **extra},
                     context=RunContext(ran_alone=True), env={"cpu": "Fake CPU", "cpu_count": 2}, wall_s=5.0,
                     diagnostics={} if others is None else {"others_cpu_share": others})


class FakeSides:
    """Two sides whose step times are drawn around `means[label]` (a dict per variant, or one number) with a
    per-variant spread `noise` and a per-round shock `shock` that both sides of a round share (the machine's
    mood: pairing must cancel it); every run is logged."""

    def __init__(self, means: dict, flaky: str | None = None, interrupt_at: int | None = None,
                 noise: float = 0.03, shock: float = 0.0, seed: int = 1, cpu: bool = False,
                 others: float | None = None):
        self.means, self.flaky, self.interrupt_at, self.others = means, flaky, interrupt_at, others
        self.noise, self.shock, self.cpu = noise, shock, cpu
        self.rng = random.Random(seed)
        self.runs: list[tuple[str, tuple[str, ...]]] = []
        self.round_shock = 1.0

    def mean(self, label: str, variant: str) -> float:
        m = self.means[label]
        return m[variant] if isinstance(m, dict) else m

    def records(self, label: str, pairs: list[str]) -> list[RunRecord]:
        if len(self.runs) % 2 == 1:  # a new round: both of its runs share one shock
            self.round_shock = self.rng.lognormvariate(0, self.shock) if self.shock else 1.0
        out = []
        for p in pairs:
            case, variant = p.split(":")
            step = self.mean(label, variant) * self.round_shock * self.rng.lognormvariate(0, self.noise)
            observed = "error" if p.endswith(self.flaky or "-") and len(self.runs) == 2 else "ok"
            out.append(record(variant, step, observed, cpu=step * 1.9 if self.cpu else None, case=case,
                              others=self.others))
        return out

    def sides(self) -> tuple[Side, Side]:
        return Side("baseline", FakeEnv(self, "baseline")), Side("current", FakeEnv(self, "current"))


class FakeEnv(Environment):
    """An environment whose runs are the FakeSides' numbers for its side, written where a real run writes."""
    kind = "fake"

    def __init__(self, fakes: FakeSides, label: str):
        self.fakes, self.label, self.python = fakes, label, Path(f"/fake/{label}")

    def run_suite(self, pairs, device, out, code=None, timeout_s=None, args=(), conditions=None) -> int:
        names = [f"{c}:{v}" for c, v in pairs]
        self.fakes.runs.append((self.label, tuple(names)))
        if self.fakes.interrupt_at and len(self.fakes.runs) == self.fakes.interrupt_at:
            raise KeyboardInterrupt
        writer = JsonlWriter(out)
        for r in self.fakes.records(self.label, names):
            writer.write(r)
        return 0


@pytest.fixture(autouse=True)
def in_turn_unless_asked(monkeypatch, request):
    """The fake sides' rounds run in turn (their shared shocks follow the order of calls); the tests of measuring
    at once ask for it."""
    if "at_once" not in request.node.name:
        monkeypatch.setattr("harness.verdict.confirm.pairing_cpus", lambda *sides: None)


def suspected(variants=("v",), factor=1.4, cpu=False):
    verdict = compare_records([record(v, 0.020, cpu=0.038 if cpu else None) for v in variants],
                              [record(v, 0.020 * factor, cpu=0.038 * factor if cpu else None) for v in variants])
    assert {f.status for f in verdict.performance} == {SUSPECT}
    return verdict


def quiet(line: str) -> None:
    pass


def test_a_real_slowdown_is_confirmed_with_its_ratio_and_interval(tmp_path):
    verdict, fakes = suspected(), FakeSides({"baseline": 0.020, "current": 0.028})
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    [f] = verdict.performance
    assert f.status == CONFIRMED and f.regression and verdict.exit_code == 3
    assert 1.3 < f.ratio < 1.5 and f.interval[0] > 1.2 and f.samples in ((3, 3), (5, 5))  # at an early look
    assert f.reason.startswith("re-measured: ratio 1.4") and "paired rounds" in f.reason
    # interleaved: A B, B A, A B
    assert [label for label, _ in fakes.runs[:6]] == ["baseline", "current", "current", "baseline", "baseline",
                                                      "current"]


def test_the_same_distribution_twice_is_ruled_out_and_stops_early(tmp_path):
    verdict, fakes = suspected(), FakeSides({"baseline": 0.020, "current": 0.020})
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    [f] = verdict.performance
    assert f.status == NOT_CONFIRMED and "10% is ruled out" in f.reason and verdict.exit_code == 0
    assert len(fakes.runs) <= 2 * 5 and verdict.summary() == "exit 0: nothing regressed"


def test_a_shock_both_sides_of_a_round_share_cancels(tmp_path):
    """Rounds whose machine is ±30 % slower or faster for both sides alike: nothing changed, nothing confirmed
    (an unpaired test on these samples sees a spread ten times the real one)."""
    for seed in range(5):
        verdict = suspected()
        verdict = confirm(verdict, *FakeSides({"baseline": 0.020, "current": 0.020}, shock=0.3, seed=seed).sides(),
                ConfirmSettings(), tmp_path / str(seed), log=quiet)
        assert verdict.performance[0].status == NOT_CONFIRMED, verdict.performance[0].reason


def test_the_strongest_suspect_relative_to_its_noise_is_re_measured_first(tmp_path):
    verdict = suspected(variants=("weak", "strong"))
    weak, strong = verdict.performance if verdict.performance[0].variants == ["c:weak"] else \
        verdict.performance[::-1]
    weak.ratio, strong.ratio = 1.2, 1.8   # the weak one listed first: the choice must sort by evidence
    verdict.performance = [weak, strong]
    fakes = FakeSides({"baseline": 0.020, "current": 0.028})
    decided = confirm(verdict, *fakes.sides(), ConfirmSettings(max_variants=1), tmp_path, log=quiet)
    assert {names for _, names in fakes.runs} == {("c:strong",)}
    [weak_now] = [f for f in decided.performance if f.variants == ["c:weak"]]
    assert weak_now.status == UNDECIDED and "not re-measured" in weak_now.reason
    assert decided.summary().startswith("exit 3")
    # confirm returns the decided verdict: the one compare built is left as it was
    assert weak.status == SUSPECT and verdict.summary().startswith("exit 0") and not verdict.confirmation


@pytest.mark.parametrize("others,said", [(0.45, "the machine was BUSY in"), (0.01, "the machine was quiet")])
def test_what_the_rest_of_the_machine_did_during_the_rounds_is_said(tmp_path, others, said):
    """Each round keeps how much of the machine other processes used while each side's steps ran (the records'
    `others_cpu_share`), and the verdict says whether the rounds had the machine to themselves: beside a busy
    neighbour their spread, and so what they could see, is the machine's."""
    verdict, fakes = suspected(), FakeSides({"baseline": 0.020, "current": 0.020}, others=others)
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.confirmation["others_cpu"]["1"] == [others, others]
    text = render(verdict)
    assert said in text and f"{others:.0%} of its CPUs" in text
    assert ("confirm on a machine nothing else uses" in text) == (others > 0.1)


def test_a_side_that_ran_beside_other_work_is_noted_before_any_re_measuring():
    busy = [record("v", 0.020, others=0.5), record("w", 0.020, others=0.02)]
    verdict = compare_records([record("v", 0.020, others=0.0), record("w", 0.020, others=0.0)], busy)
    assert verdict.notes == ["the current ran beside other work: in 1 of 2 variants other processes used more than "
                             "10% of the machine's CPUs (up to 50%) while the steps ran; its timings carry that noise"]
    assert compare_records(busy[1:], busy[1:]).notes == []


class AtOnceEnv(FakeEnv):
    """A fake side that must run at the same time as the other: both calls of a round wait for each other at a
    barrier (a call in turn would wait alone and break it), and each keeps the conditions it was given."""
    barrier = None

    def run_suite(self, pairs, device, out, code=None, timeout_s=None, args=(), conditions=None) -> int:
        self.fakes.given.append((self.label, conditions, Path(conditions.meet).is_dir()))
        AtOnceEnv.barrier.wait(timeout=10)
        return super().run_suite(pairs, device, out, code, timeout_s, args, conditions)


def test_at_once_a_round_runs_both_sides_together_each_on_a_cpu_and_a_thread_of_its_own(tmp_path, monkeypatch):
    import threading
    monkeypatch.setattr("harness.verdict.sides.os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    AtOnceEnv.barrier = threading.Barrier(2)
    fakes = FakeSides({"baseline": 0.020, "current": 0.028})
    fakes.given = []
    sides = Side("baseline", AtOnceEnv(fakes, "baseline")), Side("current", AtOnceEnv(fakes, "current"))
    verdict = confirm(suspected(), *sides, ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.performance[0].status == CONFIRMED     # the barrier never broke: every round ran at once
    assert verdict.confirmation["pairing"].startswith("at once: each side on a CPU of its own (0 and 1)")
    cpus = {label: c.affinity for label, c, _ in fakes.given}
    assert sorted(cpus.values()) == [(0,), (1,)]
    assert all(c.threads == {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
               and c.variables()["FITBENCH_PAIR_MEET"] == c.meet and existed for _, c, existed in fakes.given)
    assert not list(tmp_path.glob(".meet-*"))           # each round's meeting folder went with it


def test_at_once_the_other_sides_core_is_not_counted_as_a_busy_machine(tmp_path, monkeypatch):
    """Both sides at once on 2 CPUs: each sees the other use half the machine; only what is beyond it is others'."""
    import threading
    monkeypatch.setattr("harness.verdict.sides.os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr("harness.verdict.confirm.os.cpu_count", lambda: 2)
    AtOnceEnv.barrier = threading.Barrier(2)
    fakes = FakeSides({"baseline": 0.020, "current": 0.020}, others=0.52)
    fakes.given = []
    sides = Side("baseline", AtOnceEnv(fakes, "baseline")), Side("current", AtOnceEnv(fakes, "current"))
    verdict = confirm(suspected(), *sides, ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.confirmation["others_cpu"]["1"] == [0.02, 0.02]
    assert "the machine was quiet during the rounds" in render(verdict)


def test_sides_with_another_share_of_the_machine_run_in_turn_under_their_own(monkeypatch):
    from harness.env.conditions import Conditions
    from harness.verdict.sides import pairing_cpus
    monkeypatch.setattr("harness.verdict.sides.os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    two, pinned = Conditions((0, 1)), Conditions((0,))
    env = FakeEnv(FakeSides({}), "x")
    assert pairing_cpus(Side("baseline", env, conditions=two), Side("current", env, conditions=two)) == (0, 1)
    slowed = Conditions((0, 1), inject="0.10")   # an injected slowdown is the sides' difference, not the machine's
    assert pairing_cpus(Side("baseline", env, conditions=two), Side("current", env, conditions=slowed)) == (0, 1)
    assert pairing_cpus(Side("baseline", env, conditions=two), Side("current", env, conditions=pinned)) is None
    assert pairing_cpus(Side("baseline", env, device="gpu"), Side("current", env, device="gpu")) is None
    monkeypatch.setattr("harness.verdict.sides.os.sched_getaffinity", lambda pid: {3}, raising=False)
    assert pairing_cpus(Side("baseline", env, conditions=two), Side("current", env, conditions=two)) is None


def test_ctrl_c_during_a_round_at_once_keeps_the_samples_and_leaves_no_meeting_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.verdict.sides.os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    fakes = FakeSides({"baseline": 0.020, "current": 0.028}, interrupt_at=5)
    verdict = confirm(suspected(), *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.confirmation.get("interrupted") and verdict.performance[0].status == UNDECIDED
    assert not list(tmp_path.glob(".meet-*"))


def test_a_spent_budget_leaves_the_suspect_undecided_never_nothing_regressed(tmp_path):
    verdict = suspected()
    fakes = FakeSides({"baseline": 0.020, "current": 0.0225}, noise=0.15)
    ticks = iter(range(0, 10_000, 100))  # every clock reading 100 s later: one round costs 100-200 s
    verdict = confirm(verdict, *fakes.sides(),
                      ConfirmSettings(budget_s=250), tmp_path, log=quiet, clock=lambda: next(ticks))
    [f] = verdict.performance
    assert f.status == UNDECIDED and "budget of 250 s was spent" in f.reason
    assert verdict.exit_code == 0 and "undecided" in verdict.summary() and "nothing regressed" not in verdict.summary()
    assert "UNDECIDED" in render(verdict)


def test_ctrl_c_keeps_what_was_measured_and_says_undecided(tmp_path):
    verdict, fakes = suspected(), FakeSides({"baseline": 0.020, "current": 0.028}, interrupt_at=3)
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    [f] = verdict.performance
    assert f.status == UNDECIDED and "interrupted (Ctrl-C)" in f.reason and verdict.exit_code == 0
    assert verdict.confirmation["interrupted"] is True


def test_a_rerun_that_behaves_differently_is_not_a_sample(tmp_path):
    verdict, fakes = suspected(), FakeSides({"baseline": 0.020, "current": 0.028}, flaky="v")
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.confirmation["flaky"] == ["c:v (current: error)"]
    assert verdict.performance[0].samples == (4, 4) and len(fakes.runs) == 2 * 5  # the lost round: 4 pairs at look 5


def test_improvements_stay_suspects(tmp_path):
    verdict = compare_records([record("v", 0.028)], [record("v", 0.020)])
    fakes = FakeSides({"baseline": 0.028, "current": 0.020})
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    assert [f.status for f in verdict.performance] == [SUSPECT] and fakes.runs == []


def test_samples_per_s_is_one_measurement_with_the_step_time(tmp_path):
    base = [record("v", 0.020, samples=400.0)]
    verdict = compare_records(base, [record("v", 0.028, samples=400.0 / 2.0)])   # the suspect pair: × 0.5
    assert {f.metric for f in verdict.performance} == {"step_time_median_s", "samples_per_s"}
    verdict = confirm(verdict, *FakeSides({"baseline": 0.020, "current": 0.028}).sides(),
                      ConfirmSettings(), tmp_path, log=quiet)
    assert verdict.confirmation["tests"] == 1
    derived = next(f for f in verdict.performance if f.metric == "samples_per_s")
    step = next(f for f in verdict.performance if f.metric == "step_time_median_s")
    assert derived.status == CONFIRMED and "one measurement with step_time_median_s" in derived.reason
    # its ratio and interval are the re-measured step's, inverted (× 1/1.4), not the suspect pair's × 0.5
    assert derived.ratio == pytest.approx(1 / step.ratio) and derived.ratio > 0.65
    assert derived.interval == pytest.approx((1 / step.interval[1], 1 / step.interval[0]))
    assert len(verdict.regressions()) == 2   # both numbers listed; one test behind them
    assert verdict.summary().startswith("exit 3: 1 confirmed performance regression, ")   # and counted once


def test_the_cpu_clock_is_tested_beside_the_wall_clock(tmp_path):
    verdict = suspected(cpu=True)
    verdict = confirm(verdict, *FakeSides({"baseline": 0.020, "current": 0.028}, cpu=True).sides(),
                      ConfirmSettings(), tmp_path,
            log=quiet)
    by_metric = {f.metric: f for f in verdict.performance}
    assert by_metric["step_cpu_median_s"].status == CONFIRMED and by_metric["step_time_median_s"].status == CONFIRMED


def test_never_reached_on_one_side_is_a_finding_not_a_traceback(tmp_path):
    class Never(FakeSides):
        def records(self, label, pairs):
            return [record(p.split(":")[1], 0.02, steps_to_threshold=None if label == "current" else 12)
                    for p in pairs]
    base = [record("v", 0.02, steps_to_threshold=12)]
    verdict = compare_records(base, [record("v", 0.02, steps_to_threshold=None)])
    [f] = [f for f in verdict.performance if f.metric == "steps_to_threshold"]
    assert f.direction == "regression"
    verdict = confirm(verdict, *Never({"baseline": 0.02, "current": 0.02}).sides(),
                      ConfirmSettings(), tmp_path, log=quiet)
    [f] = [f for f in verdict.performance if f.metric == "steps_to_threshold"]
    assert f.status == CONFIRMED and "never reached in the current side" in f.reason and verdict.exit_code == 3


@pytest.mark.parametrize("field,value", [("rounds", 2), ("budget_s", 0.0), ("max_variants", 0), ("target", 0.0),
                                         ("target", 2.0)])
def test_config_errors_name_the_field(field, value):
    with pytest.raises(ValueError, match=f"ConfirmSettings.{field}"):
        ConfirmSettings(**{field: value})


def test_for_real_a_suspect_from_one_slow_run_is_re_measured_and_not_confirmed(request, tmp_path):
    """The real path: `fitbench compare --confirm` reruns the suspect variant in this interpreter, for each side
    under its recorded CPUs, and writes what it measured; the slow baseline run was an accident. Three rounds, the
    first look (stats.LOOKS), spending the whole α: each round runs the variant in two fresh processes (~40 s
    here), and memory's ratio is ruled out at the first look (five rounds decided nothing a third could not)."""
    runs = real_runs(request)
    base = read_records([runs["fit"]])
    for r in base:  # the current run looks 30 % bigger than this (doctored) baseline; memory is stable, so the
        if r.metrics.get("rss_peak_mib"):  # re-measured ratio is within noise after three rounds
            r.metrics["rss_peak_mib"] /= 1.3
    folder = tmp_path / "confirm"
    proc = run_cli("compare", str(_write(tmp_path / "base.jsonl", base)), str(runs["fit"]), "--confirm",
                   "--max-variants", "1", "--rounds", "3", "--confirm-dir", str(folder), "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    decided = [f for f in result["performance"] if f["status"] == NOT_CONFIRMED and "ruled out" in f["reason"]]
    assert decided and result["confirmation"]["rounds"] == 3
    rerun = read_records(sorted(folder.glob("*.jsonl")))
    assert {r.variant for r in rerun} == {decided[0]["variants"][0].split(":")[1]}
    # measured at once (the default): each side on a CPU of its own, one thread, their steady steps started
    # together — both workers met (pair_wait_s) in every round
    assert all(len(r.env["conditions"]["affinity"]) == 1 for r in rerun)
    assert {r.env["conditions"]["affinity"][0] for r in rerun} == set(sorted(os.sched_getaffinity(0))[:2])
    assert all(r.env["conditions"]["threads"].get("TF_NUM_INTRAOP_THREADS") == "1" for r in rerun)
    assert all(isinstance(r.diagnostics.get("pair_wait_s"), float) for r in rerun), [r.diagnostics for r in rerun]
    # … and halfway the two sides traded CPUs: each ended on the CPU the other began on
    assert all(r.diagnostics.get("pair_swapped_to") not in (None, r.env["conditions"]["affinity"][0]) for r in rerun)
    assert result["confirmation"]["pairing"].startswith("at once")
    # each rerun says how much of the machine others used meanwhile, and the night keeps it per round and side
    assert all(0.0 <= r.diagnostics["others_cpu_share"] <= 1.0 for r in rerun)
    assert len(result["confirmation"]["others_cpu"]) == 3


def test_a_shift_shared_by_several_variants_is_the_groups_finding(tmp_path):
    """Four variants each +15 % under a ±12 % spread: each one alone may not tell, their rounds' medians do; the
    group's finding is its own, never copied onto members whose own evidence did not decide."""
    variants = ("a", "b", "c", "d")
    verdict = suspected(variants=variants)
    verdict = confirm(verdict, *FakeSides({"baseline": 0.020, "current": 0.023}, noise=0.12).sides(),
                      ConfirmSettings(), tmp_path,
            log=quiet)
    [group] = [f for f in verdict.performance if len(f.variants) == 4]
    assert group.status == CONFIRMED and group.reason.startswith("4 variants together")
    assert verdict.exit_code == 3
    members = [f for f in verdict.performance if len(f.variants) == 1]
    assert all("group" not in f.reason for f in members)


def test_the_steps_shared_shift_counts_every_re_measured_variant_not_only_its_suspects(tmp_path):
    """Four variants re-measured for another suspect (their time to the first step), whose steps all slowed +15 %
    in the rounds: the step clock's group is every re-measured variant, so the shared shift is confirmed — as the
    group's finding only, no single step-time finding appears for a variant that was no suspect on it."""
    variants = tuple("abcd")
    base = [record(v, 0.020, time_to_first_step_s=2.0) for v in variants]
    verdict = compare_records(base, [record(v, 0.020, time_to_first_step_s=2.8) for v in variants])
    assert {f.metric for f in verdict.performance} == {"time_to_first_step_s"}
    verdict = confirm(verdict, *FakeSides({"baseline": 0.020, "current": 0.023}, noise=0.12).sides(),
                      ConfirmSettings(), tmp_path, log=quiet)
    [group] = [f for f in verdict.performance if f.metric == "step_time_median_s"]
    assert group.status == CONFIRMED and len(group.variants) == 4 and verdict.exit_code == 3
    assert not [f for f in verdict.performance if f.metric == "step_time_median_s" and len(f.variants) == 1]


def test_one_slow_variant_is_confirmed_and_no_bystander_is(tmp_path):
    means = {"base": dict.fromkeys("abcd", 0.020), "cur": {**dict.fromkeys("abc", 0.020), "d": 0.024}}
    for seed in range(4):
        verdict = suspected(variants=tuple("abcd"))
        fakes = FakeSides({"baseline": means["base"], "current": means["cur"]}, noise=0.03, shock=0.2, seed=seed)
        verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path / str(seed), log=quiet)
        confirmed = {v for f in verdict.regressions() for v in f.variants}
        assert confirmed == {"c:d"}, [(f.variants, f.status, f.reason) for f in verdict.performance]


def test_a_budget_that_ends_between_looks_still_looks_once_with_the_alpha_left(tmp_path):
    verdict = suspected()
    fakes = FakeSides({"baseline": 0.020, "current": 0.028}, noise=0.005)
    ticks = iter(range(0, 10_000, 120))  # a round costs 120 s: after round 2 (360 s) the next would pass 400 s,
    # so the budget stops there, before look 3
    verdict = confirm(verdict, *fakes.sides(),
                      ConfirmSettings(budget_s=400), tmp_path, log=quiet, clock=lambda: next(ticks))
    [f] = verdict.performance
    assert verdict.confirmation["rounds"] == 2 and f.status == CONFIRMED and f.samples == (2, 2), f.reason


def test_the_budget_expects_the_next_round_to_cost_as_much_as_the_longest_so_far(tmp_path):
    """Rounds of 100 s then 300 s (the machine got busy) under a 650 s budget: a third round could end at 700 s,
    past the budget, so the night stops after two (the mean, 200 s, would have let it overrun)."""
    verdict = suspected()
    fakes = FakeSides({"baseline": 0.020, "current": 0.021}, noise=0.005)
    times = iter([0, 0, 100, 400, 700] + [700] * 100)   # the start, then before each round, then the end
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(budget_s=650), tmp_path, log=quiet,
                      clock=lambda: next(times))
    assert verdict.confirmation["rounds"] == 2 and "spent after 2 rounds" in verdict.confirmation["stopped"]


def test_the_night_plans_its_looks_from_the_first_rounds_cost_and_ends_at_the_last(tmp_path):
    verdict = suspected()
    fakes = FakeSides({"baseline": 0.020, "current": 0.0202}, noise=0.2)   # too noisy to decide soon
    ticks = iter(range(0, 100_000, 50))   # a round costs ~100 s: a 700 s budget pays for 7
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(budget_s=700), tmp_path, log=quiet,
            clock=lambda: next(ticks))
    assert verdict.confirmation["looks"] == [3, 5, 7]
    assert verdict.confirmation["rounds"] <= 7


def test_the_quieter_clock_tonight_gets_the_larger_share_of_alpha():
    from harness.verdict.confirm import _tests, _weights
    verdict = suspected(("a", "b", "c"), cpu=True)
    # these records count no instructions: those twins never get a sample, so a night leaves them out (_live)
    tests = [t for t in _tests(verdict.suspects()) if t.metric.name != "step_instructions_median"]
    weights = _weights(tests, {"step_time_median_s": 0.30, "step_cpu_median_s": 0.10}, {})
    wall, cpu = weights["group step_time_median_s"], weights["group step_cpu_median_s"]
    assert cpu == pytest.approx(9 * wall) and wall + cpu == pytest.approx(0.5)
    assert weights["c:a step_cpu_median_s"] == pytest.approx(9 * weights["c:a step_time_median_s"])
    assert sum(weights.values()) == pytest.approx(1.0)


def test_a_variant_the_pair_saw_far_past_its_noise_gets_more_of_the_alpha():
    """Weights come from the pair, before any round: a step × 1.8 outweighs ones that barely passed, capped."""
    from harness.verdict.confirm import EVIDENCE_CAP, _tests, _weights
    verdict = compare_records([record(v, 0.020) for v in "abc"],
                              [record("a", 0.036), record("b", 0.0224), record("c", 0.0224)])
    tests = _tests(verdict.suspects())
    spread = {"step_time_median_s": 0.1}
    weights = _weights(tests, spread, {"c:a": 6.0, "c:b": 1.2, "c:c": 0.5})
    a, b, c = (weights[f"c:{v} step_time_median_s"] for v in "abc")
    assert a == pytest.approx(b * (EVIDENCE_CAP / 1.2) ** 2) and c == pytest.approx(b / 1.2 ** 2)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert _weights(tests, spread, {})[f"c:a step_time_median_s"] == pytest.approx(weights["group step_time_median_s"]
                                                                                  / 3)


def test_a_measurement_without_a_spread_tonight_counts_as_a_typical_one_not_the_quietest():
    """Seconds to the overfit threshold exist for few variants, so tonight has no spread for them: they weigh as a
    typical clock does, not as the floor would (which gave them 10× the step's α on the pinned Xeon night)."""
    from harness.verdict.confirm import _tests, _weights
    verdict = compare_records([record("a", 0.020, seconds_to_threshold=5.0)],
                              [record("a", 0.028, seconds_to_threshold=7.0)])
    tests = _tests(verdict.suspects())
    weights = _weights(tests, {"step_time_median_s": 0.1}, {})
    assert weights["c:a seconds_to_threshold"] == pytest.approx(weights["c:a step_time_median_s"])


def test_where_the_machine_counts_instructions_they_are_tested_beside_the_clocks(tmp_path):
    """A step that retires 30 % more instructions is confirmed on the count, the finding naming it; where records
    have no count (every other test here) no such test exists and no α goes to it."""
    class Counting(FakeSides):
        def records(self, label, pairs):
            out = super().records(label, pairs)
            for r in out:
                r.metrics["step_instructions_median"] = 4e8 * (1.3 if label == "current" else 1.0)
                r.metrics["step_instructions_median"] *= self.rng.lognormvariate(0, 0.002)
            return out
    verdict = suspected()
    noisy = Counting({"baseline": 0.020, "current": 0.020}, noise=0.3, shock=0.3)   # the clocks cannot tell
    verdict = confirm(verdict, *noisy.sides(), ConfirmSettings(), tmp_path, log=quiet)
    by_metric = {f.metric: f for f in verdict.performance}
    counted = by_metric["step_instructions_median"]
    assert counted.status == CONFIRMED and "ratio 1.3" in counted.reason
    assert by_metric["step_time_median_s"].status != CONFIRMED and verdict.exit_code == 3


def test_without_counts_neither_the_instruction_twins_nor_their_group_take_alpha(tmp_path):
    """Three variants on both clocks, records that count no instructions: the night's family is the three steps on
    each clock and the two clocks' groups — 8 tests. The group of the never-sampled instruction twins once took a
    share of the groups' α (the pinned Xeon night lost its shared shift to it)."""
    verdict = suspected(("a", "b", "c"), cpu=True)
    fakes = FakeSides({"baseline": 0.020, "current": 0.028}, cpu=True, noise=0.01)
    verdict = confirm(verdict, *fakes.sides(), ConfirmSettings(), tmp_path, log=quiet)
    confirmed = [f for f in verdict.performance if f.status == CONFIRMED]
    assert confirmed and all("over 8 tests" in f.reason for f in confirmed), [f.reason for f in confirmed]
    assert not [f for f in verdict.performance if f.metric == "step_instructions_median"]
