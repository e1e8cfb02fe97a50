"""The last nights as evidence: their spread raises the suspect threshold at no extra run, their median is the
baseline tonight is suspected against, and a regression step that began last night and held tonight is a
suspect said once (asv's step detection), re-measured before it counts."""
from __future__ import annotations

from pathlib import Path

from harness.results.records import JsonlWriter, RunRecord
from harness.verdict.compare import compare_records
from harness.verdict.findings import IMPROVEMENT, REGRESSION, SUSPECT
from harness.verdict.history import History


def rec(step: float, cpu: str = "Fake CPU") -> RunRecord:
    return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                     agrees=True, fix_works=True, outcome="completed",
                     metrics={"step_time_median_s": step, "ran_alone": True}, env={"cpu": cpu, "cpu_count": 2})


def nights(tmp_path: Path, steps: list[float], cpu: str = "Fake CPU") -> list[Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    files = []
    for n, step in enumerate(steps):
        JsonlWriter(tmp_path / f"night{n}.jsonl").write(rec(step, cpu))
        files.append(tmp_path / f"night{n}.jsonl")
    return files


def test_a_night_that_moves_as_much_as_nights_always_do_is_not_a_suspect(tmp_path):
    history = History(nights(tmp_path, [0.020, 0.026, 0.019, 0.025, 0.021]), None)  # None: any hardware
    alone = compare_records([rec(0.021)], [rec(0.025)])
    assert [f.metric for f in alone.performance] == ["step_time_median_s"]  # +19 % past the 10 % factor
    judged = compare_records([rec(0.021)], [rec(0.025)], spread=history.spread)
    assert judged.performance == []  # the nights' own spread is wider


def test_only_nights_on_the_same_hardware_count(tmp_path):
    other = History(nights(tmp_path, [0.02, 0.05, 0.01, 0.04], cpu="Another CPU"),
                    ("cpu", "Fake CPU", 2, ()))
    assert other.nights == [] and other.spread(("c", "v", "cpu", "e"), "step_time_median_s") is None


def test_a_step_that_began_last_night_and_held_is_a_suspect_said_once(tmp_path):
    hardware = ("cpu", "Fake CPU", 2, ())
    history = History(nights(tmp_path, [0.020, 0.0202, 0.0199, 0.0201, 0.026]), hardware)
    [step] = history.persisting_steps([rec(0.0262)])
    assert step.status == SUSPECT and not step.regression and 1.25 < step.ratio < 1.35  # re-measured first
    assert step.direction == REGRESSION and "re-measured before it counts" in step.reason
    assert "a step since last night (night4.jsonl) that held tonight" in step.reason
    later = History(nights(tmp_path / "later", [0.020, 0.0202, 0.0199, 0.0201, 0.026, 0.0262]), hardware)
    assert later.persisting_steps([rec(0.0261)]) == []  # said the morning it held, not every night after
    one_night = History(nights(tmp_path / "blip", [0.020, 0.0202, 0.0199, 0.0201, 0.020]), hardware)
    assert one_night.persisting_steps([rec(0.026)]) == []  # tonight alone is an outlier: a suspect, not a step


def test_one_slow_night_does_not_hide_a_regression_tonight(tmp_path):
    """Last night ran 2× slower on a bad machine; tonight is 30 % slower than every night before it. Against last
    night alone it is an improvement; against the median of the nights it is the suspect it is."""
    history = History(nights(tmp_path, [0.020, 0.0202, 0.0199, 0.0201, 0.040]), None)
    alone = compare_records([rec(0.040)], [rec(0.026)])
    assert [f.direction for f in alone.performance] == [IMPROVEMENT]
    judged = compare_records([rec(0.040)], [rec(0.026)], history=history.baseline)
    [f] = judged.performance
    assert f.direction == REGRESSION and f.status == SUSPECT and "median of the last 5 nights" in f.reason
