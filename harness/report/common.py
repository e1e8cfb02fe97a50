"""What every report section shares: the block and section shapes, the context a section is built from (the
records, per file and together, the output folder, and the cases' specs, which say which sections each case
feeds), and the small helpers sections use to summarise repeats.

A section is a module in harness/report/sections/ with one function, `build(ctx) -> (title, blocks)`. A block
is a dict: {"kind": "p" | "h3" | "pre", "text"}, {"kind": "img", "src", "alt"}, {"kind": "table", "df",
["css"], ["titles"], ["index"]} or {"kind": "side", "blocks"}; harness/report/render.py turns them into HTML
and Markdown.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window: set before pyplot is imported anywhere in the report

from harness.results.fmt import number  # noqa: E402
from harness.results.records import RunRecord  # noqa: E402
from harness.spec import Case  # noqa: E402

Block = dict[str, Any]
Section = tuple[str, list[Block]]


@dataclass
class Context:
    paths: list[Path]
    by_file: dict[Path, list[RunRecord]]   # ratios are only fair within one run: sections that need it read this
    out: Path
    cases: dict[str, Case] = field(default_factory=dict)   # the specs known to this fitbench, by id

    @property
    def records(self) -> list[RunRecord]:
        return [r for records in self.by_file.values() for r in records]

    def feeding(self, section: str) -> list[Case]:
        """The cases that ask for `section` (harness.spec.case.SECTIONS), in the suite's order."""
        return [c for c in self.cases.values() if section in c.sections]

    def order(self, case_id: str, variant: str) -> tuple[int, int, str]:
        """The suite's order of cases and the spec's order of variants; unknown ones last, by name."""
        ids = list(self.cases)
        if case_id not in self.cases:
            return len(ids), 0, f"{case_id}:{variant}"
        names = [v.name for v in self.cases[case_id].variants]
        return ids.index(case_id), names.index(variant) if variant in names else len(names), variant


def median(values: list[Any]) -> float | None:
    found = [x for x in map(number, values) if x is not None]
    return statistics.median(found) if found else None


def metric(group: list[RunRecord], name: str) -> float | None:
    """The median of a metric over a group of repeats; None where no repeat measured it."""
    return median([r.metrics.get(name) for r in group])


def short_env(key: str) -> str:
    """'TF 2.21.0 · tf-keras 2.21.0 · transformers 4.57.6 · cpu' -> 'TF 2.21.0 / tr 4.57.6 / cpu' for legends."""
    parts = key.split(" · ")
    return f"{parts[0]} / tr {parts[2].split()[-1]} / {' · '.join(parts[3:])}" if len(parts) >= 4 else key
