"""The compatibility report: results files in, out_dir/index.html + out_dir/report.md + PNG plots out.

The report is a list of sections, one module each in harness/report/sections/, in the order below; each builds
its blocks from a `Context` (harness/report/common.py). Which case feeds which case-specific section (loss
curves, the optimizer comparison, ratios to a baseline, a step-by-step strip, memory held) is the case's own
declaration (`Case.sections`): nothing here names a case. Every input is read and checked before the output
folder is created (harness/report/load.py); a report that fails half-way removes a folder it created.
"""
from __future__ import annotations

import importlib
import shutil
from datetime import datetime
from pathlib import Path

from harness.report.common import Block, Context, Section
from harness.report.load import load_files
from harness.report.render import render_html, render_md
from harness.report.sections.warnings import read_state
from harness.spec import Case

SECTIONS = ("summary", "matrix", "timeline", "strip", "curves", "optimizers", "perf", "ratios", "phases", "errors",
            "warnings", "environments")


def known_cases() -> dict[str, Case]:
    import cases

    return {case.id: case for case in cases.all_cases()}


def write_report(paths: list[Path], out_dir: Path, cases: dict[str, Case] | None = None,
                 preamble: list[Section] = ()) -> list[Path]:
    """Reads the results files and writes index.html, report.md and the PNGs into out_dir; returns their paths.
    `cases` are the specs the sections consult (default: this fitbench's cases); `preamble`, sections that come
    first (a night's news)."""
    import cases as registry

    cases = known_cases() if cases is None else cases
    by_file = load_files([Path(p) for p in paths], cases, registry.symptom_numbers())  # every input checked first
    read_state(out_dir)
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context([Path(p) for p in paths], by_file, out_dir, cases)
    try:
        sections = [importlib.import_module(f"harness.report.sections.{name}").build(ctx) for name in SECTIONS]
        sections[1:1] = list(preamble)
        title = f"fitbench compatibility report — {datetime.now().strftime('%Y-%m-%d %H:%M')}"
        index, md = out_dir / "index.html", out_dir / "report.md"
        index.write_text(render_html(title, sections), encoding="utf-8")
        md.write_text(render_md(title, sections), encoding="utf-8")
    except BaseException:
        if created:  # a half-built report in a new folder helps no one; an existing folder is left as it was
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    pngs = sorted(out_dir / b["src"] for _, blocks in sections for b in _flatten(blocks) if b["kind"] == "img")
    return [index, md, *pngs]


def _flatten(blocks: list[Block]) -> list[Block]:
    return [x for b in blocks for x in (_flatten(b["blocks"]) if b["kind"] == "side" else [b])]


__all__ = ["write_report", "Section"]
