"""Running the checks: in the chapter's order, each measuring facts on the subject, each journaled as it starts and
ends. The worker procedure `checkup` (RunConfig.procedure "doctor") builds the subject from a user's files and
runs the checks its job names; a notebook runs the same loop in its own process (harness/doctor/notebook.py).

A check whose own code raises records that error and the next check runs; a check that kills or hangs its
process is the doctor's to handle: the journal says which one was running, and the doctor starts another process
for the checks after it (harness/doctor/run.py).
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from harness.spec import symptoms
from harness.spec.config import RunConfig
from harness.spec.procedures import CheckupJob, DoctorSettings
from harness.train.checkup import data, journal, steps
from harness.train.checkup.memory import memory_facts
from harness.train.checkup.subject import Subject, from_files
from harness.train.failures import describe_error

Step = Callable[[Subject, dict[str, Any], steps.Budget], dict[str, Any]]


def _columns(s: Subject, facts: dict, budget: steps.Budget) -> dict[str, Any]:
    return data.input_facts(s.batches[0][0], *steps.call_inputs(s.model)) if s.batches else {}


def _example(s: Subject, facts: dict, budget: steps.Budget) -> dict[str, Any]:
    if not s.batches:
        return {}
    return data.example_facts(*s.batches[0], s.tokenizer, s.rows, s.texts, facts.get("label_column", "label"),
                              s.untruncated)


def _batches(s: Subject, facts: dict, budget: steps.Budget) -> dict[str, Any]:
    if not s.batches:
        return {}
    ids = s.batches[0][0].get("input_ids")
    mask = s.batches[0][0].get("attention_mask")
    # padded: the rows of the batch are not all as long as the batch (the mask has zeros), or it has no mask
    padded = bool(mask is not None and (mask == 0).any())
    return {"batch_shape": list(getattr(ids, "shape", [])), "padded": padded}


# the checks a process measures, in the chapter's order; labels_and_loss, class_balance and learning_rate are
# judged by the doctor from these facts and the pipeline's description, with nothing more to run
STEPS: dict[str, Step] = {
    "columns": _columns,
    "labels": lambda s, facts, budget: data.label_facts(s.labels, s.label_names),
    "labels_vs_text": lambda s, facts, budget: data.baseline_facts(s.rows, s.labels),
    "example": _example,
    "batches": _batches,
    "token_ids": lambda s, facts, budget: data.id_facts(s.rows, facts.get("embedding_rows"),
                                                        facts.get("max_positions")),
    "num_labels": lambda s, facts, budget: steps.num_labels_facts(s, facts) if s.batches else {},
    "initial_loss": lambda s, facts, budget: steps.initial_loss_facts(s, facts) if s.batches else {},
    "overfit": lambda s, facts, budget: steps.overfit_facts(s, facts, budget) if s.batches else {},
    "memory": lambda s, facts, budget: memory_facts(s, facts) if s.batches else {},
    "eager": lambda s, facts, budget: steps.eager_facts(s, facts) if s.batches else {},
}


def run_checks(subject: Subject, names: list[str], facts: dict[str, Any], budget: steps.Budget,
               on_start: Callable[[str], None] = lambda name: None,
               on_done: Callable[[str, dict, dict | None], None] = lambda name, found, error: None) -> dict[str, Any]:
    """Each named check that has something to run, in order; `facts` grows with what each found."""
    for name in [n for n in STEPS if n in names]:
        on_start(name)
        error = None
        try:
            found = STEPS[name](subject, facts, budget)
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
    metrics["checks_run"] = [n for n in STEPS if n in job.checks]
    return symptoms.OK
