"""What several commands share: bad input as one line (UsageError), and the checks made before anything runs
or is written: the --cases selection, the results path, the model and data."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit 2."""


def positive_seconds(text: str) -> float:
    """argparse type of --timeout: a finite number of seconds above zero (0 or -1 would time out every run)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


def jobs_value(text: str) -> int | str:
    """argparse type of --jobs: "auto" or a whole number >= 1."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 or 'auto', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 or 'auto', got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type of counts such as --n-train: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def check_out_path(path: Path) -> None:
    """Fail before anything runs when the results file cannot be written: a directory, a parent that is a file,
    a folder that cannot be created or written. The file itself is not created here (JsonlWriter creates it with
    the first record), so a check that passes leaves nothing behind; a probe file is made and removed instead."""
    import tempfile

    if path.is_dir():
        raise UsageError(f"--out {path} is a directory; name a results file, e.g. {path / 'run.jsonl'}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise UsageError(f"cannot write results file {path}: permission denied")
        return
    existing = next(p for p in [path.parent, *path.parent.parents] if p.exists())  # "/" or "." at worst
    if not existing.is_dir():
        raise UsageError(f"cannot write results file {path}: {existing} is not a directory")
    try:  # os.access says yes to root everywhere, even under /proc: only a real write tells
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as exc:
        raise UsageError(f"cannot write results file {path}: {exc.strerror or exc} ({existing})") from None


def check_results_out(path: Path, append: bool) -> None:
    """check_out_path, and what an existing file holds: records are appended to only when asked (`--append`);
    a file that is not fitbench records is never written to (a typo'd --out must not bury a run in a text file
    that no reader accepts afterwards). An empty file is nothing to lose."""
    from harness.results.reading import read_records
    from harness.results.records import CorruptResults

    check_out_path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        held = read_records([path], cut_tail=True)
    except CorruptResults as exc:
        detail = str(exc).removeprefix(f"{path}:")
        detail = f"line {detail}" if detail[:1].isdigit() else detail
        raise UsageError(f"--out {path} exists and is not a fitbench results file ({detail}); name a new "
                         f"results file") from None
    if not append:
        raise UsageError(f"--out {path} already holds {len(held)} fitbench record(s); pass --append to add this "
                         f"run's to them, or name a new file")


def parse_selection(spec: str) -> dict[str, list[str] | None] | None:
    """'all' | 'case,case:variant,...' → {case: [variants] or None}; unknown names are UsageErrors."""
    import cases

    if spec == "all":
        return None
    selection: dict[str, list[str] | None] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        case_id, _, variant = item.partition(":")
        try:
            case = cases.get(case_id)
            if variant:
                case.variant(variant)
        except KeyError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
        if variant:
            if selection.get(case_id, []) is not None:
                selection.setdefault(case_id, []).append(variant)
        else:
            selection[case_id] = None
    if not selection:
        raise UsageError("--cases is empty")
    return selection


def preflight(model: str, data: str) -> None:
    """Fail before any run (and before any results file exists) when the model or data cannot be had."""
    import logging

    from harness.train.data import EMBEDDED, DataUnavailable, load_data
    from harness.train.model import ModelUnavailable, load_tokenizer, missing_directory

    # the hub clients log each failed request before raising; our one line says it better
    for name in ("huggingface_hub", "datasets", "transformers", "fsspec"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    for kind, name in (("model", model), ("data", data)):
        missing = missing_directory(kind, name)
        if missing:  # said before any library gets to call the path a malformed hub id
            raise UsageError(missing)
    try:
        if data != EMBEDDED:
            load_data(data)
        if model != EMBEDDED:
            load_tokenizer(model)
    except (DataUnavailable, ModelUnavailable) as exc:
        raise UsageError(str(exc)) from None
