"""The report's one colour language: a cell's colour is its verdict, everywhere — the matrix, the case's symptom
grid (a picture), the timeline, the tallies, what changed. Green: the chapter's claim holds (a bug reproduces,
a fix works, a check passes) or, in what changed, a variant heals; red: it does not, or a variant breaks; amber:
repeats disagree, an expectation failed, or a variant fails differently; grey: not applicable, cannot run, not
run. The symptom is in the words of the cell, never in its colour. The HTML's CSS and the pictures take their
colours from COLOURS here.
"""
from __future__ import annotations

import pandas as pd

from harness.report.columns import cannot_run
from harness.results.errors import error_line
from harness.results.records import RunRecord

COLOURS = {"ok": "#cdeecd", "bad": "#f5c2c2", "warn": "#fbe6a6", "na": "#e6e6e6"}
KEY = "Colour = the verdict, in every table and picture of this report: "
LEGEND = (KEY + "✓ green: the chapter's claim holds (a bug reproduces, a fix works, a check passes) · ✗ red: it "
          "does not, with what was observed and what the chapter says · ~ amber: repeats disagree or a metric "
          "expectation failed · – grey: not applicable, cannot run in this environment, or not run. A cell links "
          "to its record's key numbers, error and notes; hover it for its error or notes.")


def verdict(group: list[RunRecord]) -> tuple[str, str]:
    """(mark, css class) of a group of repeats: what its colour is wherever it is drawn."""
    text, css, _ = cell(group)
    return text[0], css


def cell(group: list[RunRecord]) -> tuple[str, str, str]:
    """(text, css class, tooltip) of one matrix cell; the text alone carries the verdict (✓ / ✗ / ~ / –)."""
    first = group[0]
    seen = pd.Series([r.observed for r in group]).value_counts()
    times = f" ×{len(group)}" if len(group) > 1 else ""
    tip = "; ".join(dict.fromkeys(error_line(r) for r in group if r.error)) or "; ".join(first.notes)
    if first.outcome == "skipped":
        return f"– n/a on {first.device}", "na", first.notes[0] if first.notes else ""
    if all(cannot_run(r) for r in group):  # the environment (or this variant's needs) cannot run it: no verdict
        return "– cannot run here", "na", tip  # the why (an import error, unsupported) is the tooltip
    if len(seen) > 1:
        mix = ", ".join(f"{s} ×{n}" for s, n in seen.items())
        return f"~ repeats disagree: {mix} (chapter: {first.claim})", "warn", tip
    observed = first.observed
    if first.role == "fix":
        if all(r.fix_works for r in group):
            return f"✓ fix works{times}", "ok", tip
        return f"✗ fix fails: {observed} (chapter: {first.claim}){times}", "bad", tip
    if all(r.agrees for r in group):
        verb = "bug reproduces: " if first.role == "broken" else ""
        return f"✓ {verb}{observed}{times}", "ok", tip
    if observed == first.claim:
        failed = [n.removeprefix("expectation failed: ") for n in first.notes if n.startswith("expectation")]
        return f"~ {observed}, but {'; '.join(failed) or 'an expectation failed'}{times}", "warn", tip
    return f"✗ {observed} (chapter: {first.claim}){times}", "bad", tip
