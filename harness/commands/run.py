"""`fitbench run`: cases on this machine, each variant in its own process; a table, or JSON records, and a
results file written record by record. Ctrl-C prints the table of the variants that finished and the results
path, then exits 130."""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.commands.common import (UsageError, check_results_out, jobs_value, parse_selection, positive_int,
                                     positive_seconds, preflight)
from harness.spec.config import DEVICES

HELP = "run cases, each variant in its own process"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", default="all", help="comma list of case ids or case:variant (default: all)")
    parser.add_argument("--device", default="auto", choices=DEVICES,
                        help="where the variants run (default auto: the GPU where TensorFlow can use one, else CPU)")
    parser.add_argument("--model", default="embedded", help="'embedded', a hub id, or a local directory")
    parser.add_argument("--data", default="embedded", help="'embedded', 'glue/mnli', or a save_to_disk directory")
    parser.add_argument("--seed", type=int, default=0, help="the seed of data order and weights (default 0)")
    parser.add_argument("--out", default=None,
                        help="results file (default: results/runs/<timestamp>.jsonl); an existing one is refused "
                             "unless --append")
    parser.add_argument("--append", action="store_true",
                        help="add this run's records to an existing --out results file")
    parser.add_argument("--json", action="store_true", help="one JSON record per run on stdout, no table")
    parser.add_argument("--timeout", type=positive_seconds, default=None,
                        help="seconds per variant, > 0 (default: the variant's own limit, 600 s unless its case sets "
                             "another)")
    parser.add_argument("--verbose", action="store_true", help="after each variant, where its time went (phases)")
    parser.add_argument("--launcher", default="auto", choices=("auto", "fork", "spawn"),
                        help="how each variant's fresh process is made: forked from a zygote that imported the "
                             "libraries once, or a new interpreter (default auto: fork where possible)")
    parser.add_argument("--n-train", type=positive_int, default=None, help="embedded data: training rows (>= 1)")
    parser.add_argument("--jobs", type=jobs_value, default="auto",
                        help="variants side by side (a variant whose numbers are timings always runs alone); "
                             "default auto: as the machine's cores and memory allow, 1 on a small machine")


def run(args: argparse.Namespace) -> int:
    import cases
    from harness.launch.device_choice import choose_device
    from harness.launch.runner import check_overrides, default_jobs, plan, run_pairs
    from harness.results.records import JsonlWriter

    selection = parse_selection(args.cases)
    overrides: dict[str, Any] = {"seed": args.seed, "model": args.model, "data": args.data}
    if args.n_train is not None:
        overrides["n_train"] = args.n_train
    try:
        check_overrides(overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out or f"results/runs/{datetime.now().strftime('%Y%m%d-%H%M%S')}.jsonl")
    check_results_out(out, args.append)
    preflight(args.model, args.data)
    device, fallback = choose_device(args.device)
    if fallback:  # a GPU this TensorFlow cannot use: said once, before anything runs, and kept in every record
        print(f"fitbench: {fallback}", file=sys.stderr, flush=True)
    shown = f"{device} (auto fell back: a GPU is there, but TensorFlow cannot use it)" if fallback else device
    writer = JsonlWriter(out)
    specs = {case.id: case for case in cases.all_cases()}
    pairs = plan(specs.values(), selection)
    from harness.report.terminal import live_progress, print_phases, print_table

    finished: list = []  # what run_pairs would return, kept here so that Ctrl-C can still show it

    def emit(record) -> None:
        if fallback:
            record.notes.append(f"--device auto ran this on CPU: {fallback}")
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
            run_pairs(pairs, device, overrides, on_record=emit, on_start=progress.start, timeout_s=args.timeout,
                      launcher=args.launcher, jobs=default_jobs(device) if args.jobs == "auto" else args.jobs)
    except KeyboardInterrupt:
        # the runner has killed its worker; what finished is on disk, and the user should see it and where it is
        if not args.json and finished:
            print_table(finished, shown, specs)
        print(f"results: {out}" if writer.count else "results: none (no variant finished)",
              file=sys.stderr if args.json else sys.stdout)
        raise
    if not args.json:
        print_table(finished, shown, specs)
    # where the records went, last: on stderr under --json, whose stdout is the records alone
    print(f"results: {out}" if writer.count else "results: none written", file=sys.stderr if args.json else
          sys.stdout)
    return 0
