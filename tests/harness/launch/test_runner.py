"""Isolation: a worker that dies or hangs still yields a record, and the next run goes on."""
import sys

import pytest

from harness.results.records import JsonlWriter
from harness.results.reading import read_records
from harness.launch.runner import run_pairs, run_variant
from harness.spec import Case, Variant
from tests.conftest import command_line, own_children

V = Variant("v", "fix", {}, claims={"cpu": "ok", "gpu": "ok"}, says="works")
CASE = Case("c", "title", "chapter", (V, Variant("w", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="")))

KILL_SELF = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
HANG = [sys.executable, "-c", "import time; time.sleep(60)"]
REPORT_OK = [sys.executable, "-c",
             "import json, sys; json.dump({'observed': 'ok', 'outcome': 'completed', 'metrics': {'x': 1, "
             "'final_loss': 0.5}}, open(sys.argv[1], 'w'))"]


def test_killed_worker_becomes_a_crashed_record():
    r = run_variant(CASE, V, "cpu", worker=KILL_SELF)
    assert (r.observed, r.outcome, r.agrees, r.fix_works) == ("crashed", "crashed", False, False)
    assert "SIGKILL" in r.error["stderr_tail"]
    assert (r.context.launcher, r.context.ran_alone, r.metrics) == ("spawn", True, {})  # the runner's, even so


def test_an_injected_slowdown_is_the_run_context_not_a_metric():
    """The verdict detector's knob (harness/train/slowdown.py) says how the run was made: the worker hands it
    beside its measurements, and the record keeps it in its context."""
    slowed = [sys.executable, "-c", "import json, sys; json.dump({'observed': 'ok', 'outcome': 'completed', "
              "'metrics': {'step_time_median_s': 0.2}, 'injected_slowdown': 0.1}, open(sys.argv[1], 'w'))"]
    r = run_variant(CASE, V, "cpu", worker=slowed)
    assert (r.context.injected_slowdown, r.metrics, r.diagnostics) == (0.1, {"step_time_median_s": 0.2}, {})


def test_hanging_worker_is_killed_at_the_timeout():
    r = run_variant(CASE, V, "cpu", timeout_s=2, worker=HANG)
    assert r.observed == "timeout" and r.outcome == "timeout" and r.error["limit_s"] == 2


def test_reported_result_is_composed_with_the_claim():
    r = run_variant(CASE, V, "cpu", worker=REPORT_OK)
    assert (r.observed, r.agrees, r.fix_works) == ("ok", True, True)
    # the registered metric, the worker's other measurement and the runner's bookkeeping each in its own field
    assert (r.metrics, r.diagnostics) == ({"final_loss": 0.5}, {"x": 1})
    assert (r.context.launcher, r.context.ran_alone, r.context.jobs, r.context.neighbours) == ("spawn", True, 1, [])


# a worker whose behaviour is its job's: variant "v" kills itself, "hang*" sleeps, anything else reports ok
BY_VARIANT = [sys.executable, "-c", """
import json, os, signal, sys, time
job = json.load(sys.stdin)
if job["variant"] == "v":
    os.kill(os.getpid(), signal.SIGKILL)
if job["variant"].startswith("hang"):
    time.sleep(60)
json.dump({"observed": "ok", "outcome": "completed", "metrics": {"pid": os.getpid()}}, open(sys.argv[1], "w"))
"""]


def test_a_crash_does_not_stop_the_suite(tmp_path):
    """The first variant's worker kills itself; the second still runs and both are on disk."""
    writer = JsonlWriter(tmp_path / "r.jsonl")
    records = run_pairs([(CASE, CASE.variants[0]), (CASE, CASE.variants[1])], "cpu", on_record=writer.write,
                        worker=BY_VARIANT)
    assert [r.observed for r in records] == ["crashed", "ok"]
    assert [r.observed for r in read_records([tmp_path / "r.jsonl"])] == ["crashed", "ok"]


def test_variant_not_meant_for_the_device_is_skipped_with_its_reason():
    gpu_only = Variant("g", "broken", {}, claims={"gpu": "oom"}, devices=("gpu",), not_applicable="no GPU memory",
                       says="")
    r = run_variant(Case("c", "t", "x", (gpu_only,)), gpu_only, "cpu", worker=KILL_SELF)
    assert (r.observed, r.outcome, r.notes) == ("not_applicable", "skipped", ["no GPU memory"])


def test_a_timeout_record_says_which_limit_it_hit():
    r = run_variant(CASE, V, "cpu", timeout_s=1.5, worker=HANG)
    assert r.error["limit_s"] == 1.5 and r.error["limit_source"] == "--timeout"
    assert "1.5 s limit (--timeout)" in r.error["message"]


