"""README's "What changed when" table (benchmarks/scripts/what_changed_when.py over harness/report/changes.py) with
the behaviour identity compare and bisect use: two runs of one failure are one behaviour, a failure with another
line between two releases is a row of its own ("fails differently"), with both lines. On committed records."""
from __future__ import annotations

import dataclasses
import importlib.util

import cases
from harness.report.changes import changes, markdown
from harness.results.reading import read_records
from tests.conftest import ROOT

RESULTS = ROOT / "results"
OF_CASE = {c.id: len(c.variants) for c in cases.all_cases()}


def _script():
    spec = importlib.util.spec_from_file_location("wcw", ROOT / "benchmarks/scripts/what_changed_when.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _at(record, **versions):
    """The record as if it ran with these versions (its own error, symptom and numbers kept)."""
    env = dict(record.env or {})
    env["versions"] = {**(env.get("versions") or {}), **versions}
    return dataclasses.replace(record, env=env)


def test_a_failure_with_another_line_is_a_row_of_its_own():
    """labels_in_dict's two RuntimeErrors at import (TF 2.12's Keras 2 lacks hdf5_format, TF 2.16's Keras 3 lacks
    keras.__internal__), set side by side as two neighbouring transformers releases with the rest held."""
    records = read_records(sorted((RESULTS / "asv-matrix" / "records-all").glob("*.jsonl"))
                           + sorted((RESULTS / "bisect").glob("*.jsonl")))
    pick = {}
    for r in records:
        v = (r.env or {}).get("versions") or {}
        if (r.case, r.variant, r.observed) == ("labels_in_dict_keras_loss", "labels_in_dict", "error"):
            pick.setdefault(v.get("transformers"), r)
    old, new = pick["4.24.0"], pick["4.30.2"]
    held = {"tensorflow": "2.12.1", "tf-keras": None}
    rows = changes([_at(old, transformers="4.24.0", **held), _at(new, transformers="4.25.1", **held)])
    moved = [c for c in rows if c.axis == "transformers"]
    assert len(moved) == 1 and moved[0].between == ("4.24.0", "4.25.1")
    assert moved[0].change.startswith("fails differently (error (RuntimeError)): Failed to import")
    assert "'keras.saving.hdf5_format' → Failed to import" in moved[0].change
    assert moved[0].change.endswith("'keras.__internal__'")
    table = markdown(rows, OF_CASE)
    assert "| transformers | TF 2.12.1 · no tf-keras | 4.24.0 → 4.25.1 | fails differently (error (RuntimeError))" \
        in table


def test_repeats_that_differ_only_in_what_varies_between_runs_are_no_change():
    """The A/A chain's keras_mismatch records: each names its optimizer object at another address."""
    aa = sorted((RESULTS / "verdict-detector-2026-12-05" / "runs").glob("A*.jsonl"))[:2]
    first, second = (read_records([p]) for p in aa)
    mismatch = [(a, b) for a in first for b in second if (a.case, a.variant) == (b.case, b.variant)
                and a.observed == "keras_mismatch" and a.error and "object at 0x" in a.error["message"]]
    assert mismatch and all(a.error["message"] != b.error["message"] for a, b in mismatch)
    a, b = mismatch[0]
    rows = changes([_at(a, transformers="4.57.5"), _at(b, transformers="4.57.6")])
    assert [c.change for c in rows if c.axis == "transformers"] == ["none"]


def test_the_readme_table_is_the_records_table():
    wcw = _script()
    readme = (ROOT / "README.md").read_text()
    assert wcw.replaced(readme, wcw.table()) == readme
    assert wcw.main(["--check"]) == 0
