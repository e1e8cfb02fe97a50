"""`fitbench doctor` on the catalog, generated from the cases: every broken variant whose bug a user's files can
hold is written to disk as a user would have it (tests/cases/doctor_pipelines.py) and the doctor must name it —
the variant's own sign, or the variants its bug is seen as — with its fix; every fix variant's pipeline must come
out clean. A new case with a sign gets its test here without a line changed. One doctor (one zygote) examines every
pipeline of the suite (tests/conftest.py), each distinct pipeline of this file once."""
from __future__ import annotations

import argparse

import pytest

import cases
from harness.commands import doctor as command
from harness.doctor.run import Doctor
from harness.doctor.signs import expected_refs
from harness.env.describe import device_class
from harness.spec import Sign
from tests.cases.doctor_pipelines import Workshop, not_expressible, plan

BY_ID = {c.id: c for c in cases.all_cases()}
BROKEN = [(c, v) for c in BY_ID.values() for v in c.variants if v.role == "broken"]
FIXES = [(c, v) for c in BY_ID.values() for v in c.variants if v.role == "fix"]
DEVICE = device_class()


def _parse(argv: list[str]):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.pipeline_of(parser.parse_args(argv))  # exactly what `fitbench doctor ARGV` examines


class Session:
    """One doctor for the file, and the reports it made, one per distinct pipeline."""

    def __init__(self, doctor: Doctor, workshop: Workshop):
        self.doctor, self.workshop, self.reports = doctor, workshop, {}

    def __call__(self, case, variant):
        p = plan(case, variant, BY_ID)
        if p not in self.reports:
            self.reports[p] = self.doctor.examine(_parse(self.workshop.argv(p)))
        return self.reports[p]


@pytest.fixture(scope="module")
def examine(doctor, tmp_path_factory):
    return Session(doctor, Workshop(tmp_path_factory.mktemp("doctor")))


def _skip_unless_writable(case, variant) -> None:
    reason = not_expressible(case, variant)
    if reason:
        pytest.skip(reason)
    if DEVICE not in variant.devices:
        pytest.skip(f"{DEVICE}: {variant.not_applicable}")


@pytest.mark.parametrize("case,variant", BROKEN, ids=[f"{c.id}:{v.name}" for c, v in BROKEN])
def test_doctor_names_the_bug_from_files(examine, case, variant):
    _skip_unless_writable(case, variant)
    refs = expected_refs(case, variant)
    assert refs, f"{case.id}:{variant.name}: a bug a user's files can hold, and no sign to recognise it"
    report = examine(case, variant)
    text = report.text()
    assert set(refs) <= report.named(), text
    assert report.exit_code == 1
    for ref in refs:
        assert f"fitbench run --cases {ref}" in text
    if isinstance(variant.doctor, Sign):
        fix = next(d.fix for d in report.diagnoses if d.ref == refs[0])
        assert "{" not in fix and f"fix              {fix}" in text  # filled in from what was measured


@pytest.mark.parametrize("case,variant", FIXES, ids=[f"{c.id}:{v.name}" for c, v in FIXES])
def test_doctor_finds_nothing_on_the_fix(examine, case, variant):
    _skip_unless_writable(case, variant)
    report = examine(case, variant)
    assert report.exit_code == 0, report.text()
    assert not report.diagnoses
