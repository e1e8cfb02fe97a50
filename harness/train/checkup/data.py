"""The data checks' facts, from what the pipeline feeds the model: every examined row's token ids and label, the
first batch, and the text columns the data holds. numpy only: the same functions run in the doctor's worker on a
user's files and in a notebook on a tf.data dataset's batches.

The chapter's "check your data": are the labels there, integer ids, spread over the classes; does a decoded
example show what the model should see (every text column, not one of two); do the labels follow the inputs at
all (a bag-of-tokens baseline on held-out rows, which cannot beat chance when labels were shuffled against the
text); do the token ids fit the model's embedding and positions.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

MIN_ROWS_FOR_BASELINE = 100   # below this a held-out accuracy says too little to call labels shuffled
SEARCH_ROWS = 50              # rows searched for each text column in the inputs
MAJORITY_LEAVES_NO_ROOM = 0.9  # a held-out majority share this high leaves a baseline nothing to show
WORDS_FOR_TEXT = 3            # a string column whose rows average fewer words is a name or an id, not text


def label_facts(labels: list, names: list[str] | None) -> dict[str, Any]:
    """What the labels are: kind (int / float / string / missing), range, classes, and how they spread."""
    present = [x for x in labels if x is not None]
    if not present:
        return {"label_kind": "missing"}
    values = np.asarray([x.decode() if isinstance(x, bytes) else x for x in present])
    if values.dtype.kind in "USO":
        counts = Counter(str(x) for x in values)
        # "0" / "1" from a JSON that quoted its numbers: ids written as text, not class names
        numeric = all(name.strip().lstrip("-").isdigit() for name in counts)
        return {"label_kind": "string", "label_names": sorted(counts)[:50], "n_classes": len(counts),
                "classes_present": len(counts), "label_names_numeric": numeric, **_spread(counts)}
    kind = "float" if values.dtype.kind == "f" else "int"
    if kind == "float" and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        kind = "int"  # 0.0 / 1.0 from a CSV: ids all the same once cast
    ints = values.astype(np.int64) if kind == "int" else None
    out: dict[str, Any] = {"label_kind": kind, "label_min": float(values.min()), "label_max": float(values.max())}
    if ints is not None:
        counts = Counter(int(x) for x in ints)
        negative = sorted(k for k in counts if k < 0)
        out.update(label_min=int(ints.min()), label_max=int(ints.max()), classes_present=len(counts),
                   n_classes=int(ints.max()) + 1 if ints.min() >= 0 else len(counts), **_spread(counts),
                   rows_negative=sum(counts[k] for k in negative), negative_labels=negative[:5],
                   ids_absent=[i for i in range(max(int(ints.max()) + 1, 0)) if i not in counts][:20])
    if names:
        out["label_names"] = list(names)
    return out


def _spread(counts: Counter) -> dict[str, Any]:
    total = sum(counts.values())
    return {"label_histogram": {str(k): v for k, v in sorted(counts.items())},
            "majority_fraction": max(counts.values()) / total}


def class_ids(labels: list) -> np.ndarray | None:
    """Labels as ids 0..C-1 (strings by their sorted names); None where they are not class labels."""
    present = [x.decode() if isinstance(x, bytes) else x for x in labels]
    if not present or any(x is None for x in present):
        return None
    values = np.asarray(present)
    if values.dtype.kind in "USO":
        return np.unique(values.astype(str), return_inverse=True)[1]
    if values.dtype.kind == "f" and not np.all(values == np.round(values)):
        return None
    return np.unique(values.astype(np.int64), return_inverse=True)[1]


def baseline_facts(rows: list[list[int]], labels: list, seed: int = 0) -> dict[str, Any]:
    """Multinomial naive Bayes on bags of token ids, trained on 80 % of the rows, scored on the rest, against
    the majority class's share: labels that follow their text are predicted well above chance, labels shuffled
    against it are not. Too few rows or classes: cannot tell (None)."""
    ids = class_ids(labels)
    if ids is None or len(rows) < MIN_ROWS_FOR_BASELINE or len(set(ids.tolist())) < 2:
        return {"labels_follow_inputs": None}
    order = np.random.default_rng(seed).permutation(len(rows))
    cut = int(0.8 * len(rows))
    train, test = order[:cut], order[cut:]
    n_classes = int(ids.max()) + 1
    vocab = min(max((max(r) for r in rows if len(r)), default=0) + 1, 1 << 17)  # huge vocabularies share buckets
    counts = np.ones((n_classes, vocab))  # Laplace smoothing
    for i in train:
        np.add.at(counts[ids[i]], np.asarray(rows[i], dtype=np.int64) % vocab, 1)
    log_p = np.log(counts / counts.sum(axis=1, keepdims=True))
    prior = np.log(np.bincount(ids[train], minlength=n_classes) + 1.0)
    hits = sum(int(np.argmax(prior + log_p[:, np.asarray(rows[i], dtype=np.int64) % vocab].sum(axis=1)) == ids[i])
               for i in test)
    accuracy = hits / len(test)
    chance = float(np.bincount(ids[test], minlength=n_classes).max() / len(test))
    sigma = math.sqrt(chance * (1 - chance) / len(test))
    follows = True if accuracy >= chance + max(0.05, 3 * sigma) else False if accuracy <= chance + 2 * sigma else None
    if chance >= MAJORITY_LEAVES_NO_ROOM and follows is False:
        follows = None  # always saying the majority already scores this: no room above chance to tell
    return {"labels_follow_inputs": follows, "baseline_accuracy": round(accuracy, 4),
            "chance_accuracy": round(chance, 4), "baseline_rows": len(test)}


def truncation_facts(before: list[int], after: list[int]) -> dict[str, Any]:
    """Tokens per row before and after truncation: the rows cut and the share of all tokens lost."""
    if not before:
        return {}
    cut = [b - a for b, a in zip(before, after)]
    return {"tokens_per_row_before": int(np.median(before)), "tokens_per_row_after": int(np.median(after)),
            "tokens_p95_before": int(math.ceil(np.percentile(before, 95) - 1e-9)),
            "rows_truncated": sum(c > 0 for c in cut),
            "truncated_fraction": round(sum(c > 0 for c in cut) / len(cut), 4),
            "tokens_cut_fraction": round(sum(cut) / max(sum(before), 1), 4)}


def text_columns(columns: dict[str, list]) -> dict[str, list[str]]:
    """The columns that hold text (strings of several words on average), from {name: first rows}."""
    out = {}
    for name, values in columns.items():
        strings = [v for v in values if isinstance(v, str)]
        if strings and len(strings) == len(values) and np.mean([len(s.split()) for s in strings]) >= WORDS_FOR_TEXT:
            out[name] = strings
    return out


def _contains(row: list[int], part: list[int]) -> bool:
    n = len(part)
    return n > 0 and any(row[i:i + n] == part for i in range(len(row) - n + 1))


def unused_text(rows: list[list[int]], texts: dict[str, list[str]], tokenizer) -> list[str]:
    """Text columns whose text is not in the inputs: a column counts as used where the first tokens of its text
    appear in at least half of the first rows (truncation may cut a column's end, never its start)."""
    unused = []
    for name, values in texts.items():
        n = min(len(values), len(rows), SEARCH_ROWS)
        found = 0
        for row, text in zip(rows[:n], values[:n]):
            part = tokenizer(text, add_special_tokens=False)["input_ids"][:4]
            found += _contains(list(row), list(part))
        if n and found < n / 2:
            unused.append(name)
    return unused


def example_facts(features: dict, labels, tokenizer, rows: list[list[int]], texts: dict[str, list[str]],
                  label_column: str = "label", untruncated: list[list[int]] | None = None) -> dict[str, Any]:
    """The chapter's `tokenizer.decode(batch["input_ids"][0])` and its label, and the text columns the inputs
    lack (with the tokenizer call that would pass them all) — apart from those truncation cut away, which the
    same rows without truncation hold (`truncated_text_columns`)."""
    ids = np.asarray(features.get("input_ids", []))
    out: dict[str, Any] = {"text_columns": list(texts)}
    if ids.ndim == 2 and len(ids):
        mask = np.asarray(features.get("attention_mask", np.ones_like(ids)))
        first = ids[0][mask[0].astype(bool)] if mask.shape == ids.shape else ids[0]
        out["first_example_ids"] = first.tolist()[:64]
        if tokenizer is not None:
            out["first_example_decoded"] = tokenizer.decode(first.tolist(), skip_special_tokens=False)
    if labels is not None and len(np.asarray(labels).reshape(-1)):
        first_label = np.asarray(labels).reshape(-1)[0]
        first_label = first_label.item() if hasattr(first_label, "item") else first_label
        out["first_example_label"] = first_label.decode() if isinstance(first_label, bytes) else first_label
    if tokenizer is None or not texts:
        return out
    unused = unused_text(rows, texts, tokenizer)
    cut = [c for c in unused if untruncated and c not in unused_text(untruncated, {c: texts[c]}, tokenizer)]
    unused = [c for c in unused if c not in cut]
    order = [c for c in texts if c not in unused] + unused
    out.update(unused_text_columns=unused, n_unused_text_columns=len(unused), truncated_text_columns=cut,
               text_args=", ".join(f'examples["{c}"]' for c in order[:2]))
    return out


def id_facts(rows: list[list[int]], embedding_rows: int | None, max_positions: int | None) -> dict[str, Any]:
    """Token ids against the embedding's rows, and row lengths against the position embeddings."""
    lengths = [len(r) for r in rows]
    out: dict[str, Any] = {"max_token_id": max((max(r) for r in rows if len(r)), default=None),
                           "longest_row": max(lengths, default=0), "embedding_rows": embedding_rows,
                           "max_positions": max_positions}
    if embedding_rows:
        out["ids_beyond_embedding"] = sum(1 for r in rows if len(r) and max(r) >= embedding_rows)
    if max_positions:
        out["rows_beyond_positions"] = sum(1 for n in lengths if n > max_positions)
    return out


def input_facts(features: dict, accepted: list[str] | None, required: list[str]) -> dict[str, Any]:
    """The batch's keys against what the model's call takes (None: it takes any keyword)."""
    keys = sorted(features)
    unexpected = [] if accepted is None else [k for k in keys if k not in accepted]
    missing = [k for k in required if k not in features]
    return {"batch_keys": keys, "accepted_inputs": accepted, "unexpected_inputs": unexpected,
            "n_unexpected_inputs": len(unexpected), "missing_inputs": missing, "n_missing_inputs": len(missing)}
