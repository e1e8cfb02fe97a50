"""Each doctor check's step: what it measures on the subject, registered under the check's name with `@measures`
(harness/spec/checks.py declares the checks; the doctor registers how it judges them in harness/doctor/checks/).

A step is `(subject, facts so far, budget) -> the facts it found`, and says nothing of what they mean. The facts
themselves are measured by data.py (numpy only, shared with a notebook), steps.py and memory.py (TensorFlow);
a step with no batch to look at finds nothing ({}), and the doctor says "–".
"""
from __future__ import annotations

from typing import Any

from harness.spec.checks import measures
from harness.train.checkup import data, steps
from harness.train.checkup.memory import memory_facts
from harness.train.checkup.subject import Subject

Facts = dict[str, Any]


@measures("columns")
def columns(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return data.input_facts(s.batches[0][0], *steps.call_inputs(s.model)) if s.batches else {}


@measures("labels")
def labels(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return data.label_facts(s.labels, s.label_names)


@measures("example")
def example(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    if not s.batches:
        return {}
    return data.example_facts(*s.batches[0], s.tokenizer, s.rows, s.texts, facts.get("label_column", "label"),
                              s.untruncated)


@measures("labels_vs_text")
def labels_vs_text(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return data.baseline_facts(s.rows, s.labels)


@measures("batches")
def batches(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    if not s.batches:
        return {}
    ids = s.batches[0][0].get("input_ids")
    mask = s.batches[0][0].get("attention_mask")
    # padded: the rows of the batch are not all as long as the batch (the mask has zeros), or it has no mask
    padded = bool(mask is not None and (mask == 0).any())
    return {"batch_shape": list(getattr(ids, "shape", [])), "padded": padded}


@measures("token_ids")
def token_ids(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return data.id_facts(s.rows, facts.get("embedding_rows"), facts.get("max_positions"))


@measures("num_labels")
def num_labels(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return steps.num_labels_facts(s, facts) if s.batches else {}


@measures("initial_loss")
def initial_loss(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return steps.initial_loss_facts(s, facts) if s.batches else {}


@measures("overfit")
def overfit(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return steps.overfit_facts(s, facts, budget) if s.batches else {}


@measures("memory")
def memory(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return memory_facts(s, facts) if s.batches else {}


@measures("eager")
def eager(s: Subject, facts: Facts, budget: steps.Budget) -> Facts:
    return steps.eager_facts(s, facts) if s.batches else {}
