"""benchmarks/scripts/suite_cost.py: the reference tree it checks out, the ABBA order of its suite runs, what it
calls lost (a symptom, a record, a CPU loss trajectory), and its exit code. The suites themselves are faked: a
real one is minutes of training (the script's own output in results/suite-cost-* is the real run)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("suite_cost", ROOT / "benchmarks/scripts/suite_cost.py")
suite_cost = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite_cost)


def _record(key: str, observed: str = "ok", losses=(1.0, 0.5)) -> dict:
    case, variant = key.split(":")
    return {"case": case, "variant": variant, "observed": observed, "wall_s": 2.0,
            "metrics": {"loss_per_step": list(losses) if losses else None, "phases": {"steady_steps": 1.5}}}


def test_the_reference_is_the_commits_tree_and_the_checkout_is_untouched(tmp_path):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    before = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    tree = suite_cost.checkout(head.stdout.strip(), tmp_path)
    committed = subprocess.run(["git", "show", "HEAD:cases/__init__.py"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout
    assert (tree / "cases/__init__.py").read_text() == committed
    assert (tree / "harness/commands/__init__.py").is_file() and not (tree / ".git").exists()
    assert subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True,
                          text=True).stdout == before


def test_compare_names_every_loss_and_only_on_cpu_the_trajectory():
    ref = {k: _record(k) for k in ("a:x", "a:y", "b:z", "c:w")}
    new = {"a:x": _record("a:x"), "a:y": _record("a:y", observed="plateau"),
           "b:z": _record("b:z", losses=(1.0, 0.6))}
    problems = suite_cost.compare(ref, new, "cpu")
    assert problems == ["a:y: symptom ok → plateau", "b:z: loss trajectory differs",
                        "c:w: no record from the new runner"]
    # a GPU's kernels are not deterministic: there a trajectory is not evidence of a loss
    assert suite_cost.compare(ref, new, "gpu") == problems[:1] + problems[2:]


def _fake_suites(monkeypatch, tmp_path, observed_by_side: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Replace the checkout, the listing and the suite runs; return the log of suite runs (tree, extra args)."""
    ref_tree = tmp_path / "ref-tree"
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(suite_cost, "checkout", lambda ref, into: ref_tree)
    monkeypatch.setattr(suite_cost, "pairs_of", lambda tree: ["a:x", "a:y"] + (["new:only"] if tree == ROOT else []))

    def time_suite(tree, cases, device, out, extra=None):
        side = "ref" if tree == ref_tree else "new" + "".join(extra or [])
        calls.append((side, list(cases)))
        out.write_text("".join(json.dumps(_record(k, observed_by_side.get(side, "ok"))) + "\n" for k in cases))
        return 10.0 if side == "ref" else 5.0

    monkeypatch.setattr(suite_cost, "time_suite", time_suite)
    return calls


def test_rounds_alternate_abba_over_the_pairs_both_sides_have(monkeypatch, tmp_path, capsys):
    calls = _fake_suites(monkeypatch, tmp_path, {})
    monkeypatch.setattr(sys, "argv", ["suite_cost.py", "--rounds", "2", "--jobs", "1,2", "--out", str(tmp_path)])
    assert suite_cost.main() == 0
    assert [side for side, _ in calls] == ["ref", "new--jobs1", "new--jobs2", "new--jobs2", "new--jobs1", "ref"]
    assert all(cases == ["a:x", "a:y"] for _, cases in calls)  # a pair the reference lacks is not timed
    out = capsys.readouterr().out
    assert "new-j1/ref = 0.500" in out and "new-j2/ref = 0.500" in out and "LOST" not in out


def test_a_changed_symptom_is_lost_and_exits_1(monkeypatch, tmp_path, capsys):
    _fake_suites(monkeypatch, tmp_path, {"new": "plateau"})
    monkeypatch.setattr(sys, "argv", ["suite_cost.py", "--out", str(tmp_path)])
    assert suite_cost.main() == 1
    assert "LOST: new: a:x: symptom ok → plateau" in capsys.readouterr().out
