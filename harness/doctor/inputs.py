"""Reading the user's files before anything runs: the data (a file that cannot be read, a split or a column that
is not there — named, with the ones that are), the model (a directory that does not load, no hub for a hub id),
and which columns are text and which is the label. Any of these is a `BadInput`: one line, exit 2.

Only configurations and tokenizers are loaded here, not TensorFlow: the model's weights load in the checkup's
own process, where a failure is said the same way.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.doctor.files import FileProblem, check_data_path
from harness.doctor.pipeline import UserPipeline

TF_WEIGHTS = ("tf_model.h5", "tf_model.h5.index.json")


class BadInput(ValueError):
    """The user's files or description cannot be examined: said in one line."""


@dataclass(frozen=True)
class Resolved:
    """The columns the checkup uses, as found in the data."""

    label: str
    text: tuple[str, ...]      # the columns tokenized (or, with `input_ids` already there, the text columns)
    pretokenized: bool         # the data holds input_ids: the user's own tokenization is checked as it is
    columns: tuple[str, ...]
    rows: int
    other_labels: dict[str, str] = field(default_factory=dict)  # another label-like column -> its type, unused
    empty_columns: tuple[str, ...] = ()  # columns with no value in any row (a text column there, left out)

    def facts(self) -> dict[str, Any]:
        """What reading the data told, as facts the report says on the lines they concern."""
        return {"label_column": self.label, "other_label_columns": dict(self.other_labels),
                "empty_columns": list(self.empty_columns)}


def _quiet_hub_clients() -> None:
    # the hub clients log each failed request before raising; our one line says it better. datasets sets its
    # logger's level when imported, so it is imported first (set before, the level was undone)
    import datasets

    for name in ("huggingface_hub", "datasets", "transformers", "fsspec"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    datasets.disable_progress_bars()  # reading a file is not news on the doctor's terminal


def check_model(p: UserPipeline) -> None:
    """The model's configuration, tokenizer and TensorFlow weights are there (or the embedded model is asked)."""
    from harness.train.model import ModelUnavailable, load_tokenizer, missing_directory

    if p.model == "embedded":
        return
    missing = missing_directory("model", p.model)
    if missing:
        raise BadInput(missing)
    path = Path(p.model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise BadInput(f"model directory {p.model} has no config.json: save it with model.save_pretrained(dir)")
        if not any((path / name).is_file() for name in TF_WEIGHTS):
            raise BadInput(f"model directory {p.model} has no TensorFlow weights ({TF_WEIGHTS[0]}): save the TF "
                           f"model with model.save_pretrained(dir)")
    try:
        from transformers import AutoConfig

        AutoConfig.from_pretrained(p.model)
        load_tokenizer(p.model)
    except ModelUnavailable as exc:
        raise BadInput(str(exc)) from None
    except Exception as exc:  # AutoConfig's own errors: a malformed config.json, no hub for a hub id
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BadInput(f"cannot load model {p.model!r} ({type(exc).__name__}: {first[:200]})") from None


def _split(p: UserPipeline):
    from harness.train.data import DataUnavailable, load_data
    from harness.train.model import missing_directory

    try:
        check_data_path(p.data)  # no such file, empty, header only, line N not JSON: plain words first
    except FileProblem as exc:
        raise BadInput(str(exc)) from None
    missing = missing_directory("data", p.data)
    if missing:
        raise BadInput(missing)
    try:
        raw = load_data(p.data)
    except DataUnavailable as exc:
        raise BadInput(str(exc)) from None
    if not isinstance(raw, dict):
        return raw
    if p.split not in raw:
        raise BadInput(f"data {p.data} has no split {p.split!r} (splits: {', '.join(raw)}); name one with --split")
    return raw[p.split]


def _label(p: UserPipeline, columns: list[str]) -> str:
    if p.label:
        if p.label in columns:
            return p.label
        hint = ""
        if p.label == "labels" and "label" in columns:  # the chapter's own to_tf_dataset(columns=[..., "labels"])
            hint = " (the chapter's 'labels' is what DataCollatorWithPadding renames 'label' to: --label label)"
        raise BadInput(f"label column {p.label!r} is not in the data (columns: {', '.join(columns)}){hint}")
    for name in ("label", "labels"):
        if name in columns:
            return name
    raise BadInput(f"no label column 'label' or 'labels' in the data (columns: {', '.join(columns)}); "
                   f"name it with --label")


def _text(p: UserPipeline, split, label: str) -> tuple[str, ...]:
    columns = list(split.column_names)
    for name in p.text:
        if name not in columns:
            raise BadInput(f"text column {name!r} is not in the data (columns: {', '.join(columns)})")
    empty = _empty_columns(split)  # a text column with nothing in it is left out (and said on the example line)
    strings = tuple(c for c, f in split.features.items()
                    if c != label and c not in empty and getattr(f, "dtype", None) in ("string", "large_string"))
    text = p.text or strings
    if "input_ids" in columns:
        return text
    if not text:
        raise BadInput(f"no text column in the data (columns: {', '.join(columns)}); name them with --text")
    if len(text) > 2:
        raise BadInput(f"{len(text)} text columns ({', '.join(text)}): name a text and at most a text pair with "
                       f"--text")
    return text


def resolve(p: UserPipeline) -> Resolved:
    """Check the model and the data the way the checkup will load them; the columns it will use."""
    _quiet_hub_clients()
    check_model(p)
    split = _split(p)
    if len(split) == 0:
        raise BadInput(f"data {p.data} has 0 rows" + (f" in split {p.split!r}" if p.split != "train" else ""))
    columns = list(split.column_names)
    label = _label(p, columns)
    return Resolved(label, _text(p, split, label), "input_ids" in columns, tuple(columns), len(split),
                    _other_labels(split, label), _empty_columns(split))


def _other_labels(split, label: str) -> dict[str, str]:
    """The label-like columns besides the one used: `label` and `labels` both there is a choice to say aloud."""
    return {c: str(getattr(split.features[c], "dtype", type(split.features[c]).__name__))
            for c in ("label", "labels") if c in split.column_names and c != label}


def _empty_columns(split) -> tuple[str, ...]:
    """Columns without a value in any of the first rows (CSV's empty cells are None; blank strings count too)."""
    head = split.select(range(min(len(split), 200)))
    return tuple(c for c in head.column_names
                 if all(v is None or (isinstance(v, str) and not v.strip()) for v in head[c]))
