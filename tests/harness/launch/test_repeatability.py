"""Same seed on CPU → the same loss trajectory, bit for bit, in a separate process.

The rerun is the string_loss_on_logits pass of test_compare's real runs (tests/harness/verdict/test_compare.py,
made once a session for the four modules that read it): another `fitbench run` process, alone where the suite
ran two variants side by side, of the same seed — so nothing is trained only to be compared here.
"""
import json

from harness.results.reading import read_records
from tests.conftest import run_cli
from tests.harness.verdict.test_compare import real_runs

KEY = ("string_loss_on_logits", "fix_from_logits")


def test_rerun_reproduces_the_suite_trajectory_exactly(request, suite_records):
    again = next(r for r in read_records([real_runs(request)["fit"]]) if (r.case, r.variant) == KEY)
    assert again.config["seed"] == suite_records[KEY]["config"]["seed"]
    first = suite_records[KEY]["metrics"]["loss_per_step"]
    assert len(first) == 40 and again.metrics["loss_per_step"] == first


def test_another_seed_gives_another_trajectory(suite_records, tmp_path):
    proc = run_cli("run", "--json", "--device", "cpu", "--seed", "1", "--cases", ":".join(KEY),
                   "--out", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = json.loads(proc.stdout.strip().splitlines()[-1])
    assert again["config"]["seed"] == 1
    assert again["metrics"]["loss_per_step"] != suite_records[KEY]["metrics"]["loss_per_step"]
