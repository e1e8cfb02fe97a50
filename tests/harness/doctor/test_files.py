"""Bad data files in plain words: `fitbench doctor --data FILE` on a file that is not there, empty, a header with
no rows, a JSON lines file with a broken line, a Parquet file that is not one or has no rows — one line on
stderr, exit 2, before anything runs, and no line of a library's logger beside it."""
import json

import pytest

from harness.commands import main
from harness.doctor.files import FileProblem, check_data_path


def _write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def _parquet(tmp_path, name: str, rows: int) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"text": ["a good film"] * rows, "label": [1] * rows})
    pq.write_table(table, str(tmp_path / name))
    return str(tmp_path / name)


CASES = [
    ("missing", lambda t: str(t / "train.csv"), "no such file: {path}"),
    ("missing_folder", lambda t: str(t / "saved"), "no such file or folder: {path}"),
    ("empty", lambda t: _write(t, "train.csv", ""), "{path} is empty (0 bytes)"),
    ("blank", lambda t: _write(t, "train.csv", "\n\n"), "{path} is empty (only blank lines)"),
    ("header_only", lambda t: _write(t, "train.csv", "sentence,label\n"),
     "{path} has a header (sentence, label) and 0 rows"),
    ("tsv_header_only", lambda t: _write(t, "train.tsv", "sentence\tlabel\n"),
     "{path} has a header (sentence, label) and 0 rows"),
    ("bad_json_line", lambda t: _write(t, "train.jsonl", '{"text": "fine", "label": 0}\n{"text": oops}\n'),
     "{path} line 2 is not JSON (Expecting value): {{\"text\": oops}}"),
    ("empty_json_list", lambda t: _write(t, "train.json", "[]"), "{path} holds an empty list: 0 rows"),
    ("not_parquet", lambda t: _write(t, "train.parquet", b"not parquet at all"), "{path} is not a Parquet file"),
    ("parquet_no_rows", lambda t: _parquet(t, "train.parquet", 0), "{path} has 0 rows"),
]


@pytest.mark.parametrize("make,expected", [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_a_bad_file_is_named_in_plain_words(tmp_path, make, expected):
    path = make(tmp_path)
    with pytest.raises(FileProblem) as caught:
        check_data_path(path)
    assert str(caught.value).startswith(expected.format(path=path)), caught.value


@pytest.mark.parametrize("make,expected", [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_fitbench_doctor_says_it_in_one_line_and_exits_2(tmp_path, make, expected, capfd):
    path = make(tmp_path)
    code = main(["doctor", "--data", path])
    out, err = capfd.readouterr()  # the file descriptors: a library logger writing to them is caught too
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, err
    assert lines[0].startswith("fitbench: error: " + expected.format(path=path)), lines


def test_a_file_that_parses_passes_the_check(tmp_path):
    records = [{"text": "a good film", "label": 1}, {"text": "a bad one", "label": 0}]
    check_data_path(_write(tmp_path, "train.jsonl", "\n".join(json.dumps(r) for r in records) + "\n"))
    check_data_path(_write(tmp_path, "list.json", json.dumps(records)))
    check_data_path(_write(tmp_path, "doc.json", json.dumps({"data": records}, indent=2)))  # datasets' field=
    check_data_path(_write(tmp_path, "train.csv", "text,label\na good film,1\n"))
    check_data_path(_parquet(tmp_path, "train.parquet", 2))
    check_data_path("embedded")
    check_data_path("glue/mnli")  # a hub id: the loader's to judge


def test_a_data_folder_with_0_rows_is_said_once_loaded(tmp_path, capfd):
    from datasets import Dataset

    rows = Dataset.from_dict({"text": ["a good film"], "label": [1]})
    rows.filter(lambda row: False).save_to_disk(str(tmp_path / "saved"))  # a filter that kept nothing
    code = main(["doctor", "--data", str(tmp_path / "saved")])
    err = capfd.readouterr().err.strip().splitlines()
    assert code == 2 and err == [f"fitbench: error: data {tmp_path / 'saved'} has 0 rows"], err
