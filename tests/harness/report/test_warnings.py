"""The report's memory of warnings (harness/report/warnings.py): the pages render without writing anything, the
report's writer records the warnings in warnings_seen.json once every page is written, and a report that fails
while rendering leaves that memory as it was. Committed reference records: no TensorFlow run."""
from __future__ import annotations

import copy
import json

import pytest

import cases
from harness.report import pages, write_report
from harness.report.sections import environments
from harness.report.warnings import STATE_FILE, normalize_warning
from tests.harness.report.test_sections import REFERENCE, _write, ctx, reference  # noqa: F401  (a fixture)


def test_rendering_the_environments_page_writes_nothing(reference, tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    sections = environments.page_sections(ctx(reference, out))
    assert sections and list(out.iterdir()) == []


def test_the_writer_records_the_warnings_after_the_pages(reference, tmp_path):
    records = copy.deepcopy(reference)
    records[0].warnings.append("DeprecationWarning: a brand new thing at 0x7f3a is deprecated")
    out = tmp_path / "rep"
    write_report([_write(tmp_path / "x.jsonl", records)], out, cases)
    state = json.loads((out / STATE_FILE).read_text())
    assert normalize_warning(records[0].warnings[-1]) in state["warnings"]
    assert (out / STATE_FILE).stat().st_mtime_ns >= (out / "environments.html").stat().st_mtime_ns


def test_a_report_that_fails_while_rendering_keeps_the_old_state(reference, tmp_path, monkeypatch):
    out = tmp_path / "rep"
    write_report([REFERENCE], out, cases)
    before = (out / STATE_FILE).read_bytes()
    records = copy.deepcopy(reference)
    records[0].warnings.append("UserWarning: printed only by the report that fails")

    def broken(*_args, **_kwargs):
        raise RuntimeError("a section failed")

    monkeypatch.setattr(pages, "build_pages", broken)
    monkeypatch.setattr("harness.report.build_pages", broken)
    with pytest.raises(RuntimeError, match="a section failed"):
        write_report([_write(tmp_path / "x.jsonl", records)], out, cases)
    assert (out / STATE_FILE).read_bytes() == before  # not marked seen: the next report still calls it NEW