REPORT_ENV = [sys.executable, "-c",
              "import json, os, sys; json.dump({'observed': 'ok', 'outcome': 'completed', 'metrics': "
              "{k: os.environ.get(k) for k in ('FITBENCH_T_SET', 'FITBENCH_T_GONE', 'FITBENCH_UNSET')}}, "
              "open(sys.argv[1], 'w'))"]


def test_a_variants_env_is_applied_and_none_unsets(monkeypatch):
    monkeypatch.setenv("FITBENCH_T_GONE", "was here")
    with_env = Variant("e", "fix", {}, claims={"cpu": "ok", "gpu": "ok"}, says="",
                       env={"FITBENCH_T_SET": "1", "FITBENCH_T_GONE": None})
    r = run_variant(Case("c", "t", "x", (with_env,)), with_env, "cpu", worker=REPORT_ENV)
    assert r.diagnostics["FITBENCH_T_SET"] == "1" and r.diagnostics["FITBENCH_T_GONE"] is None
    assert r.diagnostics["FITBENCH_UNSET"] == "FITBENCH_T_GONE"  # harness/__init__ must not put a default back
    assert r.context.process_env == {"FITBENCH_T_SET": "1", "FITBENCH_T_GONE": None}


def abort_now(value, ctx):
    """A hook that aborts the worker the way a crashing kernel would (SIGABRT, no result written)."""
    import os
    os.abort()


@pytest.fixture(scope="module")
def forked():
    """One suite through the zygote path (one zygote: it imports TensorFlow once, ~10 s, for all five): a variant
    whose forked worker aborts inside the pipeline (via a hook), then two real variants, then one with a limit of
    its own that it cannot meet. {"records": [...], "before"/"after": this process's children around it}."""
    from dataclasses import replace

    import cases

    aborting = Variant("abort", "fix", {"procedure": "initial_loss",
                                        "hooks": {"on_model": "tests.harness.launch.test_runner:abort_now"}},
                       claims={"cpu": "ok", "gpu": "ok"}, says="")
    case = cases.get("initial_loss")
    late = replace(case.variant("correct"), name="late", timeout_s=0.5)
    before = own_children()
    records = run_pairs([(Case("c", "t", "x", (aborting,)), aborting), (case, case.variant("correct")),
                         (case, case.variant("num_labels_5")), (case, late)], "cpu", launcher="fork", timeout_s=None)
    return {"records": records, "before": before, "after": own_children()}


def test_forked_workers_run_real_variants_with_phases_and_their_own_timeouts(forked):
    """The zygote path end to end: a real variant in a forked child, then one killed at its limit."""
    *records, late = forked["records"][1:]
    assert [r.observed for r in records] == ["ok", "initial_loss_off"]
    for r in records:
        assert r.context.launcher == "fork" and "launcher" not in r.metrics
        phases = r.metrics["phases"]
        assert {"spawn", "data", "model", "compile_first_step", "teardown"} <= set(phases)
        assert sum(phases.values()) <= r.wall_s + 0.5  # phases are parts of the wall time, never more
    assert late.observed == "timeout" and late.context.launcher == "fork"
    # where its time went until the kill, and what it was doing then (the worker's phase journal)
    assert late.diagnostics["stopped_in"] in ("imports", "device_setup", "data", "model", "compile_first_step")
    assert late.metrics["phases"] and sum(late.metrics["phases"].values()) <= late.wall_s + 0.5
    assert forked["after"] <= forked["before"]  # zygote and workers are gone once the suite returns


def test_a_forked_worker_that_aborts_becomes_a_crashed_record_and_the_next_one_runs(forked):
    """The zygote path keeps the isolation guarantee: the first variant's forked worker aborts inside the
    pipeline (via a hook); its record says crashed with the signal, and the next variant still runs there."""
    first, second = forked["records"][:2]
    assert (first.observed, first.outcome, first.fix_works) == ("crashed", "crashed", False)
    assert "SIGABRT" in first.error["stderr_tail"] and first.context.launcher == "fork"
    assert (second.observed, second.context.launcher) == ("ok", "fork")


def test_plan_runs_the_cases_in_the_order_the_user_gave():
    """`--cases b,a` runs b first (it ran in spec order before); variants of a case in the order named."""
    import cases
    from harness.commands.common import parse_selection
    from harness.launch.runner import plan

    selection = parse_selection("initial_loss:num_labels_5,string_loss_on_logits,initial_loss:correct")
    pairs = plan(cases.all_cases(), selection)
    assert [f"{c.id}:{v.name}" for c, v in pairs] == [
        "initial_loss:num_labels_5", "initial_loss:correct",
        "string_loss_on_logits:string_loss", "string_loss_on_logits:fix_from_logits"]
    everything = plan(cases.all_cases())
    assert [c.id for c, _ in everything][0] == cases.CASE_IDS[0] and len(everything) == sum(
        len(c.variants) for c in cases.all_cases())


