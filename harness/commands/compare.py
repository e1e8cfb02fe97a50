"""`fitbench compare BASELINE CURRENT`: regressions, improvements and other changes between two results files;
exit 0 (nothing worse), 1 (a regression) or 2 (bad input)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.commands.common import UsageError

HELP = "what changed between two results files; exit 1 on regression"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline")
    parser.add_argument("current")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--k", type=float, default=None,
                        help="noise multiplier: a change counts beyond max(5 %%, k × MAD/median) (default 3)")


def run(args: argparse.Namespace) -> int:
    from harness.results.compare import compare_files, render
    from harness.results.records import CorruptResults

    try:
        kwargs = {} if args.k is None else {"k": args.k}
        result = compare_files(Path(args.baseline), Path(args.current), **kwargs)
    except CorruptResults as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 1 if result["regressions"] else 0
