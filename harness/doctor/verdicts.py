"""What the facts say, check by check: ✓ (passed), ✗ (a problem) or – (nothing to judge here, with why), the
evidence a reader can check (numbers, a decoded example, the informative line of an error), and for a problem no
case of the catalog knows, a fix of the check's own. A catalogued bug adds its case's fix (harness/doctor/signs.py).

Each function reads facts only (harness/spec/signs.py FACTS, derived `*_symptom` / `*_line` included).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

PASS, FAIL, SKIP = "✓", "✗", "–"
COLLATOR = 'to_tf_dataset(..., collate_fn=DataCollatorWithPadding(tokenizer, return_tensors="np"))'
ADAM_5E5 = "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=5e-5))"


@dataclass
class Verdict:
    status: str
    evidence: list[str] = field(default_factory=list)
    fix: str = ""   # a fix of the check's own, for a problem no case's sign names


def _n(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def columns(f: dict[str, Any]) -> Verdict:
    if "batch_keys" not in f:
        return Verdict(SKIP, ["no batch to look at"])
    accepted = f.get("accepted_inputs")
    takes = "any keyword" if accepted is None else ", ".join(accepted)
    if accepted is not None and not f.get("n_unexpected_inputs"):
        takes = "them all"
    evidence = [f"the batch holds {', '.join(f['batch_keys'])}; the model's call takes {takes}"]
    if f.get("n_unexpected_inputs"):
        keep = [k for k in f["batch_keys"] if k not in f["unexpected_inputs"]]
        return Verdict(FAIL, evidence + [f"not taken by the model: {', '.join(f['unexpected_inputs'])}"],
                       f"to_tf_dataset(columns={keep}, ...)")
    if f.get("n_missing_inputs"):
        return Verdict(FAIL, evidence + [f"missing: {', '.join(f['missing_inputs'])}"],
                       "tokenized = dataset.map(lambda ex: tokenizer(ex['text'], truncation=True), batched=True)")
    return Verdict(PASS, evidence)


def labels(f: dict[str, Any]) -> Verdict:
    kind, column = f.get("label_kind"), f.get("label_column", "label")
    if kind is None:
        return Verdict(SKIP, ["no rows to look at"])
    if kind == "missing":
        return Verdict(FAIL, ["the batches carry no labels"], "to_tf_dataset(..., label_cols=['labels'])")
    if kind == "string":
        return _labels_as_text(f, column)
    if kind == "float":
        return Verdict(FAIL, [f"column {column} holds fractional numbers ({_n(f.get('label_min'))} to "
                              f"{_n(f.get('label_max'))}), not class ids"],
                       f"dataset = dataset.cast_column('{column}', Value('int64'))  # if they are ids")
    evidence = [f"integer ids {f['label_min']} to {f['label_max']} in column {column}, {f.get('n_rows')} rows"
                + _also(f)]
    if f["label_min"] < 0:
        return _negative_labels(f, column, evidence)
    if f.get("classes_present") == 1:
        return Verdict(FAIL, evidence + [f"every row is class {f['label_min']}: there is nothing to tell apart (a "
                                         f"file sorted by label, cut before the other classes?)"],
                       "dataset = dataset.shuffle(seed=0).select(range(n))  # rows from every class")
    outputs = f.get("num_labels")
    if f["label_min"] == 1 and not f.get("ids_absent", [0])[1:] and outputs == f["label_max"]:
        # ids 1..K and a head of K outputs (0..K-1): counted from 1, the last class has no output
        return Verdict(FAIL, evidence + [f"no row has id 0: the ids count from 1, the model's {outputs} outputs "
                                         f"from 0"],
                       f"dataset = dataset.map(lambda ex: {{'{column}': ex['{column}'] - 1}})")
    return Verdict(PASS, evidence)


def _also(f: dict[str, Any]) -> str:
    """The other label-like column, said where the choice was made."""
    other = f.get("other_label_columns") or {}
    return "".join(f"; column {c} ({kind}) is there too, unused: --label {c} to use it" for c, kind in other.items())


def _labels_as_text(f: dict[str, Any], column: str) -> Verdict:
    names = f.get("label_names", [])
    if f.get("label_names_numeric"):
        return Verdict(FAIL, [f"column {column} holds numbers written as text: {', '.join(map(repr, names[:6]))}"
                              + _also(f)], f"dataset = dataset.cast_column('{column}', Value('int64'))")
    return Verdict(FAIL, [f"column {column} holds strings, not class ids: {', '.join(names[:6])}" + _also(f)],
                   f"dataset = dataset.cast_column('{column}', ClassLabel(names={names}))")


def _negative_labels(f: dict[str, Any], column: str, evidence: list[str]) -> Verdict:
    negative, rows = f.get("negative_labels") or [], f.get("rows_negative") or 0
    if negative == [-1] and rows == f.get("n_rows"):
        return Verdict(FAIL, evidence + ["every label is -1: this split has no labels (GLUE's test splits hide "
                                         "theirs as -1)"],
                       "train on a split with labels: load_dataset(...)['train'] (or 'validation')")
    if negative == [-1]:
        return Verdict(FAIL, evidence + [f"{rows} rows are -1: no label (unlabelled rows mixed in)"],
                       f"dataset = dataset.filter(lambda ex: ex['{column}'] != -1)")
    return Verdict(FAIL, evidence + [f"negative ids ({', '.join(map(str, negative))}): a classifier's labels "
                                     f"run from 0"],
                   f"dataset = dataset.map(lambda ex: {{'{column}': ex['{column}'] - {f['label_min']}}})")


def labels_vs_text(f: dict[str, Any]) -> Verdict:
    follows = f.get("labels_follow_inputs")
    if "baseline_accuracy" not in f:
        return Verdict(SKIP, ["too few rows or classes to tell"])
    evidence = [f"a bag-of-tokens baseline predicts {f.get('baseline_rows')} held-out labels at "
                f"{f['baseline_accuracy']:.2f} (chance {f['chance_accuracy']:.2f})"]
    if follows:
        return Verdict(PASS, evidence)
    if follows is None:
        return Verdict(SKIP, evidence + ["too close to chance to tell"])
    return Verdict(FAIL, evidence + ["the inputs do not predict the labels: labels moved against their text, or "
                                     "the text that decides them is not in the inputs"],
                   "keep each label with its row: shuffle rows (dataset.shuffle(seed=0)), never a label column alone")


def class_balance(f: dict[str, Any]) -> Verdict:
    histogram = f.get("label_histogram")
    if not histogram:
        return Verdict(SKIP, ["no class labels to count"])
    shown = " · ".join(f"{k}: {v}" for k, v in list(histogram.items())[:10])
    if f["majority_fraction"] >= 0.9:
        share = f["majority_fraction"]
        return Verdict(FAIL, [shown, f"one class is {share:.0%} of the rows: always predicting it scores {share:.2f}"],
                       "model.fit(..., class_weight={class id: weight, ...})  # or resample the rare classes")
    return Verdict(PASS, [shown])


def example(f: dict[str, Any]) -> Verdict:
    missing = f.get("rows_without_text") or {}
    if missing:  # found before tokenizing: the user's map would raise TypeError (TextEncodeInput must be ...)
        said = ", ".join(f"{n} in {c}" for c, n in missing.items())
        keep = " and ".join(f"ex['{c}'] is not None" for c in missing)
        return Verdict(FAIL, [f"rows with no text ({said}): the tokenizer raises TypeError (TextEncodeInput must "
                              f"be ...) on them; the checks below ran without them"],
                       f"dataset = dataset.filter(lambda ex: {keep})")
    shown = f.get("first_example_decoded") or f.get("first_example_ids")
    if shown is None:
        return Verdict(SKIP, ["no batch to decode"])
    empty = f.get("empty_columns") or []
    evidence = [f"{shown!r} → {f.get('first_example_label')!r}"] + \
        [f"column {c} is empty in every row: not used as text" for c in empty]
    if f.get("truncated_text_columns"):
        cut, n = ", ".join(f["truncated_text_columns"]), len(f["truncated_text_columns"])
        said = f"text column {cut} is" if n == 1 else f"text columns {cut} are"
        return Verdict(FAIL, evidence + [f"{said} cut out of the inputs by truncation (there before truncating)"],
                       _truncation_fix(f))
    if f.get("n_unused_text_columns"):
        unused = ", ".join(f["unused_text_columns"])
        return Verdict(FAIL, evidence + [f"text column {unused} is not in the inputs"],
                       f"tokenizer({f.get('text_args')}, truncation=True)")
    if "first_example_decoded" not in f:
        return Verdict(SKIP, evidence + ["no tokenizer to decode with"])
    return Verdict(PASS, evidence)


def batches(f: dict[str, Any]) -> Verdict:
    if f.get("batch_error"):
        ran = " (the checks below ran on padded batches)" if f.get("batch_shape") else ""
        return Verdict(FAIL, [f"building a batch fails: {f.get('batch_line')}{ran}"], COLLATOR)
    if not f.get("batch_shape"):
        return Verdict(SKIP, ["no batch"])
    shape = " × ".join(map(str, f["batch_shape"]))
    return Verdict(PASS, [f"{shape}" + (", padded" if f.get("padded") else "")])


TRUNCATION_CUT = 0.3  # truncation that drops this share of all tokens leaves the model a fraction of the text


def token_ids(f: dict[str, Any]) -> Verdict:
    if f.get("max_token_id") is None:
        return Verdict(SKIP, ["no token ids"])
    rows, positions = f.get("embedding_rows"), f.get("max_positions")
    evidence = [f"largest id {f['max_token_id']}, {rows or '?'} embedding rows; longest row {f['longest_row']} "
                f"tokens, {positions or '?'} positions"]
    if "tokens_per_row_before" in f:
        evidence.append(f"tokens per row (median) {f['tokens_per_row_before']} → {f['tokens_per_row_after']} "
                        f"after truncation; {f['rows_truncated']} rows cut ({f['truncated_fraction']:.0%}), "
                        f"{f['tokens_cut_fraction']:.0%} of all tokens")
    if f.get("ids_beyond_embedding"):
        return _ids_beyond(f, evidence, rows)
    if f.get("rows_beyond_positions"):
        return Verdict(FAIL, evidence + [f"{f['rows_beyond_positions']} rows are longer than the positions"],
                       f"tokenizer(..., truncation=True, max_length={positions})")
    if (f.get("tokens_cut_fraction") or 0) >= TRUNCATION_CUT:
        return Verdict(FAIL, evidence + ["truncation cuts away most of the text the labels were given for"],
                       _truncation_fix(f))
    return Verdict(PASS, evidence)


def _truncation_fix(f: dict[str, Any]) -> str:
    wanted, positions = f.get("tokens_p95_before"), f.get("max_positions")
    if wanted and (not positions or wanted <= positions):
        return f"tokenizer(..., truncation=True, max_length={wanted})  # 95 % of the rows whole"
    return "split long texts into chunks of the model's length (or a model with more positions)"


def _ids_beyond(f: dict[str, Any], evidence: list[str], rows: int | None) -> Verdict:
    said = f"{f['ids_beyond_embedding']} rows hold ids past the embedding"
    size = f.get("tokenizer_size")
    if size and rows and size > rows and not f.get("pretokenized"):
        return Verdict(FAIL, evidence + [f"{said}: the tokenizer has {size} tokens, the embedding {rows} rows "
                                         f"(tokens added, the embeddings not resized)"],
                       "model.resize_token_embeddings(len(tokenizer))  # after add_tokens, before training")
    where = "the data's input_ids were made by another tokenizer" if f.get("pretokenized") else \
        "the tokenizer is not the model's"
    return Verdict(FAIL, evidence + [f"{said}: {where}"],
                   "tokenizer = AutoTokenizer.from_pretrained(checkpoint)  # the model's own; tokenize again")


def num_labels(f: dict[str, Any]) -> Verdict:
    if f.get("forward_error"):
        return Verdict(FAIL, [f"the model cannot run on the first batch: {f.get('forward_line')}"])
    n, classes = f.get("num_labels"), f.get("n_classes")
    if n is None or f.get("label_kind") != "int":
        return Verdict(SKIP, [f"{n} outputs; the labels are not integer ids" if n else "no outputs measured"])
    classes_said = f"{classes} class" + ("" if classes == 1 else "es")
    evidence = [f"{n} outputs; labels {f['label_min']} to {f['label_max']} ({classes_said})"]
    fix = f"TFAutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels={classes})"
    if f.get("labels_out_of_range"):
        return Verdict(FAIL, evidence + [f"{f['labels_out_of_range']} rows have a label the model has no output for"],
                       fix)
    if f.get("surplus_outputs", 0) > 0:
        return Verdict(FAIL, evidence + [f"{f['surplus_outputs']} outputs no label uses"], fix)
    return Verdict(PASS, evidence)


def loss_vs_outputs(f: dict[str, Any]) -> Verdict:
    if f.get("loss") == "internal":
        return Verdict(PASS, ["compiled without a loss: the model computes its own from logits"])
    if "outputs_probabilities" not in f:
        return Verdict(SKIP, ["no outputs measured"])
    outputs = "probabilities" if f["outputs_probabilities"] else "logits"
    evidence = [f"the model outputs {outputs}; the loss has from_logits={f.get('loss_from_logits')}"]
    if f.get("loss_from_logits") is False and not f["outputs_probabilities"]:
        return Verdict(FAIL, evidence, "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
    if f.get("loss_from_logits") and f["outputs_probabilities"]:
        return Verdict(FAIL, evidence + ["a softmax twice"], "loss=...(from_logits=False)  # the outputs are "
                                                             "probabilities")
    return Verdict(PASS, evidence)


def labels_and_loss(f: dict[str, Any]) -> Verdict:
    placement, loss = f.get("label_placement"), f.get("loss")
    evidence = [f"labels {'inside the input dict' if placement == 'in_dict' else 'as fit y'}; "
                f"{'no loss given to compile' if loss == 'internal' else 'a Keras loss given to compile'}"]
    if placement == "in_dict" and loss == "keras":
        return Verdict(FAIL, evidence, "model.compile(optimizer=...)  # no loss: the model's own")
    return Verdict(PASS, evidence)


def initial_loss(f: dict[str, Any]) -> Verdict:
    if f.get("initial_loss_error"):
        return Verdict(FAIL, [f"the loss cannot be computed: {f.get('initial_loss_line')}"])
    expected, loss = f.get("expected_initial_loss"), f.get("initial_loss")
    if loss is None or not expected:
        return Verdict(SKIP, ["no loss measured" if loss is None else f"{_n(loss)}; no class count to compare"])
    evidence = [f"{loss:.3f} on the untrained model; ln {f['n_classes']} = {expected:.3f} "
                f"(× {f['initial_loss_ratio']:.2f})"]
    if f.get("initial_loss_symptom") == "ok":
        return Verdict(PASS, evidence)
    return Verdict(FAIL, evidence + ["a random classifier starts at ln C: the loss is computed on something else"])


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


def overfit(f: dict[str, Any]) -> Verdict:
    if f.get("step_crashed"):
        return Verdict(FAIL, ["the first training step killed its process (the eager check shows why)"])
    if f.get("step_error"):
        return Verdict(FAIL, [f"the first training step fails: {f.get('step_line')}"])
    outcome = f.get("overfit")
    if outcome in (None, "not_run", "error", "too_short"):
        return Verdict(SKIP, ["not measured" if outcome != "too_short" else "stopped before it could be judged"])
    threshold = _n(f["overfit_threshold"])
    if outcome == "ok":
        return Verdict(PASS, [f"under {threshold} after {f['steps_to_threshold']} steps "
                              f"({_n(f.get('overfit_first_loss'))} → {_n(f.get('overfit_min_loss'))})"])
    if outcome == "falling":
        return Verdict(SKIP, [f"still falling when the budget ended: {_n(f.get('overfit_first_loss'))} → "
                              f"{_n(f.get('overfit_min_loss'))} (lowest) in {f.get('overfit_steps_run')} steps; "
                              f"not yet under {threshold}"])
    if outcome == "nan_loss":
        return Verdict(FAIL, [f"the loss went NaN within {f.get('overfit_steps_run')} steps",
                              f"suggests {_suggestion(f)}"], ADAM_5E5 if (f.get("learning_rate") or 0) >= 1e-3 else "")
    return Verdict(FAIL, [f"not under {threshold}: {_trail(f)}", f"suggests {_suggestion(f)}"],
                   ADAM_5E5 if (f.get("learning_rate") or 0) >= 1e-3 else "")


def learning_rate(f: dict[str, Any]) -> Verdict:
    rate, optimizer = f.get("learning_rate"), f.get("optimizer")
    if rate is None:
        return Verdict(SKIP, [f"{optimizer}: its learning rate is not known"])
    said = f"{_n(rate)} ({'the ' + repr(optimizer) + ' string' if optimizer == 'adam' else optimizer})"
    if rate < 1e-3:
        return Verdict(PASS, [said])
    outcome = f.get("overfit")
    if outcome in ("plateau", "nan_loss") and f.get("loss_from_logits") is not False:
        return Verdict(FAIL, [said + f": one batch does not overfit with it ({outcome.replace('_', ' ')})"], ADAM_5E5)
    if outcome == "ok":
        return Verdict(PASS, [said + f": one batch overfits with it in {f.get('steps_to_threshold')} steps, so it "
                                     f"suits this model (the chapter's 5e-5 is for pretrained transformers, where "
                                     f"1e-3 can stall)"])
    return Verdict(SKIP, [said + ": high for a transformer; the overfit check could not judge it here"])


def memory(f: dict[str, Any]) -> Verdict:
    symptom = f.get("memory_symptom")
    if symptom is None:
        return Verdict(SKIP, ["GPU only: no device memory to measure on a CPU" if f.get("device") != "gpu"
                              else "not measured"])
    held = f"this process holds {f.get('process_fraction', 0):.0%} of the card"
    if symptom == "oom":
        found = f.get("found_batch_size")
        return Verdict(FAIL, [f"batch {f.get('batch_size')} on the longest row runs out of memory; "
                              f"the batch finder: {found if found else 'not even batch 4'} fits"],
                       f"batch_size={found}" if found else "")
    if symptom == "memory_grab":
        return Verdict(FAIL, [held + " (memory growth off)"],
                       "tf.config.experimental.set_memory_growth(gpu, True)  # each GPU, before anything runs")
    return Verdict(PASS, [f"peak {_n(f.get('peak_mib'))} MiB at batch {f.get('batch_size')}; {held}"])


def _where(surfaced: str | None) -> str:
    if not surfaced:
        return "?"
    path, _, rest = surfaced.partition(":")
    path = path.split("site-packages/")[-1] if "site-packages/" in path else "/".join(path.split("/")[-3:])
    return f"{path}:{rest}"


def eager(f: dict[str, Any]) -> Verdict:
    """The chapter's run_eagerly=True: where a graph-mode step failed, the same step eagerly. Its fix is offered
    only where it explains the failure: the step passes eagerly (graph mode's own). Where it fails eagerly too, it
    says where the error was raised, as a place to look, not a fix."""
    if not (f.get("step_error") or f.get("step_crashed")):
        return Verdict(SKIP, ["no graph-mode error to explain"])
    if f.get("eager_passed"):
        return Verdict(FAIL, ["the step passes eagerly: the failure is graph mode's own"],
                       "model.compile(..., run_eagerly=True)  # while you look for it; or jit_compile=False")
    if not f.get("eager_error"):
        return Verdict(SKIP, ["not measured"])
    graph = (f.get("step_error") or {}).get("surfaced_at")
    return Verdict(FAIL, [f"eagerly: {f.get('eager_line')}", f"raised in {_where(f['eager_error'].get('surfaced_at'))}"
                          + (f" (in graph mode: {_where(graph)})" if graph else "")])


VERDICTS: dict[str, Callable[[dict[str, Any]], Verdict]] = {
    "columns": columns, "labels": labels, "labels_vs_text": labels_vs_text, "class_balance": class_balance,
    "example": example, "batches": batches, "token_ids": token_ids, "num_labels": num_labels,
    "loss_vs_outputs": loss_vs_outputs, "labels_and_loss": labels_and_loss, "initial_loss": initial_loss,
    "overfit": overfit, "learning_rate": learning_rate, "memory": memory, "eager": eager,
}
