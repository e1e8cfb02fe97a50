"""What a night leaves behind, written in one place: the report (the night's news first, over the previous
night's and tonight's records of the variants asked for), the verdict as compare.txt (as printed) and
compare.json, and — only when asked — tonight's records as the new baseline.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from harness.releases.night import NightResult
from harness.results.records import JsonlWriter
from harness.results.reading import read_records
from harness.verdict.findings import Verdict
from harness.verdict.render import render


def write_verdict(verdict: Verdict, report_dir: Path) -> str:
    """compare.txt (as printed) and compare.json beside the report; returns the text."""
    text = render(verdict)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "compare.txt").write_text(text + "\n", encoding="utf-8")
    (report_dir / "compare.json").write_text(json.dumps(verdict.to_dict(), indent=2, default=str) + "\n",
                                             encoding="utf-8")
    return text


def asked_for(previous: Path, pairs: list[tuple[str, str]], report_dir: Path) -> Path:
    """The previous night's records of the variants tonight was asked to run: the file itself where it holds no
    other, else a copy of those records beside the report (the report, like the verdict, is about what was asked
    for). The copy is made from `previous` each night: a derived file, never a record of its own."""
    records = read_records([previous])
    wanted = [r for r in records if (r.case, r.variant) in set(pairs)]
    if len(wanted) == len(records):
        return previous
    subset = report_dir / f"baseline-{previous.stem}.jsonl"
    subset.unlink(missing_ok=True)
    writer = JsonlWriter(subset)
    for r in wanted:
        writer.write(r)
    return subset


def write_outputs(result: NightResult, pairs: list[tuple[str, str]], report_dir: Path, registry: Any,
                  keep_baseline: Path | None = None) -> list[Path]:
    """The report (its sections read the case `registry`) and the verdict's files; tonight's records copied over
    `keep_baseline` where given. Returns what was written; prints the verdict."""
    from harness.releases.news import news_section
    from harness.report import write_report  # pandas + matplotlib: only when a report is built

    previous = Path((result.previous or {}).get("file") or "")
    report_dir.mkdir(parents=True, exist_ok=True)
    inputs = [asked_for(previous, pairs, report_dir)] if previous.name and previous.is_file() else []
    inputs += [result.out] if result.out.is_file() else []
    written = write_report(list(dict.fromkeys(inputs)), report_dir, registry, preamble=[news_section(result)]) \
        if inputs else []
    if result.verdict is not None:
        print(write_verdict(result.verdict, report_dir))
        written += [report_dir / "compare.txt", report_dir / "compare.json"]
    elif result.previous is None:
        print("nothing to compare with yet: the first night (--baseline FILE, or keep this one with --keep-baseline)")
    if keep_baseline is not None and result.out.is_file():
        keep_baseline.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.out, keep_baseline)
        print(f"baseline: {keep_baseline} <- {result.out}")
    return written
