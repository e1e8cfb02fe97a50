"""Isolation: a worker that dies or hangs still yields a record, and the next run goes on."""
import sys

from harness.records import JsonlWriter, read_records
from harness.runner import run_suite, run_variant
from harness.spec import Case, Variant

V = Variant("v", "fix", {}, claims={"cpu": "ok", "gpu": "ok"}, says="works")
CASE = Case("c", "title", "chapter", (V, Variant("w", "broken", {}, claims={"cpu": "ok", "gpu": "ok"}, says="")))

KILL_SELF = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
HANG = [sys.executable, "-c", "import time; time.sleep(60)"]
REPORT_OK = [sys.executable, "-c",
             "import json, sys; json.dump({'observed': 'ok', 'outcome': 'completed', 'metrics': {'x': 1}}, "
             "open(sys.argv[1], 'w'))"]


def test_killed_worker_becomes_a_crashed_record():
    r = run_variant(CASE, V, "cpu", worker=KILL_SELF)
    assert (r.observed, r.outcome, r.agrees, r.fix_works) == ("crashed", "crashed", False, False)
    assert "SIGKILL" in r.error["stderr_tail"]


def test_hanging_worker_is_killed_at_the_timeout():
    r = run_variant(CASE, V, "cpu", timeout_s=2, worker=HANG)
    assert r.observed == "timeout" and r.wall_s < 20


def test_reported_result_is_composed_with_the_claim():
    r = run_variant(CASE, V, "cpu", worker=REPORT_OK)
    assert (r.observed, r.agrees, r.fix_works, r.metrics) == ("ok", True, True, {"x": 1})


def test_a_crash_does_not_stop_the_suite(tmp_path, monkeypatch):
    """The first variant's worker kills itself; the second still runs and both are on disk."""
    import harness.runner as runner

    workers = iter([KILL_SELF, REPORT_OK])
    real = runner.run_variant
    monkeypatch.setattr(runner, "run_variant", lambda *a, **k: real(*a, **k, worker=next(workers)))
    writer = JsonlWriter(tmp_path / "r.jsonl")
    records = run_suite([(CASE, CASE.variants[0]), (CASE, CASE.variants[1])], "cpu", on_record=writer.write)
    assert [r.observed for r in records] == ["crashed", "ok"]
    assert [r.observed for r in read_records([tmp_path / "r.jsonl"])] == ["crashed", "ok"]


def test_variant_not_meant_for_the_device_is_skipped_with_its_reason():
    gpu_only = Variant("g", "broken", {}, claims={"gpu": "oom"}, devices=("gpu",), not_applicable="no GPU memory",
                       says="")
    r = run_variant(Case("c", "t", "x", (gpu_only,)), gpu_only, "cpu", worker=KILL_SELF)
    assert (r.observed, r.outcome, r.notes) == ("not_applicable", "skipped", ["no GPU memory"])
