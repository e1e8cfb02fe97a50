import json

import pytest

from harness.results.errors import informative_line
from harness.results.records import CorruptResults, JsonlWriter, RunRecord
from harness.results.reading import read_records


def _record(**kw):
    base = dict(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                agrees=True, fix_works=True, outcome="completed")
    return RunRecord(**{**base, **kw})


def test_writer_appends_lines_and_reader_round_trips(tmp_path):
    path = tmp_path / "runs" / "x.jsonl"
    writer = JsonlWriter(path)
    assert not path.exists()  # nothing is created before the first record
    writer.write(_record(metrics={"loss": 0.5}))
    writer.write(_record(variant="w"))
    back = read_records([path])
    assert [r.variant for r in back] == ["v", "w"] and back[0].metrics == {"loss": 0.5}


def test_appending_never_rewrites_earlier_records(tmp_path):
    path = tmp_path / "x.jsonl"
    JsonlWriter(path).write(_record())
    before = path.read_text()
    JsonlWriter(path).write(_record(variant="again"))
    assert path.read_text().startswith(before)


@pytest.mark.parametrize("line", ["{not json", "[1, 2]", json.dumps({"case": "c"})])
def test_corrupt_lines_name_file_and_line(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(_record().to_json() + "\n" + line + "\n")
    with pytest.raises(CorruptResults, match=r"bad.jsonl:2"):
        read_records([path])


def test_undecodable_bytes_name_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(_record().to_json().encode() + b"\n" + bytes(range(128, 256)) + b"\n")
    with pytest.raises(CorruptResults, match=r"bad.jsonl:2: .*UTF-8"):
        read_records([path])


@pytest.mark.parametrize("field,value", [
    ("env", "a string"), ("metrics", [1, 2]), ("config", None), ("error", "boom"), ("notes", "one note"),
    ("warnings", {"w": 1}), ("case", 3), ("agrees", "yes"), ("fix_works", 1), ("seed", "0"), ("wall_s", "1.0"),
    ("started_at", 5), ("agrees", None),
])
def test_wrongly_typed_fields_name_file_and_line(tmp_path, field, value):
    data = json.loads(_record().to_json())
    data[field] = value
    path = tmp_path / "bad.jsonl"
    path.write_text(_record().to_json() + "\n" + json.dumps(data) + "\n")
    with pytest.raises(CorruptResults, match=rf"bad.jsonl:2: .*{field}"):
        read_records([path])


@pytest.mark.parametrize("metrics,env", [
    ({"loss_per_step": "1,2"}, {}), ({"phases": [1.0]}, {}), ({"loss_per_step": [1, "x"]}, {}),
    ({}, {"versions": "2.21"}), ({"samples_per_s": "fast"}, {}),
])
def test_wrongly_typed_nested_fields_are_corrupt(tmp_path, metrics, env):
    path = tmp_path / "bad.jsonl"
    path.write_text(_record(metrics=metrics, env=env).to_json() + "\n")
    with pytest.raises(CorruptResults, match=r"bad.jsonl:1"):
        read_records([path])


def test_null_metrics_and_int_seconds_are_valid(tmp_path):
    path = tmp_path / "ok.jsonl"
    path.write_text(_record(metrics={"final_loss": None, "phases": {"imports": None, "data": 1}}, wall_s=3,
                            error=None, fix_works=None).to_json() + "\n")
    assert read_records([path])[0].wall_s == 3


@pytest.mark.parametrize("message,line", [
    ("Column labels not found in dataset!", "Column labels not found in dataset!"),
    ("Graph execution error:\n\nDetected at node x defined at (most recent call last):\n  File \"a.py\", line 1\n\n"
     "Received a label value of 2 which is outside the valid range of [0, 2).  Label values: 0 2\n\t [[{{node x}}]]",
     "Received a label value of 2 which is outside the valid range of [0, 2).  Label values: 0 2"),
    ("Exception encountered when calling layer 'tf_distil_bert' (type X).\n\n{{function_node __wrapped__Sparse_device"
     "_/job:localhost/replica:0/task:0/device:CPU:0}} Received a label value of 2 which is outside the valid range "
     "of [0, 2).  Label values: 0 0 2 [Op:SparseSoftmaxCrossEntropyWithLogits] name: \n\nCall arguments received",
     "Received a label value of 2 which is outside the valid range of [0, 2).  Label values: 0 0 2"),
    ("", ""),
])
def test_informative_line_of_an_error(message, line):
    assert informative_line({"type": "E", "message": message}) == line
