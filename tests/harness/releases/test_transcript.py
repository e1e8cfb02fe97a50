"""The bisect's files: its records go through the one writer of records and read back as current records."""
from harness.releases import transcript
from harness.releases.bisect import BisectConfig, BisectResult, Step
from harness.results.reading import read_records
from harness.results.records import SCHEMA, JsonlWriter, RunContext
from tests.harness.results.test_records import _record


def test_a_bisects_records_are_written_by_the_one_writer_and_only_this_bisects(tmp_path, monkeypatch):
    written = []
    monkeypatch.setattr(JsonlWriter, "write", lambda self, record, write=JsonlWriter.write: (
        written.append(record.variant), write(self, record))[1])
    cfg = BisectConfig("tensorflow", "2.15.1", "2.16.2", "c:v", out_dir=tmp_path)
    ran = _record(metrics={"final_loss": 0.4}, diagnostics={"failed_in": "data"}, context=RunContext(launcher="fork"))
    result = BisectResult(cfg, ["2.15.1", "2.16.2"], steps=[
        Step("2.15.1", "ran", "ok", record=ran), Step("2.16.2", "unsupported", "unsupported", install_error="no")])
    jsonl = tmp_path / "tensorflow-2.15.1-2.16.2-c-v.jsonl"
    jsonl.write_text(_record(variant="an earlier bisect's").to_json() + "\n")
    paths = transcript.write_outputs(result, "the transcript")
    assert paths[2] == jsonl and written == ["v"]
    [back] = read_records([jsonl])  # the earlier bisect's record is gone: the file is this bisect's
    assert (back.schema, back.metrics, back.diagnostics, back.context) == (SCHEMA, ran.metrics, ran.diagnostics,
                                                                         ran.context)


def test_a_bisect_where_nothing_ran_still_leaves_its_records_file(tmp_path):
    cfg = BisectConfig("tensorflow", "2.15.1", "2.16.2", "c:v", out_dir=tmp_path)
    result = BisectResult(cfg, ["2.15.1", "2.16.2"], steps=[Step("2.15.1", "unsupported", "unsupported")])
    paths = transcript.write_outputs(result, "the transcript")
    assert paths[2].is_file() and read_records([paths[2]]) == []
