"""The doctor for a pipeline that lives in a notebook: hand it the Keras model, compile's arguments and the tf.data
dataset you would give fit; the same checks run on those objects, in this process, with no files.

    from harness.doctor.notebook import examine
    report = examine(model, train_dataset, {"optimizer": "adam", "loss": "sparse_categorical_crossentropy"},
                     tokenizer=tokenizer)
    print(report)            # the same ✓ / ✗ / – report as `fitbench doctor`; report.exit_code, report.to_dict()

The dataset is read as fit would read it (a dict with "labels", or (inputs, labels) pairs), up to 2,000 rows. Your
model is handed back as it came: the weights the overfit check trained are put back and the model is compiled again
with your own arguments; the checks step a fresh copy of your optimizer, never yours. In your process there is no
worker to kill: a check that raises is said and the next one runs, and the overfit stops at its time budget, but a
crash takes the notebook's kernel with it (`fitbench doctor` on saved files isolates every check).
"""
from __future__ import annotations

import time
from typing import Any

from harness.doctor.report import Report, assemble
from harness.doctor.signs import catalog, derive, own_symptoms
from harness.doctor.judgement import SKIP, Judgement
from harness.results.errors import informative_line
from harness.spec.checks import MEASURED


def _compile_args(model, compile_args: dict[str, Any] | None) -> dict[str, Any]:
    if compile_args is not None:
        return dict(compile_args)
    if getattr(model, "optimizer", None) is None:
        raise ValueError("examine(model, dataset, compile_args): the model is not compiled; pass compile_args, "
                         "e.g. {'optimizer': 'adam'} (as you would call model.compile)")
    return {"optimizer": model.optimizer, "loss": getattr(model, "loss", None)}


def examine(model, dataset, compile_args: dict[str, Any] | None = None, tokenizer=None, overfit_steps: int = 500,
            overfit_threshold: float = 0.1, overfit_seconds: float = 120.0, registry: Any = None) -> Report:
    """The doctor's report on a model and the tf.data dataset it is fitted on (compile_args: as model.compile
    takes them; None: the model's own compile state, where it is compiled). `registry`: the case registry whose
    signs name the bugs (default: fitbench's own `cases`, imported here: this is a notebook's entry point, not a
    layer of the harness)."""
    if registry is None:
        import cases as registry
    from harness.train.checkup.procedure import run_checks
    from harness.train.checkup.steps import Budget, model_facts
    from harness.train.checkup.subject import compile_facts, from_objects

    start = time.perf_counter()
    args = _compile_args(model, compile_args)
    budget = Budget(steps=overfit_steps, threshold=overfit_threshold, seconds=overfit_seconds)
    subject = from_objects(model, dataset, args, tokenizer)
    first = subject.batches[0][0] if subject.batches else {}
    facts: dict[str, Any] = {**compile_facts(args), "label_placement": subject.placement, "collate": "dataset",
                             "label_column": "labels", **subject.facts, **model_facts(model),
                             "batch_size": len(next(iter(first.values()))) if first else None}
    problems: dict[str, Judgement] = {}
    saved: list = []

    def keep_weights(name: str) -> None:  # before the first check that trains: what to hand back
        if name == "overfit" and not saved and model.built:
            saved.append(model.get_weights())

    def note(name: str, found: dict, error: dict | None) -> None:
        if error:
            problems[name] = Judgement(SKIP, [f"could not measure: {informative_line(error)}"])

    try:
        run_checks(subject, list(MEASURED), facts, budget, on_start=keep_weights, on_done=note)
    finally:
        if saved:
            model.set_weights(saved[0])
        try:
            model.compile(**args)  # the user's own optimizer object and loss, as before
        except Exception:  # compile itself is what fails (a Keras 3 optimizer): the report says so
            pass
    facts = derive(facts, own_symptoms(registry.all_cases()))
    subject_line = (f"model {type(model).__name__} ({facts.get('num_labels')} outputs) · data {type(dataset).__name__}"
                    f" ({facts.get('n_rows')} rows read) · in this process")
    return assemble(subject_line, facts, problems, catalog(registry.all_cases()), time.perf_counter() - start)
