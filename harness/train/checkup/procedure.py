"""Running the checks: in the chapter's order (harness/spec/checks.py), each measuring facts on the subject with the
step registered for it (harness/train/checkup/measures.py), each journaled as it starts and ends. The worker
procedure `checkup` (RunConfig.procedure "doctor") builds the subject from a user's files and runs the checks its
job names; a notebook runs the same loop in its own process (harness/doctor/notebook.py).

A check whose own code raises records that error and the next check runs; a check that kills or hangs its
process is the doctor's to handle: the journal says which one was running, and the doctor starts another process
for the checks after it (harness/doctor/run.py).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from harness.spec import checks, symptoms
from harness.spec.config import RunConfig
from harness.spec.procedures import CheckupJob, DoctorSettings
from harness.train.checkup import journal, steps
from harness.train.checkup import measures as _registers_the_steps  # noqa: F401 (each check's @measures)
from harness.train.checkup.subject import Subject, from_files
from harness.train.failures import describe_error


def run_checks(subject: Subject, names: list[str], facts: dict[str, Any], budget: steps.Budget,
               on_start: Callable[[str], None] = lambda name: None,
               on_done: Callable[[str, dict, dict | None], None] = lambda name, found, error: None) -> dict[str, Any]:
    """Each named check that has a step, in the chapter's order (harness/spec/checks.py); `facts` grows with what
    each found."""
    for name in [n for n in checks.MEASURED if n in names]:
        on_start(name)
        error = None
        try:
            found = checks.step(name)(subject, facts, budget)
        except Exception as exc:  # the check's own code met something it did not foresee: said, not fatal
            found, error = {}, describe_error(exc)
        facts.update(found)
        on_done(name, found, error)
    return facts


def checkup(cfg: RunConfig, metrics: dict[str, Any]) -> str:
    """The worker procedure: the subject from the user's files, then the checks the job names, journaled."""
    job = cfg.settings(DoctorSettings).doctor
    if not isinstance(job, CheckupJob):
        raise ValueError(f"{DoctorSettings.where('doctor')} is required: the checkup job (harness/doctor/run.py)")
    path = Path(job.journal)
    subject = from_files(cfg, asdict(job))
    found = {**subject.facts, **steps.model_facts(subject.model)}
    journal.append(path, "ready", facts=found)
    facts = {**job.facts, **found}
    budget = steps.Budget(**job.budget)
    run_checks(subject, job.checks, facts, budget, on_start=lambda name: journal.append(path, "start", check=name),
               on_done=lambda name, new, error: journal.append(path, "done", check=name, facts=new, error=error))
    metrics["checks_run"] = [n for n in checks.MEASURED if n in job.checks]
    return symptoms.OK
