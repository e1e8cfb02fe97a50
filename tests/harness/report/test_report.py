"""`fitbench report` on REAL records (the cached runs of test_compare): the files it writes, the matrix's words
and colours, escaping of anything a run printed, warnings new since the previous report, and `nightly`."""
from __future__ import annotations

import copy
import html
from pathlib import Path

import pytest

import cases

from harness.results.reading import read_records
from harness.report import write_report
from harness.report.sections.matrix import cell
from tests.conftest import run_cli
from tests.harness.verdict.test_compare import BROKEN_FIX, _write, real_runs

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def runs(request) -> dict[str, Path]:
    return real_runs(request)


def test_cli_report_writes_html_markdown_and_plots(runs, tmp_path):
    proc = run_cli("report", str(runs["a"]), str(runs["b"]), str(runs["fit"]), "--out", str(tmp_path / "rep"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(f"open {tmp_path / 'rep' / 'index.html'}")  # one line, where it wrote
    written = list((tmp_path / "rep").iterdir())
    names = {p.name for p in written}
    assert names >= {"index.html", "report.md", "environments.html", "environments.md"}
    assert any(n.startswith("throughput_memory-") for n in names) and any(n.startswith("case-") for n in names)
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    page = (tmp_path / "rep" / "index.html").read_text()
    for fragment in ("Compatibility matrix", "string_loss_on_logits:fix_from_logits (fix)", "✓ fix works<",
                     "✓ bug reproduces: plateau<", "✓ ok ×2", "✓ bug reproduces: label_out_of_range ×2",
                     'class="ok"', "transformers 4.", "Received a label value", "At a glance"):
        assert fragment in page
    assert "record(s)" in (tmp_path / "rep" / "environments.html").read_text()  # the exact environments


def test_error_messages_are_escaped_in_html_and_markdown(runs, tmp_path):
    records = read_records([runs["a"]])
    errored = next(r for r in records if r.error)
    errored.error["message"] = f"{SCRIPT}\nmore"
    errored.warnings.append(f"UserWarning: {SCRIPT}")
    written = write_report([_write(tmp_path / "x.jsonl", records)], tmp_path / "rep", cases)
    for path in written[:2]:
        text = path.read_text()
        assert SCRIPT not in text and "<script" not in text
        assert html.escape("<script>") in text


def test_matrix_cells_carry_text_not_only_colour(runs):
    records = read_records([runs["fit"]])
    broken = read_records([runs["broken_fix"]])[0]
    fix = next(r for r in records if (r.case, r.variant) == BROKEN_FIX[:2])
    assert cell([fix])[:2] == ("✓ fix works", "ok")
    text, css, _ = cell([broken])
    assert css == "bad" and text == f"✗ fix fails: {broken.observed} (chapter: ok)"
    text, css, _ = cell([fix, broken])
    assert css == "warn" and text.startswith("~ repeats disagree")


def test_warnings_new_since_the_previous_report(runs, tmp_path):
    records = read_records([runs["a"]])
    write_report([runs["a"]], tmp_path, cases)
    assert ">NEW<" not in (tmp_path / "environments.html").read_text()
    changed = copy.deepcopy(records)
    changed[0].warnings.append("DeprecationWarning: something brand new is deprecated")
    write_report([_write(tmp_path / "new.jsonl", changed)], tmp_path, cases)
    page = (tmp_path / "environments.html").read_text()  # warnings live with their environment
    assert page.count(">NEW<") == 1
    new_row = page[page.index(">NEW<"):].split("</tr>")[0]
    assert "something brand new" in new_row and "deprecation" in new_row


def test_asv_results_files_become_records(runs, tmp_path):
    """An asv results file in the layout benchmarks/benchmarks.py produces (one class per case, params =
    variants), filled from real records, reads back as those records' symptoms and numbers."""
    import json

    from cases import symptom_numbers

    real = [r for r in read_records([runs["fit"]])]
    variants = [f"'{r.variant}'" for r in real]
    results = {f"benchmarks.StringLossOnLogits.{track}": [[fn(r) for r in real], [variants]] for track, fn in {
        "track_observed_symptom": lambda r: symptom_numbers()[r.observed],
        "track_agrees": lambda r: float(r.agrees),
        "track_samples_per_s": lambda r: r.metrics["samples_per_s"]}.items()}
    path = tmp_path / "0123abcd-existing-py.json"
    path.write_text(json.dumps({"params": {"tensorflow": "2.16.2", "tf-keras": "2.16.0", "transformers": "4.40.2",
                                           "machine": "vm"}, "results": results, "commit_hash": "0123abcd"}))
    written = write_report([path, runs["fit"]], tmp_path / "rep", cases)
    page = written[0].read_text()
    assert "TF 2.16.2 · tf-keras 2.16.0 · transformers 4.40.2 · cpu" in page  # a second column
    assert page.count("✓ bug reproduces: plateau") == 2