def test_a_suite_in_another_interpreter_writes_where_it_was_told_and_dies_with_its_parent(tmp_path):
    """run_suite_process: a relative --out lands where the caller meant (the child runs elsewhere), and a child
    whose parent is SIGKILLed goes too (it would otherwise go on writing behind a night that was killed)."""
    import os
    import subprocess
    import time

    import psutil

    from tests.conftest import ROOT

    script = ("import os, sys; from pathlib import Path; from harness.env.suite_process import run_suite_process\n"
              "os.chdir(sys.argv[1]); run_suite_process(sys.executable, ['--cases', 'adam_default_lr'], "
              "Path('rel/out.jsonl'), cwd=Path(sys.argv[2]))")
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(ROOT)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline, child = time.monotonic() + 60, None
    while time.monotonic() < deadline and child is None:
        kids = psutil.Process(parent.pid).children()
        child = next((k for k in kids if "harness" in command_line(k)), None)
        time.sleep(0.2)
    assert child is not None and str(tmp_path / "rel" / "out.jsonl") in child.cmdline()
    parent.kill()
    parent.wait()
    gone, alive = psutil.wait_procs([child], timeout=20)
    assert not alive


def test_default_jobs_by_cores_and_by_the_cards_memory():
    """A worker wants about 4 cores and, on a GPU, 10 GiB of the card; at most 6. NVML is faked."""
    from harness.launch.runner import default_jobs
    from tests.harness.fake_nvml import FakeNVML

    assert [default_jobs("cpu", cores=n) for n in (2, 16, 64)] == [1, 4, 6]
    h200 = FakeNVML(total_mib=143_771)  # 14 shares of 10 GiB
    assert default_jobs("gpu", nvml=h200, cores=16) == 4 and default_jobs("gpu", nvml=h200, cores=64) == 6
    assert default_jobs("gpu", nvml=FakeNVML(total_mib=24_576), cores=64) == 2  # an L4: two shares
    assert default_jobs("gpu", nvml=FakeNVML(total_mib=8_192), cores=64) == 1  # under one share: alone
    assert default_jobs("gpu", nvml=FakeNVML(count=0), cores=64) == 1  # NVML sees no card: one at a time


def test_memory_bound_splits_nine_tenths_of_the_card_between_the_jobs():
    from harness.launch.runner import memory_bound
    from tests.harness.fake_nvml import FakeNVML

    h200 = FakeNVML(total_mib=143_771)
    assert memory_bound("gpu", 4, nvml=h200) == int(143_771 * 0.9 / 4)
    assert memory_bound("gpu", 1, nvml=h200) is None and memory_bound("cpu", 4, nvml=h200) is None
    assert memory_bound("gpu", 4, nvml=FakeNVML(count=0)) is None


def test_each_variant_but_those_that_run_alone_gets_the_bound_in_its_job(monkeypatch):
    """run_pairs hands the bound to every worker that shares the card, and none to one that runs alone."""
    from harness.launch import runner

    monkeypatch.setattr(runner, "memory_bound", lambda device, jobs, nvml=None: 5000 if jobs > 1 else None)
    job_of = [sys.executable, "-c", "import json, sys; job = json.load(sys.stdin); json.dump({'observed': 'ok', "
              "'outcome': 'completed', 'metrics': {'bound': job.get('memory_bound_mib')}}, open(sys.argv[1], 'w'))"]
    alone = Variant("alone", "check", {}, claims={"cpu": "ok", "gpu": "ok"}, says="", alone=True)
    case = Case("c", "title", "chapter", (V, alone))
    records = run_pairs([(case, V), (case, alone)], "cpu", jobs=2, worker=job_of, launcher="spawn")
    bounds = {r.variant: (r.diagnostics["bound"], r.context.memory_bound_mib) for r in records}
    assert bounds == {"v": (5000, 5000), "alone": (None, None)}


@pytest.mark.gpu
def test_on_a_real_gpu_jobs_and_the_bound_follow_the_card():
    from harness.env.describe import gpus
    from harness.launch.runner import default_jobs, memory_bound

    [card, *_] = gpus()
    jobs = default_jobs("gpu")
    assert 1 <= jobs <= min(6, max(1, card["memory_total_mib"] // 10240))
    assert memory_bound("gpu", 2) == int(card["memory_total_mib"] * 0.9 / 2) and memory_bound("gpu", 1) is None
