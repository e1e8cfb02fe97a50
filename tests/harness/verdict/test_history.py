"""The last nights as evidence: their spread raises the suspect threshold at no extra run, their median is the
baseline tonight is suspected against, and a regression step that began last night and held tonight is a
suspect said once (asv's step detection), re-measured before it counts."""
from __future__ import annotations

import json
import time
from pathlib import Path

import cases
from harness.results import asv_names, metrics
from harness.results.records import JsonlWriter, RunRecord
from harness.verdict.compare import compare_records
from harness.verdict.findings import IMPROVEMENT, REGRESSION, SUSPECT
from harness.verdict.history import DATE, History, asv_nights, read_index, stored_nights, write_index


def rec(step: float, cpu: str = "Fake CPU") -> RunRecord:
    return RunRecord(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                     agrees=True, fix_works=True, outcome="completed",
                     metrics={"step_time_median_s": step}, env={"cpu": cpu, "cpu_count": 2})


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


# --- the one store of nights, and asv's results as a view of it

CASE = "string_loss_on_logits"


def real_record(variant: str, samples_per_s: float, transformers: str) -> RunRecord:
    spec = cases.get(CASE).variant(variant)
    return RunRecord(case=CASE, variant=variant, role=spec.role, device="cpu", claim=spec.claims["cpu"],
                     says=spec.says, observed=spec.claims["cpu"], agrees=True,
                     fix_works=True if spec.role == "fix" else None, outcome="completed",
                     metrics={"samples_per_s": samples_per_s, "final_loss": 0.4},
                     env={"versions": {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "transformers": transformers}})


def asv_view(records: list[RunRecord], ran_at: float, folder: Path, commit: str, transformers: str) -> Path:
    """The asv results file benchmarks/benchmarks.py's tracks make of one suite run's records: one class per case,
    its variants as params, a track per tracked metric (the registry's value), the symptom as its number."""
    variants = [f"'{r.variant}'" for r in records]
    tracks = {f"track_{m.track}": m.value for m in metrics.tracked()}
    tracks[f"track_{asv_names.SYMPTOM_TRACK}"] = lambda r: cases.symptom_numbers()[r.observed]
    results = {f"benchmarks.{asv_names.class_name(CASE)}.{name}":
               [[value(r) if value(r) is not None else None for r in records], [variants], "v1", ran_at * 1000, 1.0]
               for name, value in tracks.items()}
    env = f"virtualenv-py3.11-tensorflow2.21.0-tf-keras2.21.0-transformers{transformers}"
    path = folder / "vm" / f"{commit}-{env}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "commit_hash": commit, "env_name": env, "date": 1795766168000, "version": 2, "results": results,
        "result_columns": ["result", "params", "version", "started_at", "duration"],
        "params": {"machine": "vm", "python": "3.11", "cpu": "Fake CPU", "num_cpu": "2", "tensorflow": "2.21.0",
                   "tf-keras": "2.21.0", "transformers": transformers}}))
    return path


def test_the_same_nights_appear_through_the_store_and_through_asvs_view_of_it(tmp_path):
    """Three nights kept in the store (records files and the index the nightly writes), and the asv results the
    same runs make: the asv view lists the same nights, in the same order, with the same releases, and a History
    built from either holds the same per-night numbers — the baseline tonight is judged against included."""
    store, asv = tmp_path / "nightly", tmp_path / "asv"
    index: dict = {"nights": []}
    for n, (speed, tr) in enumerate([(100.0, "4.57.6"), (104.0, "4.58.0"), (97.0, "4.58.1")]):
        ran_at = time.mktime((2026, 12, 1 + n, 2, 30, 0, 0, 0, -1))   # 02:30 each night, local time
        records = [real_record("string_loss", speed, tr), real_record("fix_from_logits", speed * 2, tr)]
        file = store / f"night{n}.jsonl"
        for r in records:
            JsonlWriter(file).write(r)
        index["nights"].append({"date": time.strftime(DATE, time.localtime(ran_at)), "file": str(file),
                                "releases": {"tensorflow": "2.21.0", "tf-keras": "2.21.0", "keras": None,
                                             "transformers": tr}})
        asv_view(records, ran_at, asv, f"c0ffee{n:02d}", tr)
    (asv / "vm" / "machine.json").write_text(json.dumps({"machine": "vm", "version": 1}))  # asv's own: no night
    write_index(store, index)

    kept, viewed = stored_nights(store), asv_nights(asv)
    assert [n.date for n in kept] == [n.date for n in viewed] == ["2026-12-01 02:30:00", "2026-12-02 02:30:00",
                                                                  "2026-12-03 02:30:00"]
    assert [n.releases["transformers"] for n in kept] == [n.releases["transformers"] for n in viewed]
    assert all(set(n.releases) == {"tensorflow", "tf-keras", "transformers"} for n in viewed)  # no machine params
    assert {n.source for n in viewed} == {"asv"} and read_index(store) == index
    key = (CASE, "fix_from_logits", "cpu", "")
    from_store, from_asv = History(kept, None), History(viewed, None, registry=cases)
    assert from_store.values(key, "samples_per_s") == from_asv.values(key, "samples_per_s") == [200.0, 208.0, 194.0]
    assert from_store.baseline(key, "samples_per_s") == from_asv.baseline(key, "samples_per_s")
    assert len(from_asv.nights) == 3


def test_a_night_whose_records_are_gone_is_not_in_the_store(tmp_path):
    JsonlWriter(tmp_path / "kept.jsonl").write(rec(0.02))
    write_index(tmp_path, {"nights": [{"date": "2026-12-01 02:30:00", "file": str(tmp_path / "gone.jsonl")},
                                      {"date": "2026-12-02 02:30:00", "file": str(tmp_path / "kept.jsonl")}]})
    assert [n.file.name for n in stored_nights(tmp_path)] == ["kept.jsonl"]
    assert stored_nights(tmp_path / "no nights yet") == []


def test_a_step_that_began_in_the_baseline_night_is_undecided_with_the_baseline_that_can_see_it(tmp_path):
    """Last night's slowdown was left undecided, so last night became the baseline; tonight the step is found —
    re-measuring against last night compares two nights after it and would rule a real step out. Against the
    night before the step (a held baseline), it stays a suspect to re-measure."""
    from harness.verdict.findings import UNDECIDED
    from harness.verdict.judge import JudgeSettings, judge
    files = nights(tmp_path, [0.020, 0.0202, 0.0199, 0.0201, 0.026])
    history = History(files, None)

    def sides():
        raise AssertionError("nothing to re-measure")

    verdict = judge([rec(0.026)], [rec(0.0262)], JudgeSettings(confirm=True, folder=tmp_path), sides,
                    history=history, files={"baseline": str(files[-1]), "current": "tonight.jsonl"})
    [step] = [f for f in verdict.performance if "a step since last night" in f.reason]
    assert step.status == UNDECIDED and f"--baseline {files[-2]}" in step.reason
    assert step.boundary == "night3.jsonl → night4.jsonl" and verdict.exit_code == 0
    [held] = history.persisting_steps([rec(0.0262)], str(files[-2]))
    assert held.status == SUSPECT
