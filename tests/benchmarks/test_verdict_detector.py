"""The verdict detector's own logic: the order its trials run in, the grades it injects, and the simulation that
runs fitbench's own compare and confirm on simulated nights (benchmarks/scripts/verdict_simulation.py)."""
from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "scripts"))

import verdict_detector as detector  # noqa: E402
import verdict_simulation as simulation  # noqa: E402

from harness.verdict.confirm import ConfirmSettings  # noqa: E402


def test_the_plan_interleaves_and_closes_each_aa_trial_with_its_own_run():
    steps = detector.plan(2, 2, 1, "inject-0.10", ("inject-0.20-one",))
    assert [s[0] for s in steps] == ["aa-01", "slow-01", "inject-0.20-one-01", "aa-02", "slow-02"]
    assert [s[3] for s in steps] == [1, 1, 1, 2, 2]


def test_aa_first_runs_every_aa_trial_before_the_late_slowdowns():
    steps = detector.plan(4, 3, 1, "inject-0.10", ("inject-0.05",), aa_first_from=2)
    names = [s[0] for s in steps]
    assert names[:2] == ["aa-01", "slow-01"] and names[2:5] == ["aa-02", "aa-03", "aa-04"]
    assert set(names[5:]) == {"slow-02", "slow-03", "inject-0.05-01"}
    assert all(index == 4 for _, kind, _, index in steps[5:])   # on the last A run: one run per slowdown


def test_every_grade_is_a_condition_a_run_can_take():
    assert detector.GRADES["inject-0.20-one"] == {"inject": f"0.20@{detector.NAMED}"}
    assert all(set(c) <= {"quota", "affinity", "inject"} for c in detector.GRADES.values())


@pytest.fixture(scope="module")
def simulated():
    scenarios = [s for s in simulation.SCENARIOS if s.name in ("A/A", "all +20 %", "one +40 %")]
    return simulation.simulate(scenarios, simulation.Noise(), ConfirmSettings(at_once=False), nights=25, n_variants=16, seed=1)


def test_simulated_aa_nights_do_not_fail(simulated):
    assert simulated["A/A"]["exit_3"] <= 0.04     # at most one of 25 (the design's rate is ≤ 1 %)


def test_simulated_slowdowns_are_found_and_bystanders_are_not(simulated):
    assert simulated["all +20 %"]["exit_3"] >= 0.8
    one = simulated["one +40 %"]
    assert one["named_confirmed"] >= 0.8 and one["others_confirmed"] == 0 and one["group_confirmed"] == 0


def test_rounds_measured_at_once_draw_their_own_noise_and_cost_one_sides_time():
    quiet = simulation.Noise(variant=0.01, process=0.005, double_rate=0.0, cpu_variant=0.01, cpu_process=0.005)
    night = simulation.Night(simulation.SCENARIOS[0], simulation.Noise(), 32, random.Random(3), rounds_noise=quiet,
                             at_once=True)
    names = list(night.shapes)

    def log_ratios() -> list[float]:
        base, cur = night.run("baseline", names), night.run("current", names)
        return [abs(math.log(c.metrics["step_time_median_s"] / b.metrics["step_time_median_s"]))
                for b, c in zip(base, cur)]

    assert max(log_ratios()) > 0.1         # the suspect pair: the runs in turn, ~16 % a pair
    night.start_confirming()
    assert max(log_ratios()) < 0.1         # a round at once: the quiet fit, ~1.6 % a pair
    one_side = simulation.PROCESS_S + sum(wall for _, wall in night.shapes.values())
    assert night.seconds == pytest.approx(one_side)   # both sides ran in the time of one


def test_a_folder_begun_on_another_machine_is_refused(tmp_path):
    import json
    import os

    from harness.env.describe import cpu_model

    committed = Path(__file__).resolve().parents[2] / "results/verdict-detector-2026-12-06-at-once/runs/A00.jsonl"
    record = json.loads(committed.read_text().splitlines()[0])
    (tmp_path / "runs").mkdir()
    assert detector.other_machine(tmp_path) is None   # a new folder
    for cpu, count, refused in ((cpu_model(), os.cpu_count(), False), ("Another CPU", os.cpu_count(), True),
                                (cpu_model(), 64, True)):
        record["env"].update(cpu=cpu, cpu_count=count)
        (tmp_path / "runs/A00.jsonl").write_text(json.dumps(record) + "\n")
        said = detector.other_machine(tmp_path)
        assert (said is not None) == refused
        assert not refused or f"{cpu} × {count}" in said
