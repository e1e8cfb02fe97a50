"""How the doctor judges the checks that ran the model (harness/spec/checks.py: num_labels, loss_vs_outputs,
labels_and_loss, initial_loss, overfit, learning_rate, memory, eager), each registered with `@judges`: from the
facts alone (the errors' `*_symptom` / `*_line` derived), ✓ / ✗ / – with the evidence a reader can check (outputs
against classes, the loss against ln C, how the overfit's loss went, where an error was raised), and for a
problem no case of the catalog knows, a fix of the check's own.
"""
from __future__ import annotations

from typing import Any

from harness.doctor.judgement import FAIL, PASS, SKIP, Judgement, n as _n
from harness.spec.checks import judges

ADAM_5E5 = "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=5e-5))"


@judges("num_labels")
def num_labels(f: dict[str, Any]) -> Judgement:
    if f.get("forward_error"):
        return Judgement(FAIL, [f"the model cannot run on the first batch: {f.get('forward_line')}"])
    n, classes = f.get("num_labels"), f.get("n_classes")
    if n is None or f.get("label_kind") != "int":
        return Judgement(SKIP, [f"{n} outputs; the labels are not integer ids" if n else "no outputs measured"])
    classes_said = f"{classes} class" + ("" if classes == 1 else "es")
    evidence = [f"{n} outputs; labels {f['label_min']} to {f['label_max']} ({classes_said})"]
    fix = f"TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels={classes})"
    if f.get("labels_out_of_range"):
        return Judgement(FAIL, evidence + [f"{f['labels_out_of_range']} rows have a label the model has no output for"],
                         fix)
    if f.get("surplus_outputs", 0) > 0:
        return Judgement(FAIL, evidence + [f"{f['surplus_outputs']} outputs no label uses"], fix)
    return Judgement(PASS, evidence)


