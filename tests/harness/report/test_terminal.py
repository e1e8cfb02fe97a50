"""What `fitbench run` prints (harness/report/terminal.py), on the committed reference records and hand-made ones: the
tally, the reason of every row that differs, rows that never wrap at 170 columns, the ×N fp32 ratios of
precision modes, and the phase line of --verbose."""
from __future__ import annotations

import copy

import pytest

import cases

from harness.results.records import RunRecord
from harness.results.reading import read_records
from harness.report.terminal import key_numbers, phases_line, print_table, reason, tally
from tests.conftest import ROOT

REFERENCE = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]


@pytest.fixture(scope="module")
def reference() -> list[RunRecord]:
    return read_records([REFERENCE])


def test_tally_counts_agree_differ_and_not_applicable(reference):
    assert tally(reference) == "29 variants: 22 agree, 2 differ, 5 n/a"


def test_rows_that_differ_say_why(reference, capsys):
    print_table(reference, "cpu")
    out = capsys.readouterr().out
    assert "29 variants: 22 agree, 2 differ, 5 n/a" in out
    why = out[out.index("why they differ:"):].splitlines()[1:]
    assert len(why) == 2
    assert why[0].split()[0] == "labels_in_dict_keras_loss:chapter_literal"
    assert why[0].endswith("ValueError: Column labels not found in dataset!")
    assert why[1].endswith("chapter's claim (no_gradients) does not hold here: observed plateau")


def test_reason_prefers_the_informative_line_of_the_error(reference):
    record = copy.deepcopy(next(r for r in reference if r.variant == "num_labels_2"))
    record.agrees = False
    assert reason(record) == ("InvalidArgumentError: Received a label value of 2 which is outside the valid range "
                              "of [0, 2).  Label values: 0 0 2 0 0 0 1 2 0 0 1 2 2 2 1 0")


def test_no_row_wraps_at_170_columns(reference, capsys):
    """Numbers folded onto a second line read as two rows; every record is one line of the table."""
    long = copy.deepcopy(reference)
    for r in long:  # the longest cells a record can have
        r.metrics.update(final_loss=123456.789, initial_loss=1e9, steps_to_threshold=100000, val_accuracy=0.5,
                         samples_per_s=123456789.0)
        if r.error:
            r.error["type"] = "VeryLongExceptionTypeNameErrorForTesting"
    print_table(long, "cpu")
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == len(long) and all(row.endswith("│") for row in rows)  # whole rows, not cropped
    body = "\n".join(rows)
    assert all(f"{r.case}:{r.variant}" in body for r in long)  # the names are never the part that is cut
    assert max(len(line) for line in lines if line.startswith(("│", "┃", "┏"))) <= 170


def test_precision_modes_show_their_ratio_to_fp32_of_the_same_run(reference, capsys):
    base = next(r for r in reference if r.case == "precision_modes")
    records = []
    for mode, speed in (("fp32", 1000.0), ("mixed_float16", 1850.0), ("tuned", 3300.0)):
        r = copy.deepcopy(base)
        r.variant, r.device, r.outcome, r.observed, r.agrees = mode, "gpu", "completed", "ok", True
        r.metrics = {"samples_per_s": speed, "final_loss": 0.4}
        records.append(r)
    print_table(records, "gpu", {"precision_modes": cases.get("precision_modes")})
    out = capsys.readouterr().out
    assert "×1.85 fp32" in out and "×3.30 fp32" in out and "×1.00" not in out
    assert key_numbers(records[1]) == "loss 0.400, samples/s 1850"  # no fp32 in sight: no ratio


def test_phases_line_is_robust_to_absent_and_null_phases(reference):
    record = copy.deepcopy(reference[0])
    assert phases_line(record) == "phases: not recorded"
    record.metrics["phases"] = {"spawn": 0.1, "imports": 2.9, "data": None, "model": 12.34}
    record.context.launcher = "spawn"
    assert phases_line(record) == "phases (spawn): spawn 0.10s · imports 2.90s · model 12.3s = 15.3s"
    record.metrics["phases"] = {}
    assert phases_line(record) == "phases (spawn): not recorded"
