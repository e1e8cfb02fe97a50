"""The one judge that `compare --confirm` and the nightly both call: compare, then re-measure only where a
regression is suspected, with the sides' maker called only then, and its one-line refusal kept as a note."""
from __future__ import annotations

from harness.verdict.confirm import ConfirmSettings
from harness.verdict.findings import CONFIRMED
from harness.verdict.judge import JudgeSettings, judge
from tests.harness.verdict.test_confirm import FakeSides, record


def test_a_suspected_regression_is_re_measured_in_the_sides_the_maker_builds(tmp_path):
    fakes, made = FakeSides({"baseline": 0.020, "current": 0.028}), []

    def sides():
        made.append(True)
        return fakes.sides()

    settings = JudgeSettings(confirm=True, confirming=ConfirmSettings(), folder=tmp_path, stamped=False)
    verdict = judge([record("v", 0.020)], [record("v", 0.028)], settings, sides, log=lambda _: None)
    assert made == [True] and verdict.performance[0].status == CONFIRMED and verdict.exit_code == 3
    assert sorted(p.name for p in tmp_path.glob("*.jsonl"))[0] == "baseline-1.jsonl"


def test_no_suspect_or_no_confirm_never_builds_sides(tmp_path):
    def sides():
        raise AssertionError("built without a suspect")

    same = judge([record("v", 0.020)], [record("v", 0.020)], JudgeSettings(confirm=True, folder=tmp_path), sides)
    faster = judge([record("v", 0.028)], [record("v", 0.020)], JudgeSettings(confirm=True, folder=tmp_path), sides)
    unasked = judge([record("v", 0.020)], [record("v", 0.028)], JudgeSettings(confirm=False), sides)
    assert same.exit_code == faster.exit_code == unasked.exit_code == 0


def test_sides_that_cannot_be_made_are_a_note_not_a_failure(tmp_path):
    verdict = judge([record("v", 0.020)], [record("v", 0.028)], JudgeSettings(confirm=True, folder=tmp_path),
                    lambda: "the baseline was measured on other hardware")
    assert verdict.notes == ["not re-measured: the baseline was measured on other hardware"]
    assert verdict.exit_code == 0 and verdict.suspects()
