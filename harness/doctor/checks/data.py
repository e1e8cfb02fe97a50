"""How the doctor judges the data checks (harness/spec/checks.py: columns, labels, class_balance, example,
labels_vs_text, batches, token_ids), each registered with `@judges`: from the facts alone, ✓ / ✗ / – with the
evidence a reader can check (a decoded example, label ranges, token counts), and for a problem no case of the
catalog knows, a fix of the check's own. A catalogued bug adds its case's fix (harness/doctor/signs.py).
"""
from __future__ import annotations

from typing import Any

from harness.doctor.judgement import FAIL, PASS, SKIP, Judgement, n as _n
from harness.spec.checks import judges

COLLATOR = 'to_tf_dataset(..., collate_fn=DataCollatorWithPadding(tokenizer, return_tensors="np"))'


@judges("columns")
def columns(f: dict[str, Any]) -> Judgement:
    if "batch_keys" not in f:
        return Judgement(SKIP, ["no batch to look at"])
    accepted = f.get("accepted_inputs")
    takes = "any keyword" if accepted is None else ", ".join(accepted)
    if accepted is not None and not f.get("n_unexpected_inputs"):
        takes = "them all"
    evidence = [f"the batch holds {', '.join(f['batch_keys'])}; the model's call takes {takes}"]
    if f.get("n_unexpected_inputs"):
        keep = [k for k in f["batch_keys"] if k not in f["unexpected_inputs"]]
        return Judgement(FAIL, evidence + [f"not taken by the model: {', '.join(f['unexpected_inputs'])}"],
                         f"to_tf_dataset(columns={keep}, ...)")
    if f.get("n_missing_inputs"):
        return Judgement(FAIL, evidence + [f"missing: {', '.join(f['missing_inputs'])}"],
                         "tokenized = dataset.map(lambda ex: tokenizer(ex['text'], truncation=True), batched=True)")
    return Judgement(PASS, evidence)


@judges("labels")
def labels(f: dict[str, Any]) -> Judgement:
    kind, column = f.get("label_kind"), f.get("label_column", "label")
    if kind is None:
        return Judgement(SKIP, ["no rows to look at"])
    if kind == "missing":
        return Judgement(FAIL, ["the batches carry no labels"], "to_tf_dataset(..., label_cols=['labels'])")
    if kind == "string":
        return _labels_as_text(f, column)
    if kind == "float":
        return Judgement(FAIL, [f"column {column} holds fractional numbers ({_n(f.get('label_min'))} to "
                                f"{_n(f.get('label_max'))}), not class ids"],
                         f"dataset = dataset.cast_column('{column}', Value('int64'))  # if they are ids")
    evidence = [f"integer ids {f['label_min']} to {f['label_max']} in column {column}, {f.get('n_rows')} rows"
                + _also(f)]
    if f["label_min"] < 0:
        return _negative_labels(f, column, evidence)
    if f.get("classes_present") == 1:
        return Judgement(FAIL, evidence + [f"every row is class {f['label_min']}: there is nothing to tell apart (a "
                                           f"file sorted by label, cut before the other classes?)"],
                         "dataset = dataset.shuffle(seed=0).select(range(n))  # rows from every class")
    outputs = f.get("num_labels")
    if f["label_min"] == 1 and not f.get("ids_absent", [0])[1:] and outputs == f["label_max"]:
        # ids 1..K and a head of K outputs (0..K-1): counted from 1, the last class has no output
        return Judgement(FAIL, evidence + [f"no row has id 0: the ids count from 1, the model's {outputs} outputs "
                                           f"from 0"],
                         f"dataset = dataset.map(lambda ex: {{'{column}': ex['{column}'] - 1}})")
    return Judgement(PASS, evidence)


def _also(f: dict[str, Any]) -> str:
    """The other label-like column, said where the choice was made."""
    other = f.get("other_label_columns") or {}
    return "".join(f"; column {c} ({kind}) is there too, unused: --label {c} to use it" for c, kind in other.items())


def _labels_as_text(f: dict[str, Any], column: str) -> Judgement:
    names = f.get("label_names", [])
    if f.get("label_names_numeric"):
        return Judgement(FAIL, [f"column {column} holds numbers written as text: {', '.join(map(repr, names[:6]))}"
                                + _also(f)], f"dataset = dataset.cast_column('{column}', Value('int64'))")
    return Judgement(FAIL, [f"column {column} holds strings, not class ids: {', '.join(names[:6])}" + _also(f)],
                     f"dataset = dataset.cast_column('{column}', ClassLabel(names={names}))")


def _negative_labels(f: dict[str, Any], column: str, evidence: list[str]) -> Judgement:
    negative, rows = f.get("negative_labels") or [], f.get("rows_negative") or 0
    if negative == [-1] and rows == f.get("n_rows"):
        return Judgement(FAIL, evidence + ["every label is -1: this split has no labels (GLUE's test splits hide "
                                           "theirs as -1)"],
                         "train on a split with labels: load_dataset(...)['train'] (or 'validation')")
    if negative == [-1]:
        return Judgement(FAIL, evidence + [f"{rows} rows are -1: no label (unlabelled rows mixed in)"],
                         f"dataset = dataset.filter(lambda ex: ex['{column}'] != -1)")
    return Judgement(FAIL, evidence + [f"negative ids ({', '.join(map(str, negative))}): a classifier's labels "
                                       f"run from 0"],
                     f"dataset = dataset.map(lambda ex: {{'{column}': ex['{column}'] - {f['label_min']}}})")


