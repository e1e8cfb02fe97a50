"""What every report section shares: the block and section shapes, the context a section is built from (the
records, per file and together, the output folder, the cases' specs, which say which sections each case feeds,
the report's columns and the page the blocks land on), and the small helpers sections use to summarise repeats
and name environments.

A section is built from a Context into `(title, blocks)` (or `(title, blocks, anchor)`). A block is a dict:
{"kind": "p" | "h3" | "pre", "text"}, {"kind": "img", "src", "alt"}, {"kind": "links", "items": [(text,
target)]}, {"kind": "table", "df", ["css"], ["titles"], ["links"], ["index"], ["row_ids"], ["index_links"]} or
{"kind": "side", "blocks"}. A link target is "page#anchor" (a page of this report, without its extension) or
"#anchor"; harness/report/render.py turns it into the HTML or Markdown file's own link.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window: set before pyplot is imported anywhere in the report

from harness.report.columns import columns  # noqa: E402
from harness.report.names import short_env, short_hardware  # noqa: E402,F401  (the sections' names for columns)
from harness.results.fmt import number  # noqa: E402
from harness.results.records import RunRecord  # noqa: E402
from harness.spec import Case  # noqa: E402

Block = dict[str, Any]
Section = tuple[Any, ...]  # (title, blocks) or (title, blocks, anchor)
FRONT = "index"            # the front page's name among the report's pages


@dataclass
class Context:
    paths: list[Path]
    by_file: dict[Path, list[RunRecord]]   # ratios are only fair within one run: sections that need it read this
    out: Path
    cases: dict[str, Case] = field(default_factory=dict)   # the specs known to this fitbench, by id
    columns: list[Any] = field(default_factory=list)       # harness.report.columns.Column, for the whole report
    page: str = FRONT                                       # the page these blocks are for
    single: bool = False                                    # one case only: its sections are on the front page
    # warnings printed by earlier reports in the output folder (None: none before) and when the last was made:
    # read by write_report before rendering (harness/report/warnings.py), so that rendering writes nothing
    warnings_seen: frozenset[str] | None = None
    warnings_since: str = ""

    def __post_init__(self) -> None:
        if not self.columns:  # a context made by hand (tests, a section alone): its own records' columns
            self.columns = columns(self.records)

    @property
    def records(self) -> list[RunRecord]:
        return [r for records in self.by_file.values() for r in records]

    def order(self, case_id: str, variant: str) -> tuple[int, int, str]:
        """The suite's order of cases and the spec's order of variants; unknown ones last, by name."""
        ids = list(self.cases)
        if case_id not in self.cases:
            return len(ids), 0, f"{case_id}:{variant}"
        names = [v.name for v in self.cases[case_id].variants]
        return ids.index(case_id), names.index(variant) if variant in names else len(names), variant

    def case_ids(self) -> list[str]:
        """The cases these records hold, in the suite's order (unknown ones last, by name)."""
        return sorted({r.case for r in self.records}, key=lambda c: self.order(c, "")[:1] + (c,))

    def subset(self, case_id: str) -> "Context":
        """The same report restricted to one case's records: what its page is built from."""
        by_file = {p: [r for r in rs if r.case == case_id] for p, rs in self.by_file.items()}
        return replace(self, by_file={p: rs for p, rs in by_file.items() if rs}, page=self.case_page(case_id))

    def case_page(self, case_id: str) -> str:
        return FRONT if self.single else f"case-{slug(case_id)}"

    def column(self, key: str) -> Any:
        return next(c for c in self.columns if c.key == key)

    def env_titles(self, lines: int = 1) -> dict[str, str]:
        """{env key: "E3 · TF … · hardware"}, in column order: panel titles, legends and table cells that name an
        environment whole."""
        return {c.key: f"{c.label} · {short_env(c.key, lines)}" for c in self.columns}


def slug(text: str) -> str:
    """An anchor or file name made of [a-z0-9_-] only: safe in a URL, an HTML id and a Markdown link."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "x"


def record_anchor(variant: str, label: str) -> str:
    """The anchor of one (variant, environment) on its case's page: where a matrix cell links to."""
    return f"r-{slug(variant)}-{label.lower()}"


def median(values: list[Any]) -> float | None:
    found = [x for x in map(number, values) if x is not None]
    return statistics.median(found) if found else None


def metric(group: list[RunRecord], name: str) -> float | None:
    """The median of a metric over a group of repeats; None where no repeat measured it."""
    return median([r.metrics.get(name) for r in group])


SINGLE_RUN = ("Timings of one run each (repeats 1) are grey: on a shared machine two runs of the same variant differ "
              "by more than many of the differences between these rows, so a difference between single runs is not a "
              "measurement (`fitbench compare --confirm` re-measures; `--repeats` gives n and a spread).")


def muted(df: Any, timing: tuple[str, ...], repeats: str = "repeats") -> Any:
    """The css frame of a table whose `timing` columns are greyed ("muted") in rows measured once."""
    import pandas as pd

    once = df[repeats].astype(str) == "1" if repeats in df.columns else pd.Series(False, index=df.index)
    return pd.DataFrame({c: ["num muted" if (c in timing and one) else "" for one in once] for c in df.columns},
                        index=df.index)


def spread(values: list[Any], spec: str = "{:.3f}") -> str:
    """'0.556' for one value, '0.556 (0.531–0.602, n=3)' for several: the median, the range and n."""
    found = sorted(x for x in map(number, values) if x is not None)
    if not found:
        return "–"
    mid = spec.format(statistics.median(found))
    return mid if len(found) == 1 else f"{mid} ({spec.format(found[0])}–{spec.format(found[-1])}, n={len(found)})"
