"""The report's input: fitbench results files (JSON lines) and asv results files
(`results/asv/<machine>/<commit>-<env>.json`, the tracks of benchmarks/benchmarks.py), each read into records by
the one reader of records (harness/results/reading.read_records; asv's through harness/results/asv_results.py).

Everything is read and checked before the report writes anything: a corrupt file is one CorruptResults naming
the file (and the line), and leaves nothing behind. Records are kept per file, because ratios (a case's
variants to its baseline) are only fair within one run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.results.records import CorruptResults, RunRecord
from harness.results.reading import read_records


def load_files(paths: list[Path], registry: Any) -> dict[Path, list[RunRecord]]:
    """{file: its records}; the case `registry` reads asv results back."""
    by_file: dict[Path, list[RunRecord]] = {}
    for path in map(Path, paths):
        by_file[path] = by_file.get(path, []) + read_records([path], registry=registry)
    if not any(by_file.values()):
        raise CorruptResults(f"{', '.join(map(str, paths))}: no records")
    return by_file
