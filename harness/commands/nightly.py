"""`fitbench nightly`: run the suite, build the report, compare with the baseline (harness/releases/nightly.py).
Exit codes follow `compare`: 0 clean, 1 regression, 2 bad input; a failed suite run passes its code on."""
from __future__ import annotations

import argparse

from harness.commands.common import UsageError, parse_selection
from harness.results.noise import K

HELP = "run the suite, build the report, compare with the baseline"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", default="all", help="comma list of case ids or case:variant (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="run the suite N times into the same file")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--out", default=None, help="results file (default: results/runs/nightly-<date>.jsonl)")
    parser.add_argument("--baseline", default="results/baseline.jsonl")
    parser.add_argument("--keep-baseline", action="store_true", help="make this run the new baseline")
    parser.add_argument("--report-dir", default="results/report")
    parser.add_argument("--k", type=float, default=K, help="noise factor: threshold max(5 %%, k × MAD/median)")
    parser.add_argument("--asv", action="store_true", help="also run `asv run` (needs asv.conf.json)")


def run(args: argparse.Namespace) -> int:
    from harness.releases.nightly import NightlyError, nightly
    from harness.results.records import CorruptResults

    parse_selection(args.cases)  # an unknown case is bad input before anything runs
    try:
        return nightly(args)
    except (NightlyError, CorruptResults) as exc:
        raise UsageError(str(exc)) from None
