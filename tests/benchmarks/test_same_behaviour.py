"""benchmarks/scripts/same_behaviour.py: what it calls a difference, and what it counts as bit-identical losses —
only variants with a loss trajectory on both sides (two missing trajectories prove nothing)."""
from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("same_behaviour", ROOT / "benchmarks/scripts/same_behaviour.py")
same_behaviour = importlib.util.module_from_spec(spec)
spec.loader.exec_module(same_behaviour)

# real records as templates, so the script is tested on the schema it reads in practice
COMMITTED = ROOT / "results/identity-2026-11-29/before-ef55b2f.jsonl"


def _templates() -> tuple[dict, dict]:
    records = [json.loads(line) for line in COMMITTED.read_text().splitlines()]
    trained = next(r for r in records if r["metrics"].get("loss_per_step"))
    failed = next(r for r in records if not r["metrics"].get("loss_per_step"))
    return trained, failed


def _variant(template: dict, name: str, **changes) -> dict:
    r = copy.deepcopy(template)
    r["variant"] = name
    for key, value in changes.items():
        if key == "loss_per_step":
            r["metrics"]["loss_per_step"] = value
        else:
            r[key] = value
    return r


def _run(tmp_path, capsys, before: list[dict], after: list[dict]) -> tuple[int, str]:
    paths = []
    for name, records in (("before", before), ("after", after)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        paths.append(str(path))
    code = same_behaviour.main(paths)
    return code, capsys.readouterr().out


def test_a_pair_without_trajectories_is_no_trajectory_not_bit_identical(tmp_path, capsys):
    trained, failed = _templates()
    pair = [_variant(trained, "trains", loss_per_step=[1.1, 0.9, 0.7]), _variant(failed, "fails")]
    code, out = _run(tmp_path, capsys, pair, copy.deepcopy(pair))
    assert code == 0
    assert "2 variants in both; 0 differ" in out
    assert "1 of 1 with a loss trajectory bit-identical, 1 with no trajectory on either side" in out


def test_losses_within_the_tolerance_agree_but_are_not_bit_identical(tmp_path, capsys):
    trained, _ = _templates()
    before = [_variant(trained, "trains", loss_per_step=[1.1, 0.9, 0.7])]
    after = [_variant(trained, "trains", loss_per_step=[1.1, 0.9, 0.7 * (1 + 1e-7)])]
    code, out = _run(tmp_path, capsys, before, after)
    assert code == 0 and "0 of 1 with a loss trajectory bit-identical" in out


def test_a_trajectory_on_one_side_only_is_a_difference(tmp_path, capsys):
    trained, _ = _templates()
    before = [_variant(trained, "trains", loss_per_step=[1.1, 0.9])]
    after = [_variant(trained, "trains", loss_per_step=None)]
    code, out = _run(tmp_path, capsys, before, after)
    assert code == 1 and "trains" in out and "loss_per_step differs (2 vs 0 steps" in out


def test_a_changed_symptom_and_a_missing_variant_are_differences(tmp_path, capsys):
    trained, _ = _templates()
    before = [_variant(trained, "a", observed="ok"), _variant(trained, "gone")]
    after = [_variant(trained, "a", observed="plateau")]
    code, out = _run(tmp_path, capsys, before, after)
    assert code == 1
    assert "observed 'ok' → 'plateau'" in out and "gone" in out and "only in before" in out
    assert "1 variants in both; 2 differ" in out


def test_wrong_arguments_are_a_usage_line_and_exit_2(capsys):
    assert same_behaviour.main(["only-one.jsonl"]) == 2
    assert capsys.readouterr().err.startswith("usage:")


def test_identical_losses_counts_only_pairs_with_a_trajectory_on_both_sides():
    trained, failed = _templates()
    rec = same_behaviour.RunRecord.from_dict
    before = [rec(_variant(trained, "a", loss_per_step=[1.0, 0.5])), rec(_variant(failed, "b")),
              rec(_variant(trained, "c", loss_per_step=[2.0]))]
    after = [rec(_variant(trained, "a", loss_per_step=[1.0, 0.5])), rec(_variant(failed, "b")),
             rec(_variant(trained, "c", loss_per_step=[2.5]))]
    assert same_behaviour.identical_losses(before, after) == (1, 2)
