"""Reading results files back — the one reader of records: fitbench's own JSON lines, and asv's results files
(through harness/results/asv_results.py, given the case registry)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from harness.results.asv_results import asv_file_records
from harness.results.records import CorruptResults, NewerSchema, RunRecord


def read_records(paths: Iterable[Path], cut_tail: bool = False, registry: Any = None) -> list[RunRecord]:
    """The records of results files — the one reader of records. A fitbench results file (JSON lines) is read
    whole, or CorruptResults names the file and the line. `cut_tail`: the file of a suite that was killed may end
    in a half-written line, which is then dropped (only the last one). An asv results file
    (`<commit>-<env>.json`, the tracks of benchmarks/benchmarks.py) is read back into records where the case
    `registry` is given (harness/results/asv_results.py); without it, it is a CorruptResults saying so. Records
    of an older schema come back migrated to the current one (harness/results/migrate.py)."""
    records: list[RunRecord] = []
    for path in map(Path, paths):
        if path.suffix == ".json":
            records += asv_file_records(path, registry)
            continue
        if not path.is_file():
            raise CorruptResults(f"{path}: no such results file")
        try:
            with open(path, "rb") as f:  # bytes: an undecodable line is named by number, like any other
                lines = f.read().split(b"\n")
        except OSError as exc:
            raise CorruptResults(f"{path}: cannot read ({exc.strerror or exc})") from None
        if cut_tail and lines and lines[-1].strip():
            lines = lines[:-1]  # no newline after it: the writer was killed in the middle of that record
        records += _parse(path, lines)
    return records


def _parse(path: Path, lines: list[bytes]) -> list[RunRecord]:
    out = []
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            out.append(RunRecord.from_dict(json.loads(raw.decode("utf-8"))))
        except UnicodeDecodeError:
            raise CorruptResults(f"{path}:{n}: not a fitbench record (not UTF-8 text)") from None
        except NewerSchema as exc:
            raise CorruptResults(f"{path}:{n}: {exc}") from None
        except (json.JSONDecodeError, TypeError, ValueError) as exc:
            raise CorruptResults(f"{path}:{n}: not a fitbench record ({exc})") from None
    return out
