"""The detector's injected slowdown: parsed strictly, armed only for its variant, real (wall and CPU time both
grow), and kept in the record and its run conditions so that a re-measured side is slowed alike."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from harness.env.conditions import Conditions
from harness.train import slowdown


@pytest.mark.parametrize("spec,expected", [("0.10", (0.10, None)), ("0.2@c:v", (0.2, "c:v")), ("", (0.0, None))])
def test_parse(spec, expected):
    assert slowdown.parse(spec) == expected


@pytest.mark.parametrize("spec", ["ten", "-0.1", "0.1@novariant", "11"])
def test_a_bad_spec_names_the_variable(spec):
    with pytest.raises(ValueError, match="FITBENCH_INJECT_SLOWDOWN"):
        slowdown.parse(spec)


def test_armed_only_for_the_named_variant():
    assert slowdown.configure("c:v", "0.2@c:v") == 0.2
    assert slowdown.configure("c:other", "0.2@c:v") == 0.0
    assert slowdown.configure("c:other", "0.1") == 0.1
    slowdown.configure("c:v", "")


def test_burn_really_spends_cpu_for_the_fraction_of_the_step():
    slowdown.configure("c:v", "1.0")
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        slowdown.burn(0.05)
        assert time.perf_counter() - wall >= 0.05          # it spins until the deadline: never shorter
        assert time.process_time() - cpu > 0.01             # and it computes (a sleep would cost no CPU)
    finally:
        slowdown.configure("c:v", "")
    wall = time.perf_counter()
    slowdown.burn(10.0)                                     # disarmed: nothing
    assert time.perf_counter() - wall < 5.0


def test_the_conditions_carry_it_to_a_re_measured_side_and_clear_it_otherwise():
    slowed = Conditions.from_record({"affinity": [0, 1], "inject": "0.10"})
    assert slowed.variables()["FITBENCH_INJECT_SLOWDOWN"] == "0.10" and "injected slowdown 0.10" in slowed.describe()
    assert Conditions.from_record({"affinity": [0, 1]}).variables()["FITBENCH_INJECT_SLOWDOWN"] == ""


@pytest.mark.slow
def test_a_run_with_the_knob_records_it_and_its_cpu_time(tmp_path):
    """For real: one tiny variant slowed by half again; the record says so, and both clocks are recorded."""
    import os
    import subprocess
    import sys

    from harness.results.reading import read_records
    from tests.conftest import ROOT

    out = tmp_path / "r.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FITBENCH_INJECT_SLOWDOWN": "0.5@bad_labels:shuffled_one_batch"}
    proc = subprocess.run([sys.executable, "-m", "harness", "run", "--device", "cpu", "--jobs", "1", "--cases",
                           "bad_labels:shuffled_one_batch,bad_labels:fix_clean_labels", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    by_variant = {r.variant: r for r in read_records([out])}
    slowed, other = by_variant["shuffled_one_batch"], by_variant["fix_clean_labels"]
    assert slowed.context.injected_slowdown == 0.5 and other.context.injected_slowdown is None
    assert slowed.env["conditions"]["inject"] == "0.5@bad_labels:shuffled_one_batch"
    assert all(r.metrics["step_cpu_median_s"] > 0 for r in (slowed, other))


def test_a_worker_of_a_round_measured_at_once_waits_for_the_other_side_and_no_longer(tmp_path, monkeypatch):
    """harness/train/pairing.py: both sides' steady steps start together; a partner that never comes does not hold
    a side past WAIT_S, and without the variable nothing waits."""
    from harness.train import pairing
    pairing.configure("c:v")
    monkeypatch.delenv(pairing.VARIABLE, raising=False)
    assert pairing.meet() is None
    monkeypatch.setenv(pairing.VARIABLE, str(tmp_path))
    (tmp_path / "c--v.start.999999").touch()                 # the other side is already there
    assert pairing.meet() < 1.0
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv(pairing.VARIABLE, str(other))
    clock = iter(range(0, 1000, 5))                           # 5 s a look: alone, it gives up after WAIT_S
    assert pairing.meet(now=lambda: next(clock), sleep=lambda s: None) is None
    assert [p.name.rsplit(".", 1)[0] for p in other.iterdir()] == ["c--v.start"]   # it left its own mark


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs two CPUs")
def test_halfway_a_side_measured_at_once_moves_every_thread_to_the_other_cpu(tmp_path):
    """In a child process (it moves its own threads): a side on the first CPU, a partner already at the halfway
    meeting, a thread of its own running; after swap() every thread is on the round's other CPU."""
    import subprocess
    import sys
    a, b = sorted(os.sched_getaffinity(0))[:2]
    (tmp_path / "cpus").write_text(f"{a} {b}")
    (tmp_path / "c--v.half.1").touch()
    script = f"""
import os, threading, time
from harness.train import pairing
os.sched_setaffinity(0, {{{a}}})
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
pairing.configure("c:v")
print(pairing.swap(), sorted({{c for t in os.listdir('/proc/self/task') for c in os.sched_getaffinity(int(t))}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "FITBENCH_PAIR_MEET": str(tmp_path)}, cwd=Path(__file__).parents[3])
    assert out.stdout.split(None, 1) == [str(b), f"[{b}]\n"], out.stderr[-2000:]


def test_without_a_round_at_once_nothing_moves(monkeypatch):
    from harness.train import pairing
    monkeypatch.delenv("FITBENCH_PAIR_MEET", raising=False)
    pairing.configure("c:v")
    assert pairing.swap() is None
