"""A behaviour's identity on committed records: the symptom, a failure's type and its normalised informative line.
Two bugs that both fail in the input pipeline are two behaviours; two runs of one bug (seeded repeats, the A/A
pairs of one commit) are one; a variant that fails with another line *changes* ("fails differently"), it never
breaks."""
from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest

from harness.results.groups import behaviour, group_records
from harness.results.reading import read_records
from harness.verdict.behaviour import direction_of, finding, identity, label, transition
from harness.verdict.compare import compare_records
from harness.verdict.findings import BREAKS, CHANGES
from tests.conftest import ROOT

RESULTS = ROOT / "results"
REFERENCE = sorted((RESULTS / "reference").glob("cpu-*.jsonl"))
# seeded repeats of one commit: the verdict detector's A/A chain (A00 … A10, one code, one environment), the
# identity pair (before / after one round of changes: the same symptoms), the suite-cost runs (--jobs 1, 2, 4)
AA = sorted((RESULTS / "verdict-detector-2026-12-05" / "runs").glob("A*.jsonl"))
REPEATS = AA + sorted((RESULTS / "identity-2026-11-29").glob("*.jsonl")) + \
    sorted((RESULTS / "suite-cost-2026-11-27-jobs").glob("*.jsonl"))
BISECTS = sorted((RESULTS / "bisect").glob("*.jsonl"))
MATRIX = sorted((RESULTS / "asv-matrix" / "records-all").glob("*.jsonl"))


def _one(records, case: str, variant: str, **versions: str):
    for r in records:
        have = (r.env or {}).get("versions") or {}
        if (r.case, r.variant) == (case, variant) and all(have.get(k.replace("_", "-")) == v
                                                          for k, v in versions.items()):
            return r
    raise AssertionError(f"no committed record of {case}:{variant} {versions}")


def test_the_two_walkthrough_variants_are_two_behaviours():
    records = read_records(REFERENCE)
    printed = _one(records, "chapter_walkthrough", "script_as_printed")
    renamed = _one(records, "chapter_walkthrough", "reader_renames_label_to_labels")
    assert printed.observed == renamed.observed == "data_error"
    assert identity(printed) == "data_error (ValueError) · Column labels not found in dataset!"
    assert identity(renamed).endswith("all input arrays must have the same shape")
    # the case: the same symptom and the same exception type, and still two bugs to fix
    as_value_error = dataclasses.replace(renamed, error={**renamed.error, "type": "ValueError"})
    assert behaviour(as_value_error) == behaviour(printed) == "data_error (ValueError)"
    assert identity(as_value_error) != identity(printed)
    assert direction_of([printed], [as_value_error]) == CHANGES


def test_seeded_repeats_are_one_behaviour():
    """Every group of repeats in the committed A/A and repeat runs has as many identities as labels: the
    normalisation leaves no address, label value, path or number that splits one failure in two."""
    records = read_records(REPEATS)
    groups = group_records(records)
    repeated = {k: g for k, g in groups.items() if len(g) > 1}
    assert len(repeated) >= 50 and sum(len(g) for g in repeated.values()) >= 400
    failing = [g for g in repeated.values() if any(r.error for r in g)]
    assert len(failing) >= 10  # the repeats that could split: those with an error line
    split = {k: sorted({identity(r) for r in g}) for k, g in repeated.items()
             if len({identity(r) for r in g}) != len({behaviour(r) for r in g})}
    assert not split


@pytest.mark.parametrize("current", AA[1:], ids=lambda p: p.stem)
def test_an_aa_pair_has_no_behaviour_finding(current):
    verdict = compare_records(read_records(AA[:1]), read_records([current]))
    assert verdict.behaviour == []


def test_a_failure_with_another_line_changes_and_never_breaks():
    """labels_in_dict fails to import transformers' TF models in both, for two different reasons (the Keras 2 of
    TF 2.12 lacks hdf5_format; TF 2.16's Keras 3 lacks keras.__internal__): the same RuntimeError, two lines."""
    records = read_records(MATRIX + BISECTS)
    old = _one(records, "labels_in_dict_keras_loss", "labels_in_dict", transformers="4.24.0", tensorflow="2.12.1")
    new = _one(records, "labels_in_dict_keras_loss", "labels_in_dict", transformers="4.30.2", tensorflow="2.16.2")
    assert behaviour(old) == behaviour(new) == "error (RuntimeError)"
    assert identity(old) != identity(new)
    assert direction_of([old], [new]) == CHANGES
    key = ("labels_in_dict_keras_loss", "labels_in_dict", "cpu", "E")
    f = finding(key, key, [old], [new], [new])
    assert f.direction == CHANGES and f.direction != BREAKS
    assert f.what.startswith("fails differently: ") and "hdf5_format" in f.what and "keras.__internal__" in f.what
    assert transition(identity(old), identity(new)) == f.what


def test_a_change_of_symptom_reads_as_labels():
    records = read_records(BISECTS)
    plateau = _one(records, "labels_in_dict_keras_loss", "labels_in_dict", transformers="4.31.0")
    error = _one(records, "labels_in_dict_keras_loss", "labels_in_dict", transformers="4.30.2")
    assert transition(identity(plateau), identity(error)) == "plateau → error (RuntimeError)"
    assert label(identity(error)) == "error (RuntimeError)"


def test_timeouts_are_compared_by_symptom_only():
    """A timeout's message is fitbench's own ("ran past its 120 s limit", formerly "worker timeout")."""
    records = [r for r in read_records(sorted(RESULTS.glob("reference/gpu-*/*.jsonl"))) if r.observed == "timeout"]
    assert len({r.error["message"] for r in records}) >= 2
    assert {identity(r) for r in records} == {"timeout"}


def test_identities_are_the_committed_failures_and_no_more():
    """Across every committed CPU record a failure has one identity per cause: the number of distinct identities
    is that of distinct (label, root cause) pairs, which mask less — the normalisation merges only noise."""
    from harness.results.errors import root_cause

    records = [r for r in read_records(MATRIX + BISECTS + REFERENCE + REPEATS) if r.error]
    by_identity: dict[str, set[str]] = defaultdict(set)
    for r in records:
        by_identity[identity(r)].add(root_cause(r.error))
    merged = {i: causes for i, causes in by_identity.items() if len(causes) > 1}
    # the label values of one batch and the venv's path are the only things merged
    for i, causes in merged.items():
        assert "<path>" in i or "#" in i, (i, causes)
