"""Same seed on CPU → the same loss trajectory, bit for bit, in a separate process."""
import json

from tests.conftest import run_cli


def test_rerun_reproduces_the_suite_trajectory_exactly(suite_records, tmp_path):
    key = ("string_loss_on_logits", "fix_from_logits")
    proc = run_cli("run", "--json", "--device", "cpu", "--cases", ":".join(key), "--out", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = json.loads(proc.stdout.strip().splitlines()[-1])
    first = suite_records[key]["metrics"]["loss_per_step"]
    assert len(first) == 40 and again["metrics"]["loss_per_step"] == first


def test_another_seed_gives_another_trajectory(suite_records, tmp_path):
    key = ("string_loss_on_logits", "fix_from_logits")
    proc = run_cli("run", "--json", "--device", "cpu", "--seed", "1", "--cases", ":".join(key),
                   "--out", str(tmp_path / "r.jsonl"))
    again = json.loads(proc.stdout.strip().splitlines()[-1])
    assert again["metrics"]["loss_per_step"] != suite_records[key]["metrics"]["loss_per_step"]