@judges("labels_vs_text")
def labels_vs_text(f: dict[str, Any]) -> Judgement:
    follows = f.get("labels_follow_inputs")
    if "baseline_accuracy" not in f:
        return Judgement(SKIP, ["too few rows or classes to tell"])
    evidence = [f"a bag-of-tokens baseline predicts {f.get('baseline_rows')} held-out labels at "
                f"{f['baseline_accuracy']:.2f} (chance {f['chance_accuracy']:.2f})"]
    if follows:
        return Judgement(PASS, evidence)
    if follows is None:
        return Judgement(SKIP, evidence + ["too close to chance to tell"])
    return Judgement(FAIL, evidence + ["the inputs do not predict the labels: labels moved against their text, or "
                                       "the text that decides them is not in the inputs"],
                     "keep each label with its row: shuffle rows (dataset.shuffle(seed=0)), never a label column alone")


@judges("class_balance")
def class_balance(f: dict[str, Any]) -> Judgement:
    histogram = f.get("label_histogram")
    if not histogram:
        return Judgement(SKIP, ["no class labels to count"])
    shown = " · ".join(f"{k}: {v}" for k, v in list(histogram.items())[:10])
    if f["majority_fraction"] >= 0.9:
        share = f["majority_fraction"]
        return Judgement(FAIL, [shown, f"one class is {share:.0%} of the rows: always predicting it scores "
                                       f"{share:.2f}"],
                         "model.fit(..., class_weight={class id: weight, ...})  # or resample the rare classes")
    return Judgement(PASS, [shown])


@judges("example")
def example(f: dict[str, Any]) -> Judgement:
    missing = f.get("rows_without_text") or {}
    if missing:  # found before tokenizing: the user's map would raise TypeError (TextEncodeInput must be ...)
        said = ", ".join(f"{n} in {c}" for c, n in missing.items())
        keep = " and ".join(f"ex['{c}'] is not None" for c in missing)
        return Judgement(FAIL, [f"rows with no text ({said}): the tokenizer raises TypeError (TextEncodeInput must "
                                f"be ...) on them; the checks below ran without them"],
                         f"dataset = dataset.filter(lambda ex: {keep})")
    shown = f.get("first_example_decoded") or f.get("first_example_ids")
    if shown is None:
        return Judgement(SKIP, ["no batch to decode"])
    empty = f.get("empty_columns") or []
    evidence = [f"{shown!r} → {f.get('first_example_label')!r}"] + \
        [f"column {c} is empty in every row: not used as text" for c in empty]
    if f.get("truncated_text_columns"):
        cut, n = ", ".join(f["truncated_text_columns"]), len(f["truncated_text_columns"])
        said = f"text column {cut} is" if n == 1 else f"text columns {cut} are"
        return Judgement(FAIL, evidence + [f"{said} cut out of the inputs by truncation (there before truncating)"],
                         _truncation_fix(f))
    if f.get("n_unused_text_columns"):
        unused = ", ".join(f["unused_text_columns"])
        return Judgement(FAIL, evidence + [f"text column {unused} is not in the inputs"],
                         f"tokenizer({f.get('text_args')}, truncation=True)")
    if "first_example_decoded" not in f:
        return Judgement(SKIP, evidence + ["no tokenizer to decode with"])
    return Judgement(PASS, evidence)


@judges("batches")
def batches(f: dict[str, Any]) -> Judgement:
    if f.get("batch_error"):
        ran = " (the checks below ran on padded batches)" if f.get("batch_shape") else ""
        return Judgement(FAIL, [f"building a batch fails: {f.get('batch_line')}{ran}"], COLLATOR)
    if not f.get("batch_shape"):
        return Judgement(SKIP, ["no batch"])
    shape = " × ".join(map(str, f["batch_shape"]))
    return Judgement(PASS, [f"{shape}" + (", padded" if f.get("padded") else "")])


TRUNCATION_CUT = 0.3  # truncation that drops this share of all tokens leaves the model a fraction of the text


@judges("token_ids")
def token_ids(f: dict[str, Any]) -> Judgement:
    if f.get("max_token_id") is None:
        return Judgement(SKIP, ["no token ids"])
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
        return Judgement(FAIL, evidence + [f"{f['rows_beyond_positions']} rows are longer than the positions"],
                         f"tokenizer(..., truncation=True, max_length={positions})")
    if (f.get("tokens_cut_fraction") or 0) >= TRUNCATION_CUT:
        return Judgement(FAIL, evidence + ["truncation cuts away most of the text the labels were given for"],
                         _truncation_fix(f))
    return Judgement(PASS, evidence)


def _truncation_fix(f: dict[str, Any]) -> str:
    wanted, positions = f.get("tokens_p95_before"), f.get("max_positions")
    if wanted and (not positions or wanted <= positions):
        return f"tokenizer(..., truncation=True, max_length={wanted})  # 95 % of the rows whole"
    return "split long texts into chunks of the model's length (or a model with more positions)"


def _ids_beyond(f: dict[str, Any], evidence: list[str], rows: int | None) -> Judgement:
    said = f"{f['ids_beyond_embedding']} rows hold ids past the embedding"
    size = f.get("tokenizer_size")
    if size and rows and size > rows and not f.get("pretokenized"):
        return Judgement(FAIL, evidence + [f"{said}: the tokenizer has {size} tokens, the embedding {rows} rows "
                                           f"(tokens added, the embeddings not resized)"],
                         "model.resize_token_embeddings(len(tokenizer))  # after add_tokens, before training")
    where = "the data's input_ids were made by another tokenizer" if f.get("pretokenized") else \
        "the tokenizer is not the model's"
    return Judgement(FAIL, evidence + [f"{said}: {where}"],
                     "tokenizer = AutoTokenizer.from_pretrained(checkpoint)  # the model's own; tokenize again")
