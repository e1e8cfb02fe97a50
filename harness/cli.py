"""The `fitbench` command: list, run, report, compare.

Bad input (unknown case, bad option, missing network, corrupt results file) ends in one clear line on
stderr and a non-zero exit; results already on disk are never rewritten.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.config import DEVICES

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fitbench", description="Replay the classic TF/Keras + transformers fine-tuning bugs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="cases and variants, one line each")
    run = sub.add_parser("run", help="run cases, each variant in its own process")
    run.add_argument("--cases", default="all", help="comma list of case ids or case:variant (default: all)")
    run.add_argument("--device", default="auto", choices=DEVICES)
    run.add_argument("--model", default="embedded", help="'embedded', a hub id, or a local directory")
    run.add_argument("--data", default="embedded", help="'embedded', 'glue/mnli', or a save_to_disk directory")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", default=None, help="results file (default: results/runs/<timestamp>.jsonl)")
    run.add_argument("--json", action="store_true", help="one JSON record per run on stdout, no table")
    run.add_argument("--timeout", type=float, default=None, help="seconds per run (default: the variant's)")
    run.add_argument("--n-train", type=int, default=None, help="embedded data: training rows")
    report = sub.add_parser("report", help="HTML + Markdown report from results files")
    report.add_argument("results", nargs="*", help="results files (default: every file in results/runs/)")
    report.add_argument("--out", default="results/report")
    compare = sub.add_parser("compare", help="what changed between two results files; exit 1 on regression")
    compare.add_argument("baseline")
    compare.add_argument("current")
    compare.add_argument("--json", action="store_true")
    compare.add_argument("--k", type=float, default=None,
                         help="noise multiplier: a change counts beyond max(5 %%, k × MAD/median) (default 3)")
    from harness.nightly import add_arguments as add_nightly_arguments

    add_nightly_arguments(sub.add_parser("nightly", help="run the suite, build the report, compare with the baseline"))
    return parser


def parse_selection(spec: str) -> dict[str, list[str] | None] | None:
    """'all' | 'case,case:variant,...' → {case: [variants] or None}; unknown names are UsageErrors."""
    import cases

    if spec == "all":
        return None
    selection: dict[str, list[str] | None] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        case_id, _, variant = item.partition(":")
        try:
            case = cases.get(case_id)
            if variant:
                case.variant(variant)
        except KeyError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
        if variant:
            if selection.get(case_id, []) is not None:
                selection.setdefault(case_id, []).append(variant)
        else:
            selection[case_id] = None
    if not selection:
        raise UsageError("--cases is empty")
    return selection


def cmd_list() -> int:
    import cases

    for case in cases.all_cases():
        print(f"{case.id}: {case.title}")
        for v in case.variants:
            claims = ", ".join(f"{d}→{s}" for d, s in v.claims.items())
            print(f"  {case.id + ':' + v.name:<48} [{v.role}] {claims}")
    return 0


def preflight(model: str, data: str) -> None:
    """Fail before any run (and before any results file exists) when the model or data cannot be had."""
    import logging

    from harness.data import EMBEDDED, DataUnavailable, load_data
    from harness.model import ModelUnavailable, load_tokenizer

    # the hub clients log each failed request before raising; our one line says it better
    for name in ("huggingface_hub", "datasets", "transformers", "fsspec"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        if data != EMBEDDED:
            load_data(data)
        if model != EMBEDDED:
            load_tokenizer(model)
    except (DataUnavailable, ModelUnavailable) as exc:
        raise UsageError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    import cases
    from harness.records import JsonlWriter
    from harness.runner import plan, resolve_device, run_suite

    selection = parse_selection(args.cases)
    overrides: dict[str, Any] = {"seed": args.seed, "model": args.model, "data": args.data}
    if args.n_train is not None:
        overrides["n_train"] = args.n_train
    try:
        from harness.runner import check_overrides

        check_overrides(overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    preflight(args.model, args.data)
    device = resolve_device(args.device)
    out = Path(args.out or f"results/runs/{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl")
    writer = JsonlWriter(out)
    pairs = plan(cases.all_cases(), selection)
    if args.json:
        def emit(record):
            writer.write(record)
            print(record.to_json(), flush=True)

        run_suite(pairs, device, overrides, on_record=emit, timeout_s=args.timeout)
        return 0
    from harness.table import live_progress, print_table

    with live_progress(len(pairs)) as progress:
        records = run_suite(pairs, device, overrides, on_record=lambda r: (writer.write(r), progress.done(r)),
                            on_start=progress.start, timeout_s=args.timeout)
    print_table(records, device)
    print(f"results: {out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from harness.records import CorruptResults
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


def cmd_compare(args: argparse.Namespace) -> int:
    from harness.compare import compare_files, render
    from harness.records import CorruptResults

    try:
        kwargs = {} if args.k is None else {"k": args.k}
        result = compare_files(Path(args.baseline), Path(args.current), **kwargs)
    except CorruptResults as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 1 if result["regressions"] else 0


def cmd_nightly(args: argparse.Namespace) -> int:
    from harness.nightly import NightlyError, nightly
    from harness.records import CorruptResults

    parse_selection(args.cases)  # an unknown case is bad input before anything runs
    try:
        return nightly(args)
    except (NightlyError, CorruptResults) as exc:
        raise UsageError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "run":
            return cmd_run(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "nightly":
            return cmd_nightly(args)
        return cmd_compare(args)
    except UsageError as exc:
        print(f"fitbench: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("fitbench: interrupted; records written so far are kept", file=sys.stderr)
        return 130


