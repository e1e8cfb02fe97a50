"""`fitbench compare BASELINE CURRENT`: the verdict between two results files (or folders of them).

Behaviour (a variant that breaks, heals or fails differently) always decides; performance numbers that moved are
suspects until `--confirm` re-measures them in both sides, interleaved, within a budget. Exit 0 nothing
regressed, 1 a behaviour or coverage regression, 3 a confirmed performance regression only, 2 bad input,
130 interrupted (what was re-measured is kept; the verdict printed says what is unconfirmed).
"""
from __future__ import annotations

import argparse
import json
import math
from datetime import datetime
from pathlib import Path

from harness.commands.common import UsageError, check_out_path
from harness.commands.confirm_args import add_confirm_arguments, confirm_settings
from harness.verdict import noise

HELP = "the verdict between two results files: exit 1 behaviour regression, 3 confirmed performance regression"


def _positive(kind: type, low: float, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
        if not (low <= value < math.inf):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value
    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("baseline", help="a results file (.jsonl) or a folder of them")
    parser.add_argument("current", help="a results file (.jsonl) or a folder of them")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON instead of text")
    parser.add_argument("--k", type=_positive(float, 1e-9, "a number above 0"), default=None,
                        help="suspect threshold: max(factor, k × MAD/median) (default 3, or FITBENCH_NOISE_K)")
    confirm = parser.add_argument_group("re-measuring suspects (--confirm)")
    confirm.add_argument("--confirm", action="store_true",
                         help="re-measure performance suspects in both sides, paired rounds: confirmed, not "
                              "confirmed or undecided")
    add_confirm_arguments(confirm, aliases=True)
    confirm.add_argument("--confirm-dir", default=None,
                         help="where the re-measured records go (default results/confirm/<timestamp>/)")


def run(args: argparse.Namespace) -> int:
    import sys

    import cases
    from harness.results.records import CorruptResults
    from harness.verdict.compare import load_side
    from harness.verdict.judge import JudgeSettings, judge
    from harness.verdict.render import render

    folder = Path(args.confirm_dir or f"results/confirm/{datetime.now():%Y%m%d-%H%M%S}")
    if args.confirm:
        if folder.is_dir() and any(folder.glob("*.jsonl")):  # never mix with (or append to) earlier records
            raise UsageError(f"--confirm-dir {folder} already holds records; give a new folder")
        check_out_path(folder / "baseline-1.jsonl")
    judging = JudgeSettings(k=noise.k() if args.k is None else args.k, confirm=args.confirm,
                            confirming=confirm_settings(args), folder=folder, stamped=False)
    try:
        base, cur = load_side(Path(args.baseline)), load_side(Path(args.current))
        verdict = judge(base, cur, judging, lambda: _sides(base, cur), defined=cases.defines,
                        log=lambda line: print(line, file=sys.stderr, flush=True),
                        files={"baseline": args.baseline, "current": args.current})
    except CorruptResults as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(verdict.to_dict(), indent=2, default=str) if args.json else render(verdict))
    return 130 if verdict.confirmation.get("interrupted") else verdict.exit_code


def _sides(base, cur):
    """Each side made runnable again from its records, or the one line why it cannot be here."""
    from harness.verdict.sides import CannotReproduce, side_from_records

    try:
        return side_from_records("baseline", base), side_from_records("current", cur)
    except CannotReproduce as exc:
        return str(exc)
