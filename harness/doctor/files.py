"""A data file's shape, read before `datasets` reads it: a file that is not there, an empty one, a CSV with a
header and no rows, a JSON lines file whose line N is not JSON, a Parquet file that is not Parquet or has no
rows. Each is one plain line (a `BadInput`, exit 2); `datasets` would say "An error occurred while generating the
dataset" or `Instruction "train" corresponds to no data!`, and log a line of its own first.

Only the start of a large file is read: the first rows say whether there are any, and a JSON lines file is read
line by line up to its first bad line.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from harness.train.data import EMBEDDED, FILE_FORMATS

DATA_SUFFIXES = tuple(FILE_FORMATS)
JSON_LINES_READ = 100_000   # lines of a JSON lines file checked before trusting the rest


class FileProblem(ValueError):
    """The data file cannot be examined: said in one line."""


def _is_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or Path(source).suffix.lower() in DATA_SUFFIXES


def check_data_path(source: str) -> None:
    """Raise FileProblem where `source` names a data file or folder that cannot hold rows."""
    if source == EMBEDDED or not _is_path(source):
        return  # a hub id: the loader says what is wrong with it
    path = Path(source).expanduser()
    if not path.exists():
        kind = "file" if path.suffix.lower() in DATA_SUFFIXES else "file or folder"
        raise FileProblem(f"no such {kind}: {source}")
    if path.is_dir():
        return  # a save_to_disk folder: its row count is checked once loaded
    if path.stat().st_size == 0:
        raise FileProblem(f"{source} is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        _check_csv(path, source, "\t" if suffix == ".tsv" else ",")
    elif suffix in (".json", ".jsonl"):
        _check_json(path, source)
    elif suffix == ".parquet":
        _check_parquet(path, source)


def _check_csv(path: Path, source: str, delimiter: str) -> None:
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = csv.reader(f, delimiter=delimiter)
        header = next((r for r in rows if any(cell.strip() for cell in r)), None)
        if header is None:
            raise FileProblem(f"{source} is empty (only blank lines)")
        if next((r for r in rows if any(cell.strip() for cell in r)), None) is None:
            raise FileProblem(f"{source} has a header ({', '.join(header)}) and 0 rows")


def _check_json(path: Path, source: str) -> None:
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.read(1 << 16).lstrip()
    if not first:
        raise FileProblem(f"{source} is empty (only whitespace)")
    if first.startswith("["):  # one JSON document: a list of records
        try:
            records = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except json.JSONDecodeError as exc:
            raise FileProblem(f"{source} line {exc.lineno} is not JSON ({exc.msg})") from None
        if not records:
            raise FileProblem(f"{source} holds an empty list: 0 rows")
        return
    rows = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if number > JSON_LINES_READ:
                break
            if not line.strip():
                continue
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                if rows == 0 and _one_document(path):
                    return  # a pretty-printed JSON object: datasets reads its records field
                raise FileProblem(f"{source} line {number} is not JSON ({exc.msg}): {line.strip()[:60]}") from None
            rows += 1


def _one_document(path: Path) -> bool:
    try:
        return isinstance(json.loads(path.read_text(encoding="utf-8", errors="replace")), dict)
    except json.JSONDecodeError:
        return False


def _check_parquet(path: Path, source: str) -> None:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_metadata(str(path)).num_rows
    except Exception as exc:  # pyarrow's ArrowInvalid and friends: the bytes are not a Parquet file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise FileProblem(f"{source} is not a Parquet file ({first[:120]})") from None
    if rows == 0:
        raise FileProblem(f"{source} has 0 rows")
