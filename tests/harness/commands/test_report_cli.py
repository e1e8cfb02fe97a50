"""`fitbench report` and `fitbench --version` at the command line: each defect of issue 23 provoked — an --out that
is an existing file or cannot be written, a folder of asv results, asv's machine.json — is one line and exit 2
with nothing written; a folder of records is read; --version exists. In-process (harness.commands.main), on a
few committed records: no TensorFlow."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.commands import main
from tests.conftest import ROOT

REFERENCE = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]
ASV = ROOT / "results" / "asv" / "vm-xeon"


def _one_line(capsys, fragment: str) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("fitbench: error:") and fragment in err[0], err
    return err[0]


@pytest.fixture
def small(tmp_path) -> Path:
    """Two cases of the reference run: a report of it renders in seconds."""
    lines = [line for line in REFERENCE.read_text().splitlines() if '"case": "initial_loss"' in line
             or '"case": "string_loss_on_logits"' in line]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_out_onto_an_existing_file_is_one_line_and_leaves_it(tmp_path, capsys, small):
    readme = tmp_path / "README.md"
    readme.write_text("keep me\n")
    assert main(["report", str(small), "--out", str(readme)]) == 2
    _one_line(capsys, "is a file")
    assert readme.read_text() == "keep me\n"


def test_out_where_nothing_can_be_written_is_one_line(tmp_path, capsys, small):
    assert main(["report", str(small), "--out", "/proc/x"]) == 2
    _one_line(capsys, "cannot write the report to /proc/x")
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["report", str(small), "--out", str(blocker / "report")]) == 2
    _one_line(capsys, "is a file, not a folder")


def test_an_asv_results_folder_says_what_to_pass(tmp_path, capsys):
    assert main(["report", str(ASV), "--out", str(tmp_path / "rep")]) == 2
    line = _one_line(capsys, "holds no fitbench records")
    assert "machine.json" in line and "records-all" in line and not (tmp_path / "rep").exists()
    assert main(["report", str(ASV / "machine.json"), "--out", str(tmp_path / "rep")]) == 2
    _one_line(capsys, "asv's description of a machine, not results")
    assert not (tmp_path / "rep").exists()


def test_a_folder_of_records_is_read(tmp_path, capsys, small):
    folder = tmp_path / "records" / "night-1"
    folder.mkdir(parents=True)
    shutil.copy(small, folder / "a.jsonl")
    (tmp_path / "records" / "machine.json").write_text("{}")  # beside the records: not read
    assert main(["report", str(tmp_path / "records"), "--out", str(tmp_path / "rep")]) == 0
    assert capsys.readouterr().out.strip().endswith(str(tmp_path / "rep" / "index.html"))
    md = (tmp_path / "rep" / "report.md").read_text()
    # the file, under Sources, by its name (names, not folders: a merge of shards reads as one machine's run)
    assert "from 1 file(s)" in md and "| a.jsonl |" in md and "machine.json" not in md


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("fitbench ") and "code " in out and "\n" not in out


def test_a_file_given_twice_is_read_once_and_said(tmp_path, capsys, small):
    """Issue 33: `report F F` silently doubled the records (every group ×2: repeats that never ran)."""
    assert main(["report", str(small), str(small), "--out", str(tmp_path / "rep")]) == 0
    captured = capsys.readouterr()
    assert "given more than once" in captured.err and str(small) in captured.err
    n = sum(1 for line in small.read_text().splitlines() if line.strip())
    assert f"{n} records" in captured.out
    assert "×2" not in (tmp_path / "rep" / "report.md").read_text()


def test_report_ends_with_one_summary_line_and_where_it_wrote(tmp_path, capsys, small):
    out = tmp_path / "rep"
    assert main(["report", str(small), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines  # not a path per file written
    assert "records, 1 environment(s)" in lines[0] and lines[0].endswith(f"open {out / 'index.html'}")
