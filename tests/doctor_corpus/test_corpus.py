"""`fitbench doctor` on pipelines nobody catalogued (tests/doctor_corpus/pipelines.py: mistakes people reported,
each with its source): each must come out with one ✗ — at the check that sees the mistake, with the evidence it
measured and the fix it derives from it — naming a catalogued case only where all of that case's facts hold. Then
the fix is applied to the pipeline and the doctor runs again: no ✗ left. One doctor (one zygote) for the suite
(tests/conftest.py); each pipeline is written by the test itself, offline, with a tiny model. Several fixes come
out as the same pipeline (the sound 300-row CSV, the sound JSON lines): a pipeline whose files and options are
byte for byte one already examined is examined once, as tests/cases/test_doctor.py does with its plans."""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pytest

from harness.commands import doctor as command
from harness.doctor.report import FOLDED
from harness.doctor.judgement import FAIL
from tests.doctor_corpus.pipelines import CORPUS, Entry

pytestmark = pytest.mark.slow


def _examine(doctor, argv: list[str]):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return doctor.examine(command.pipeline_of(parser.parse_args(argv)))  # what `fitbench doctor ARGV` examines


def _content(argv: list[str]) -> tuple[str, ...]:
    """The argv with each --model / --data path replaced by its name and a digest of its bytes (a file, or every
    file of a folder): equal for two pipelines the doctor cannot tell apart but by where they lie."""
    out = list(argv)
    for i, arg in enumerate(argv[:-1]):
        if arg in ("--model", "--data"):
            path = Path(argv[i + 1])
            files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
            h = hashlib.sha256()
            for f in files:
                h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode() + b"\0" + f.read_bytes())
            out[i + 1] = f"{path.name}:{h.hexdigest()}"
    return tuple(out)


@pytest.fixture(scope="module")
def examine(doctor):
    """The doctor's report on a pipeline, each distinct pipeline (by _content) examined once for the module."""
    reports: dict[tuple[str, ...], object] = {}

    def report(argv: list[str]):
        key = _content(argv)
        if key not in reports:
            reports[key] = _examine(doctor, argv)
        return reports[key]
    return report


def test_the_corpus_is_at_least_twelve_cited_mistakes():
    assert len(CORPUS) >= 12 and len({e.name for e in CORPUS}) == len(CORPUS)
    assert all(e.source.startswith("https://github.com/") and e.mistake for e in CORPUS)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """Where the pipelines are written: the tiny checkpoints, shared by the entries, at its top."""
    return tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("entry", CORPUS, ids=[e.name for e in CORPUS])
def test_the_doctor_finds_the_mistake_and_its_fix_leaves_no_problem(examine, root, entry: Entry):
    broken = examine(entry.broken(root / entry.name / "broken"))
    text = broken.text()
    assert [r.check for r in broken.results if r.status == FAIL] == [entry.check], text  # one cause, one ✗
    result = broken.result(entry.check)
    assert any(entry.evidence in line for line in result.evidence), text
    fixes = [result.fix] + [d.fix for d in result.diagnoses]
    assert any(entry.fix in fix for fix in fixes), text
    assert broken.named() == set(entry.named), text  # a case only where all its facts hold
    assert broken.exit_code == 1
    assert all(r.because for r in broken.results if r.status == FOLDED)

    fixed = examine(entry.fixed(root / entry.name / "fixed"))
    assert fixed.exit_code == 0, fixed.text()
    assert not any(r.status in (FAIL, FOLDED) for r in fixed.results) and not fixed.named(), fixed.text()
