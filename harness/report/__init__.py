"""The compatibility report: results files in; out_dir/index.html + out_dir/report.md (the front page), a page per
case, the environments page, and PNG plots out.

Pages are lists of sections, each declared once in harness/spec/sections.py (its name, order, pages) and rendered
by its own module in harness/report/sections/, which registers the function that builds its blocks from a
`Context` (harness/report/common.py); harness/report/pages.py lays them out. The columns are environment × hardware
(harness/report/columns.py), and an environment where fitbench cannot run is listed apart, never counted as
failures. Which case feeds which case-specific section (loss curves, the optimizer comparison, ratios to a
baseline, a step-by-step strip, memory held) is the case's own declaration (`Case.sections`): nothing here names a
case. Every input is read and checked before the output folder is created (harness/report/load.py); a report that
fails half-way removes a folder it created.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from harness.report.columns import columns
from harness.report.common import Block, Context, Section
from harness.report.load import load_files
from harness.report.pages import build_pages
from harness.report.render import render_html, render_md
from harness.report.sections.changed import headline
from harness.report.sections.sources import dates
from harness.report.warnings import earlier, read_state, write_state
from harness.spec import Case


class Written(list):
    """The paths a report wrote (index.html and report.md first), and its one-line summary."""

    summary: str = ""


def write_report(paths: list[Path], out_dir: Path, registry: Any, preamble: list[Section] = ()) -> Written:
    """Reads the results files and writes the pages (index.html and report.md first) and the PNGs into out_dir;
    returns their paths, with the report's one-line summary. `registry` is the case registry (the `cases`
    package: `all_cases()`, `symptom_numbers()`), whose specs the sections consult; `preamble`, sections that
    come first on the front page (a night's news: what is new since last time), in place of What changed."""
    cases: dict[str, Case] = {case.id: case for case in registry.all_cases()}
    by_file = load_files([Path(p) for p in paths], registry)  # every input checked first
    state = read_state(out_dir)  # a corrupt one stops the report before anything is written
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    records = [r for rs in by_file.values() for r in rs]
    seen, since = earlier(state)
    ctx = Context([Path(p) for p in paths], by_file, out_dir, cases, columns(records),
                  single=len({r.case for r in records}) == 1, warnings_seen=seen, warnings_since=since)
    made = dates(records)  # dated by its records: rendering the same records again is the same report
    title = "fitbench compatibility report" + (f" — records of {made}" if made else "")
    written = Written()
    try:
        pages = build_pages(ctx, title, list(preamble))
        for page in pages:
            for fmt, render in (("html", render_html), ("md", render_md)):
                path = out_dir / page.file(fmt)
                path.write_text(render(page), encoding="utf-8")
                written.append(path)
        write_state(out_dir, state, records)  # once every page is written: a failed report leaves it as it was
    except BaseException:
        if created:  # a half-built report in a new folder helps no one; an existing folder is left as it was
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    written += sorted({out_dir / b["src"] for page in pages for s in page.sections for b in _flatten(s[1])
                       if b["kind"] == "img"})
    written.summary = headline(ctx)
    return written


def _flatten(blocks: list[Block]) -> list[Block]:
    return [x for b in blocks for x in (_flatten(b["blocks"]) if b["kind"] == "side" else [b])]


__all__ = ["write_report", "Section", "Written"]
