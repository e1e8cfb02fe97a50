"""`fitbench report [RESULTS...] [--out DIR]`: the HTML + Markdown report of results files (fitbench JSON lines,
asv results JSON) or of folders holding fitbench records, built by harness/report/.

Bad input is one line and exit 2 before anything is written: an --out that is a file or cannot be written, a
folder that holds no records (asv's results folder holds machine.json and asv's own JSON, not records: the line
says what to pass instead), a corrupt results file.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.commands.common import UsageError

HELP = "HTML + Markdown report from results files or folders of them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="*",
                        help="results files or folders of them (default: every file in results/runs/)")
    parser.add_argument("--out", default="results/report",
                        help="the report's folder (default: results/report); files of an earlier report there are "
                             "overwritten")


def check_report_dir(out: Path) -> None:
    """Fail before anything is read or written when the report's folder cannot be: a file of that name, a parent
    that is a file, a place where nothing can be created. A probe file is made and removed: os.access says yes to
    root everywhere, even under /proc."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; the report is a folder (index.html, report.md, a page per case, "
                         f"pictures): name a folder, e.g. --out {out.parent / 'report'}")
    existing = next(p for p in [out, *out.parents] if p.exists())  # "/" or "." at worst
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, not a folder")
    try:
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as exc:
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc} ({existing})") from None


def unique(paths: list[Path]) -> list[Path]:
    """The files once each: a file named twice (or reached through two folders) would count its records twice
    (every group twice its size: repeats that never ran); each one dropped is said on stderr."""
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            print(f"fitbench: {path} given more than once (as {seen[key]}): read once", file=sys.stderr)
            continue
        seen[key] = path
    return list(seen.values())


def results_in(paths: list[Path]) -> list[Path]:
    """The files to read: each file given, and the fitbench records (*.jsonl) found under each folder given,
    each file once."""
    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        found = sorted(p for p in path.rglob("*.jsonl") if not any(part.startswith(".") for part in
                                                                   p.relative_to(path).parts))
        if not found:
            asv = (path / "machine.json").is_file() or any(path.glob("*/machine.json"))
            raise UsageError(
                f"{path} holds no fitbench records (*.jsonl): " + (
                    "asv's results there (machine.json, <commit>-<env>.json) are not records; pass the records "
                    "folder the asv run wrote (FITBENCH_ASV_RECORDS, e.g. results/asv-matrix/records-all/), or "
                    "asv's <commit>-<env>.json files one by one" if asv else
                    "pass fitbench results files (results/runs/*.jsonl) or a folder that holds them"))
        out.extend(found)
    return unique(out)


def run(args: argparse.Namespace) -> int:
    import cases
    from harness.report import write_report
    from harness.results.records import CorruptResults

    out = Path(args.out)
    check_report_dir(out)
    paths = results_in([Path(p) for p in args.results]) or sorted(Path("results/runs").glob("*.jsonl"))
    if not paths:
        raise UsageError("no results files given and none in results/runs/")
    try:
        written = write_report(paths, out, cases)
    except CorruptResults as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # the disk filled, the folder went away: what happened, in one line
        raise UsageError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    print(summary_line(out, written))
    return 0


def summary_line(out: Path, written: Any) -> str:
    """The one line `report` ends with: what the records say changed, then where it wrote (the front pages)."""
    pages = sum(p.suffix == ".html" for p in written)
    pictures = sum(p.suffix == ".png" for p in written)
    return (f"{written.summary}. Wrote {pages} HTML page(s) with Markdown twins and {pictures} picture(s) to "
            f"{out}/: open {out / 'index.html'}")