@judges("loss_vs_outputs")
def loss_vs_outputs(f: dict[str, Any]) -> Judgement:
    if f.get("loss") == "internal":
        return Judgement(PASS, ["compiled without a loss: the model computes its own from logits"])
    if "outputs_probabilities" not in f:
        return Judgement(SKIP, ["no outputs measured"])
    outputs = "probabilities" if f["outputs_probabilities"] else "logits"
    evidence = [f"the model outputs {outputs}; the loss has from_logits={f.get('loss_from_logits')}"]
    if f.get("loss_from_logits") is False and not f["outputs_probabilities"]:
        return Judgement(FAIL, evidence, "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
    if f.get("loss_from_logits") and f["outputs_probabilities"]:
        return Judgement(FAIL, evidence + ["a softmax twice"], "loss=...(from_logits=False)  # the outputs are "
                                                               "probabilities")
    return Judgement(PASS, evidence)


@judges("labels_and_loss")
def labels_and_loss(f: dict[str, Any]) -> Judgement:
    placement, loss = f.get("label_placement"), f.get("loss")
    evidence = [f"labels {'inside the input dict' if placement == 'in_dict' else 'as fit y'}; "
                f"{'no loss given to compile' if loss == 'internal' else 'a Keras loss given to compile'}"]
    if placement == "in_dict" and loss == "keras":
        return Judgement(FAIL, evidence, "model.compile(optimizer=...)  # no loss: the model's own")
    return Judgement(PASS, evidence)


@judges("initial_loss")
def initial_loss(f: dict[str, Any]) -> Judgement:
    if f.get("initial_loss_error"):
        return Judgement(FAIL, [f"the loss cannot be computed: {f.get('initial_loss_line')}"])
    expected, loss = f.get("expected_initial_loss"), f.get("initial_loss")
    if loss is None or not expected:
        return Judgement(SKIP, ["no loss measured" if loss is None else f"{_n(loss)}; no class count to compare"])
    evidence = [f"{loss:.3f} on the untrained model; ln {f['n_classes']} = {expected:.3f} "
                f"(× {f['initial_loss_ratio']:.2f})"]
    if f.get("initial_loss_symptom") == "ok":
        return Judgement(PASS, evidence)
    return Judgement(FAIL, evidence + ["a random classifier starts at ln C: the loss is computed on something else"])


def _suggestion(f: dict[str, Any]) -> str:
    """What a plateau suggests, from the other checks' facts."""
    if f.get("loss_from_logits") is False and not f.get("outputs_probabilities"):
        return "the loss expects probabilities and gets logits (loss vs outputs)"
    if (f.get("learning_rate") or 0) >= 1e-3:
        return f"the learning rate: {_n(f['learning_rate'])} is high for a transformer (the chapter: 5e-5)"
    return "the loss, the labels or the learning rate: the checks above say which"


def _trail(f: dict[str, Any]) -> str:
    """How the loss went, in the words its numbers allow: it fell, or it fell and rose again, or it stayed."""
    first, low, last = f.get("overfit_first_loss"), f.get("overfit_min_loss"), f.get("overfit_last_loss")
    steps, losses = f.get("overfit_steps_run"), f.get("overfit_losses") or []
    if None in (first, low, last):
        return f"{_n(first)} → {_n(last)} in {steps} steps"
    at = next((i + 1 for i, x in enumerate(losses) if x is not None and abs(x - low) < 1e-4), None)
    lowest = f"{_n(low)} (lowest{f', step {at}' if at else ''})"
    slope = f.get("overfit_slope")
    slope = f"; slope of the second half {slope:+.2g} per step" if slope is not None else ""
    if low < 0.8 * first and last > 1.1 * low:
        return f"it fell, then rose: {_n(first)} → {lowest} → {_n(last)} (mean of the last 5) in {steps} steps{slope}"
    if low < 0.8 * first:
        return f"it fell, then stalled: {_n(first)} → {lowest}, last {_n(last)} in {steps} steps{slope}"
    return f"it does not fall: {_n(first)} → {lowest}, last {_n(last)} in {steps} steps{slope}"


@judges("overfit")
def overfit(f: dict[str, Any]) -> Judgement:
    if f.get("step_crashed"):
        return Judgement(FAIL, ["the first training step killed its process (the eager check shows why)"])
    if f.get("step_error"):
        return Judgement(FAIL, [f"the first training step fails: {f.get('step_line')}"])
    outcome = f.get("overfit")
    if outcome in (None, "not_run", "error", "too_short"):
        return Judgement(SKIP, ["not measured" if outcome != "too_short" else "stopped before it could be judged"])
    threshold = _n(f["overfit_threshold"])
    if outcome == "ok":
        return Judgement(PASS, [f"under {threshold} after {f['steps_to_threshold']} steps "
                                f"({_n(f.get('overfit_first_loss'))} → {_n(f.get('overfit_min_loss'))})"])
    if outcome == "falling":
        return Judgement(SKIP, [f"still falling when the budget ended: {_n(f.get('overfit_first_loss'))} → "
                                f"{_n(f.get('overfit_min_loss'))} (lowest) in {f.get('overfit_steps_run')} steps; "
                                f"not yet under {threshold}"])
    if outcome == "nan_loss":
        return Judgement(FAIL, [f"the loss went NaN within {f.get('overfit_steps_run')} steps",
                                f"suggests {_suggestion(f)}"],
                         ADAM_5E5 if (f.get("learning_rate") or 0) >= 1e-3 else "")
    return Judgement(FAIL, [f"not under {threshold}: {_trail(f)}", f"suggests {_suggestion(f)}"],
                     ADAM_5E5 if (f.get("learning_rate") or 0) >= 1e-3 else "")


@judges("learning_rate")
def learning_rate(f: dict[str, Any]) -> Judgement:
    rate, optimizer = f.get("learning_rate"), f.get("optimizer")
    if rate is None:
        return Judgement(SKIP, [f"{optimizer}: its learning rate is not known"])
    said = f"{_n(rate)} ({'the ' + repr(optimizer) + ' string' if optimizer == 'adam' else optimizer})"
    if rate < 1e-3:
        return Judgement(PASS, [said])
    outcome = f.get("overfit")
    if outcome in ("plateau", "nan_loss") and f.get("loss_from_logits") is not False:
        return Judgement(FAIL, [said + f": one batch does not overfit with it ({outcome.replace('_', ' ')})"], ADAM_5E5)
    if outcome == "ok":
        return Judgement(PASS, [said + f": one batch overfits with it in {f.get('steps_to_threshold')} steps, so it "
                                       f"suits this model (the chapter's 5e-5 is for pretrained transformers, where "
                                       f"1e-3 can stall)"])
    return Judgement(SKIP, [said + ": high for a transformer; the overfit check could not judge it here"])


@judges("memory")
def memory(f: dict[str, Any]) -> Judgement:
    symptom = f.get("memory_symptom")
    if symptom is None:
        return Judgement(SKIP, ["GPU only: no device memory to measure on a CPU" if f.get("device") != "gpu"
                                else "not measured"])
    held = f"this process holds {f.get('process_fraction', 0):.0%} of the card"
    if symptom == "oom":
        found = f.get("found_batch_size")
        return Judgement(FAIL, [f"batch {f.get('batch_size')} on the longest row runs out of memory; "
                                f"the batch finder: {found if found else 'not even batch 4'} fits"],
                         f"batch_size={found}" if found else "")
    if symptom == "memory_grab":
        return Judgement(FAIL, [held + " (memory growth off)"],
                         "tf.config.experimental.set_memory_growth(gpu, True)  # each GPU, before anything runs")
    return Judgement(PASS, [f"peak {_n(f.get('peak_mib'))} MiB at batch {f.get('batch_size')}; {held}"])


def _where(surfaced: str | None) -> str:
    if not surfaced:
        return "?"
    path, _, rest = surfaced.partition(":")
    path = path.split("site-packages/")[-1] if "site-packages/" in path else "/".join(path.split("/")[-3:])
    return f"{path}:{rest}"


@judges("eager")
def eager(f: dict[str, Any]) -> Judgement:
    """The chapter's run_eagerly=True: where a graph-mode step failed, the same step eagerly. Its fix is offered
    only where it explains the failure: the step passes eagerly (graph mode's own). Where it fails eagerly too, it
    says where the error was raised, as a place to look, not a fix."""
    if not (f.get("step_error") or f.get("step_crashed")):
        return Judgement(SKIP, ["no graph-mode error to explain"])
    if f.get("eager_passed"):
        return Judgement(FAIL, ["the step passes eagerly: the failure is graph mode's own"],
                         "model.compile(..., run_eagerly=True)  # while you look for it; or jit_compile=False")
    if not f.get("eager_error"):
        return Judgement(SKIP, ["not measured"])
    graph = (f.get("step_error") or {}).get("surfaced_at")
    raised = _where(f["eager_error"].get("surfaced_at"))
    return Judgement(FAIL, [f"eagerly: {f.get('eager_line')}",
                            f"raised in {raised}" + (f" (in graph mode: {_where(graph)})" if graph else "")])
