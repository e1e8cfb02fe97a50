"""The informative line of real errors, as committed records hold them (results/asv-matrix/records-all/, the
bisects' records): TF graph errors whose stored message was cut inside the definition trace, "in user code:",
tf.data's wrapper, a message cut in the middle of its explanation; and root causes said once."""
from __future__ import annotations

from collections import Counter

import pytest

from harness.results.errors import error_line, error_text, informative_line, normalised_line, root_cause
from harness.results.reading import read_records
from tests.conftest import ROOT

MATRIX = sorted((ROOT / "results" / "asv-matrix" / "records-all").glob("*.jsonl"))
BISECT = sorted((ROOT / "results" / "bisect").glob("*.jsonl"))
LABEL = "Received a label value of 2 which is outside the valid range of [0, 2)."


@pytest.fixture(scope="module")
def errored():
    return [r for r in read_records(MATRIX + BISECT) if r.error]


def _first(errored, **where):
    return next(r for r in errored if all(getattr(r, k) == v for k, v in where.items()))


def test_no_error_reads_as_a_bare_header(errored):
    """Before: 35 rows said only "Graph execution error:" (or "Node: '…'", "in user code:", "Receiv")."""
    for r in errored:
        line = error_line(r)
        assert not line.endswith(":") and "Graph execution error" not in line, line
        assert "Node: " not in line and not line.endswith("Receiv"), line


def test_a_graph_error_cut_inside_its_definition_trace_reads_the_traceback_tail(errored):
    record = _first(errored, case="num_labels_mismatch", variant="default_num_labels", observed="label_out_of_range")
    assert len(record.error["message"]) == 4000 and LABEL not in record.error["message"]
    assert informative_line(record.error).startswith(LABEL)
    assert error_line(record).startswith(f"InvalidArgumentError: {LABEL}")


def test_a_message_cut_in_the_middle_of_its_explanation_reads_the_whole_line(errored):
    cut = [r for r in errored if r.error["message"].rstrip().endswith("Receiv")]
    assert cut, "the committed records hold one such message"
    assert all(informative_line(r.error).startswith(LABEL) for r in cut)


def test_in_user_code_reads_its_indented_last_line(errored):
    record = next(r for r in errored if r.error["message"].startswith("in user code:"))
    assert error_line(record) == "AttributeError: module 'keras.engine.data_adapter' has no attribute 'expand_1d'"


def test_tf_data_wrapper_gives_the_wrapped_exception(errored):
    wrapped = [r for r in errored if "MapDataset" in r.error["message"]]
    assert wrapped
    for r in wrapped:
        assert informative_line(r.error) == "ValueError: all input arrays must have the same shape"


def test_root_causes_are_said_once(errored):
    causes = Counter(root_cause(r.error) for r in errored)
    optimizer = [c for c in causes if c.startswith("ValueError: Could not interpret optimizer identifier")]
    assert len(optimizer) == 1 and causes[optimizer[0]] >= 8  # eight object addresses, one cause
    label = [c for c in causes if LABEL in c]
    assert len(label) == 1 and label[0].endswith("Label values: …")
    assert len(causes) < len({error_text(r.error) for r in errored})


@pytest.mark.parametrize("message,line", [
    ("Graph execution error:\n\nDetected at node 'x' defined at (most recent call last):\n    File \"a.py\", line 1\n"
     "      code()\nNode: 'x'\nCast string to int64 is not supported\n\t [[{{node x}}]] [Op:__inference_f_1]",
     "Cast string to int64 is not supported"),
    ("in user code:\n\n    File \"t.py\", line 9, in step  *\n        f()\n\n    KeyError: 'labels'\n", "KeyError: 'labels'"),
])
def test_informative_line_of_tf_shapes(message, line):
    assert informative_line({"type": "E", "message": message}) == line


@pytest.mark.parametrize("one,other", [
    ("Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x7f015d7d25d0>",
     "Could not interpret optimizer identifier: <keras.src.optimizers.adam.Adam object at 0x7ff0cc9c3610>"),
    ("Received a label value of 2 which is outside the valid range of [0, 2).  Label values: 0 0 2 1",
     "Received a label value of 4 which is outside the valid range of [0, 3).  Label values: 4 1 0 0 2 1 1 0"),
    ("cannot import name 'TFBert' from 'transformers' (/tmp/venv-tf5/lib/python3.11/site-packages/t/__init__.py)",
     "cannot import name 'TFBert' from 'transformers' (/root/.cache/fitbench/envs/ab12/lib/python3.11/t/__init__.py)"),
    ("Incompatible shapes: [16,3] vs. [16,128,3]", "Incompatible shapes: [8,3] vs. [8,64,3]"),
    ("logits and labels must have the same first dimension, got logits shape [32,3] and labels shape [96]",
     "logits and labels must have the same first dimension, got logits shape [16,2] and labels shape [48]"),
    ("Graph execution error:\n\nDetected at node 'x'\nCast string to int64 is not supported\n [[{{node x}}]] "
     "[Op:__inference_train_function_1234]",
     "Graph execution error:\n\nDetected at node 'y'\nCast string to int64 is not supported\n [[{{node y}}]] "
     "[Op:__inference_train_function_98]"),
])
def test_what_varies_between_runs_of_one_failure_is_masked(one, other):
    assert normalised_line({"type": "E", "message": one}) == normalised_line({"type": "E", "message": other})


@pytest.mark.parametrize("one,other", [
    ("Column labels not found in dataset!", "all input arrays must have the same shape"),
    ("No module named 'keras.saving.hdf5_format'", "No module named 'keras.__internal__'"),
    ("Cast string to int64 is not supported", "Cast string to int32 is not supported"),
])
def test_two_failures_stay_two(one, other):
    assert normalised_line({"type": "E", "message": one}) != normalised_line({"type": "E", "message": other})


def test_the_normalised_line_is_the_line_under_tf_s_header(errored):
    record = _first(errored, case="num_labels_mismatch", variant="default_num_labels", observed="label_out_of_range")
    assert normalised_line(record.error) == ("Received a label value of # which is outside the valid range of "
                                             "[#…). Label values: …")
