import json

import pytest

from harness.results.errors import informative_line
from harness.results.records import SCHEMA, CorruptResults, JsonlWriter, RunContext, RunRecord
from harness.results.reading import read_records


def _record(**kw):
    base = dict(case="c", variant="v", role="fix", device="cpu", claim="ok", says="", observed="ok",
                agrees=True, fix_works=True, outcome="completed")
    return RunRecord(**{**base, **kw})


def test_writer_appends_lines_and_reader_round_trips(tmp_path):
    path = tmp_path / "runs" / "x.jsonl"
    writer = JsonlWriter(path)
    assert not path.exists()  # nothing is created before the first record
    writer.write(_record(metrics={"final_loss": 0.5}, diagnostics={"steps_per_execution": 1},
                         context=RunContext(launcher="fork", ran_alone=False, jobs=2, neighbours=["c:w"])))
    writer.write(_record(variant="w"))
    back = read_records([path])
    assert [r.variant for r in back] == ["v", "w"] and back[0].metrics == {"final_loss": 0.5}
    assert back[0].diagnostics == {"steps_per_execution": 1} and back[0].schema == SCHEMA == 2
    assert back[0].context == RunContext(launcher="fork", ran_alone=False, jobs=2, neighbours=["c:w"])
    assert back[1].context == RunContext() and not back[1].context.shared


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
    ("started_at", 5), ("agrees", None), ("diagnostics", [1]), ("context", "fork"),
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
    ({}, {"versions": "2.21"}), ({"samples_per_s": "fast"}, {}), ({"first_step": {"tracing_s": "slow"}}, {}),
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


# --- typed records: registered metrics only, diagnostics and the run context apart, the schema read -------------

def _schema_1(**metrics):
    """A record as fitbench wrote it before schema 2: everything in one `metrics` bag."""
    data = json.loads(_record().to_json())
    for name in ("diagnostics", "context"):
        del data[name]
    return {**data, "schema": 1, "metrics": metrics}


def test_a_schema_1_record_is_migrated_as_it_is_read(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(_schema_1(
        final_loss=0.4, first_step={"tracing_s": 1.5, "traces": 2}, steps_run=40,   # registered
        launcher="fork", ran_alone=False, jobs=2, neighbours=["c:w"], process_env={"X": None},  # the runner's
        caches={"xla": {"files": 3}}, injected_slowdown=0.1, launcher_note="zygote not serving",
        padded_tokens_per_s=9000.0, failed_in="data", label_histogram={"0": 5})) + "\n")   # the procedure's own
    [r] = read_records([path])
    assert r.schema == 2 and r.metrics == {"final_loss": 0.4, "first_step": {"tracing_s": 1.5, "traces": 2},
                                           "steps_run": 40}
    assert r.diagnostics == {"padded_tokens_per_s": 9000.0, "failed_in": "data", "label_histogram": {"0": 5}}
    assert r.context == RunContext(launcher="fork", ran_alone=False, jobs=2, neighbours=["c:w"],
                                   process_env={"X": None}, caches={"xla": {"files": 3}}, injected_slowdown=0.1,
                                   launcher_note="zygote not serving")
    assert r.context.shared and json.loads(r.to_json())["schema"] == 2  # written back, it is schema 2


def test_a_record_without_a_schema_is_read_as_schema_1(tmp_path):
    data = _schema_1(ran_alone=False)
    del data["schema"]
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(data) + "\n")
    assert read_records([path])[0].context.ran_alone is False


def test_a_schema_1_record_keeps_checking_its_moved_numbers(tmp_path):
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(_schema_1(padded_tokens_per_s="fast")) + "\n")
    with pytest.raises(CorruptResults, match=r"old.jsonl:1: .*diagnostics.padded_tokens_per_s"):
        read_records([path])


@pytest.mark.parametrize("where,value,named", [
    ("metrics", {"ran_alone": True}, "metrics.ran_alone is not a registered metric"),
    ("metrics", {"loss": 0.5}, "metrics.loss is not a registered metric"),
    ("context", {"ran_alone": "yes"}, "context.ran_alone must be bool"),
    ("context", {"speed": 1}, "context.speed is not a run context field"),
])
def test_a_schema_2_record_with_a_bag_is_corrupt_naming_the_key(tmp_path, where, value, named):
    data = json.loads(_record().to_json())
    data[where] = value
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(CorruptResults, match=rf"bad.jsonl:1: .*{named}"):
        read_records([path])


def test_an_unregistered_metric_is_refused_when_the_record_is_made():
    with pytest.raises(ValueError, match="metrics.launcher is not a registered metric"):
        _record(metrics={"final_loss": 0.1, "launcher": "fork"})


def test_a_record_of_a_newer_fitbench_is_one_clear_line(tmp_path):
    data = {**json.loads(_record().to_json()), "schema": SCHEMA + 1}
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(CorruptResults) as caught:
        read_records([path])
    message = str(caught.value)
    assert message == (f"{path}:1: record schema {SCHEMA + 1} is newer than this fitbench reads (up to {SCHEMA}): "
                       "update fitbench to read it") and "\n" not in message


@pytest.mark.parametrize("schema", [0, "1", True, None])
def test_a_schema_that_is_no_schema_is_corrupt(tmp_path, schema):
    data = {**json.loads(_record().to_json()), "schema": schema}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(CorruptResults, match=r"bad.jsonl:1: .*'schema'"):
        read_records([path])
