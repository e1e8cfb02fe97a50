import json

import pytest

from harness.records import CorruptResults, JsonlWriter, RunRecord, read_records


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
