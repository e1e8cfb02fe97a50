"""`fitbench report [RESULTS...] [--out DIR]`: the HTML + Markdown report of results files (fitbench JSON lines,
asv results JSON), built by harness/report/."""
from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import UsageError

HELP = "HTML + Markdown report from results files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="*", help="results files (default: every file in results/runs/)")
    parser.add_argument("--out", default="results/report")


def run(args: argparse.Namespace) -> int:
    from harness.results.records import CorruptResults
    from harness.report import write_report

    paths = [Path(p) for p in args.results] or sorted(Path("results/runs").glob("*.jsonl"))
    if not paths:
        raise UsageError("no results files given and none in results/runs/")
    try:
        written = write_report(paths, Path(args.out))
    except CorruptResults as exc:
        raise UsageError(str(exc)) from None
    for path in written:
        print(path)
    return 0
