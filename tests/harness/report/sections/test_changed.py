"""What changed, the report's lead (harness/report/sections/changed.py), on the committed matrix records: the
report and `fitbench compare` judge one pair of environments the same way (issue 33: compare said transformers
4.30.2 → 4.24.0 BREAKS 45 variants while the report filed 4.24.0 under "cannot run, counted nowhere"); the
section leads the front page, above the table of contents, and the title is dated by the records."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import cases
from harness.report import write_report
from harness.report.common import Context
from harness.report.load import load_files
from harness.report.sections import changed
from harness.results.groups import env_key
from harness.verdict.compare import compare_records
from harness.verdict.findings import BREAKS, CHANGES, HEALS
from tests.conftest import ROOT

MATRIX = sorted((ROOT / "results" / "asv-matrix" / "records-all").glob("*.jsonl"))
ONE_RUN = sorted((ROOT / "results" / "reference").glob("cpu-*.jsonl"))[0]


def context(paths: list[Path], out: Path) -> Context:
    return Context(paths, load_files(paths, cases), out, {c.id: c for c in cases.all_cases()})


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Context:
    return context(MATRIX, tmp_path_factory.mktemp("m"))


def test_transformers_4_24_is_judged_as_compare_judges_it(matrix):
    """The pair of the issue: E1 (TF 2.12.1 · transformers 4.24.0, where fitbench cannot run) next to E2 (4.30.2).
    compare of 4.30.2 → 4.24.0 says what breaks; the report, reading the pair upwards, must say the same variants
    heal or change — not leave E1 out."""
    labels = {c.label: c.key for c in matrix.columns}
    assert not matrix.column(labels["E1"]).runs  # the environment "listed apart" on the glance
    older = [r for r in matrix.records if env_key(r) == labels["E1"]]
    newer = [r for r in matrix.records if env_key(r) == labels["E2"]]
    downgrade = compare_records(newer, older)
    broken = {v for f in downgrade.behaviour if f.direction in (BREAKS, CHANGES) for v in f.variants}
    assert len(broken) >= 40
    rows = [r for r in changed.change_rows(matrix) if r["between"] == "E1 → E2"]
    said = {v for r in rows for v in r["_tip"].split("; ")}
    assert said == broken
    assert {r[""] for r in rows} <= {HEALS, CHANGES}
    assert any(r[""] == HEALS and "23 variants" in r["variants"] for r in rows)


def test_breaks_lead_and_every_pair_is_neighbouring(matrix):
    rows = changed.change_rows(matrix)
    directions = [r[""] for r in rows]
    assert directions[0] == BREAKS and directions == sorted(directions, key=changed.ORDER.get)
    for pair in changed.neighbours(matrix.records):  # one library moved, the same machine
        assert pair.before.split(" · ", 3)[3] == pair.after.split(" · ", 3)[3]
    # the tf-keras 2.16 → none pair breaks what ran (41 + 4 variants), said once per root cause
    assert any(r["between"] == "E5 → E6" and r[""] == BREAKS and "41 variants" in r["variants"] for r in rows)


def test_one_environment_leads_with_the_claims_that_do_not_hold(tmp_path):
    ctx = context([ONE_RUN], tmp_path)
    title, blocks, anchor = changed.build(ctx)
    assert (title, anchor) == ("What changed", "what-changed")
    assert blocks[0]["text"].startswith("One environment: nothing to compare it with")
    table = blocks[1]["df"]
    wrong = {f"{r.case}:{r.variant}" for r in ctx.records if r.outcome != "skipped" and not r.agrees}
    assert set(table["case:variant"]) == wrong and wrong


def test_the_front_page_leads_with_it_and_is_dated_by_its_records(tmp_path):
    one_run = tmp_path / "two-cases.jsonl"  # two cases of the run: a report in a second
    one_run.write_text("\n".join(line for line in read(ONE_RUN) if '"case": "initial_loss"' in line
                                 or '"case": "string_loss_on_logits"' in line) + "\n")
    written = write_report([one_run], tmp_path / "rep", cases)
    page = (tmp_path / "rep" / "index.html").read_text()
    assert page.index('<section id="what-changed" class="lead">') < page.index('<nav class="toc">')
    made = min(line.split('"started_at": "')[1][:10] for line in read(one_run))
    assert re.search(rf"<h1>fitbench compatibility report — records of {made}", page)
    md = (tmp_path / "rep" / "report.md").read_text()
    assert md.index("## What changed") < md.index("**Contents:**")
    assert written.summary.startswith(f"{len(read(one_run))} records, 1 environment(s)")


def read(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]
