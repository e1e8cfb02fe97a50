"""The `fitbench` command: list, run, report, compare.

Bad input (unknown case, bad option, an --out that cannot be written, a non-positive --timeout, a model or
data directory that does not exist, missing network, a corrupt results file) ends in one clear line on
stderr and exit 2, checked before anything runs or is written; results already on disk are never rewritten.
Ctrl-C during `run` prints the table of the variants that finished and the results path, then exits 130.
"""
from __future__ import annotations

import argparse
import json
import os
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
    run.add_argument("--timeout", type=positive_seconds, default=None,
                     help="seconds per variant, > 0 (default: the variant's own limit, 600 s unless its case sets "
                          "another)")
    run.add_argument("--verbose", action="store_true", help="after each variant, where its time went (phases)")
    run.add_argument("--launcher", default="auto", choices=("auto", "fork", "spawn"),
                     help="how each variant's fresh process is made: forked from a zygote that imported the "
                          "libraries once, or a new interpreter (default auto: fork where possible)")
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
    from harness.bisect import add_arguments as add_bisect_arguments

    add_bisect_arguments(sub.add_parser("bisect", help="the first release of a library where a variant's behaviour changed"))
    return parser


def positive_seconds(text: str) -> float:
    """argparse type of --timeout: a finite number of seconds above zero (0 or -1 would time out every run)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text!r}")
    return value


def check_out_path(path: Path) -> None:
    """Fail before anything runs when the results file cannot be written: a directory, a parent that is a file,
    a folder that cannot be created or written. The file itself is not created here (JsonlWriter creates it with
    the first record), so a check that passes leaves nothing behind; a probe file is made and removed instead."""
    import tempfile

    if path.is_dir():
        raise UsageError(f"--out {path} is a directory; name a results file, e.g. {path / 'run.jsonl'}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise UsageError(f"cannot write results file {path}: permission denied")
        return
    existing = next(p for p in [path.parent, *path.parent.parents] if p.exists())  # "/" or "." at worst
    if not existing.is_dir():
        raise UsageError(f"cannot write results file {path}: {existing} is not a directory")
    try:  # os.access says yes to root everywhere, even under /proc: only a real write tells
        tempfile.TemporaryFile(dir=existing).close()
    except OSError as exc:
        raise UsageError(f"cannot write results file {path}: {exc.strerror or exc} ({existing})") from None


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
    from harness.model import missing_directory

    for kind, name in (("model", model), ("data", data)):
        missing = missing_directory(kind, name)
        if missing:  # said before any library gets to call the path a malformed hub id
            raise UsageError(missing)
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
    out = Path(args.out or f"results/runs/{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl")
    check_out_path(out)
    preflight(args.model, args.data)
    device = resolve_device(args.device)
    writer = JsonlWriter(out)
    pairs = plan(cases.all_cases(), selection)
    from harness.table import live_progress, print_phases, print_table

    finished: list = []  # what run_suite would return, kept here so that Ctrl-C can still show it

    def emit(record) -> None:
        writer.write(record)
        finished.append(record)
        if args.json:
            print(record.to_json(), flush=True)
        else:
            progress.done(record)
        if args.verbose:
            print_phases(record)

    try:
        with live_progress(len(pairs), quiet=args.json) as progress:
            run_suite(pairs, device, overrides, on_record=emit, on_start=progress.start, timeout_s=args.timeout,
                      launcher=args.launcher)
    except KeyboardInterrupt:
        # the runner has killed its worker; what finished is on disk, and the user should see it and where it is
        if not args.json and finished:
            print_table(finished, device)
        print(f"results: {out}" if writer.count else "results: none (no variant finished)",
              file=sys.stderr if args.json else sys.stdout)
        raise
    if not args.json:
        print_table(finished, device)
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


def cmd_bisect(args: argparse.Namespace) -> int:
    from harness.bisect import BisectError, command

    try:
        return command(args)
    except BisectError as exc:
        raise UsageError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser()
        if not argv:  # a bare `fitbench`: what it can do, not only an error
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        args = parser.parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "run":
            return cmd_run(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "nightly":
            return cmd_nightly(args)
        if args.command == "bisect":
            return cmd_bisect(args)
        return cmd_compare(args)
    except UsageError as exc:
        print(f"fitbench: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("fitbench: interrupted; records written so far are kept", file=sys.stderr)
        return 130


