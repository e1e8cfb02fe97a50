"""`fitbench nightly`: the suite, the report and the comparison with the last night.

Without --latest, in this environment, compared with a baseline file (harness/releases/nightly.py); with
--latest, in the environment of the newest releases, built by itself, compared with the newest environment
already in the results, with every change bisected (harness/releases/night.py). Either way performance suspects
are re-measured in both environments, interleaved, before they can count (harness/verdict/confirm.py;
`--no-confirm` leaves them suspects). Exit codes follow `compare`: 0 nothing regressed, 1 a behaviour or
coverage regression, 3 a confirmed performance regression only, 2 bad input (an index that cannot be reached,
another night writing the same results); a failed suite run passes its code on."""
from __future__ import annotations

import argparse

from harness.commands.common import UsageError, parse_selection
from harness.verdict.noise import K

HELP = "run the suite, build the report, compare with the baseline"
COMPARE_WITH = ("results/reference/*.jsonl", "results/asv-matrix/*/*.jsonl")


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
    confirm = parser.add_argument_group("re-measuring performance suspects (on by default)")
    confirm.add_argument("--no-confirm", dest="confirm", action="store_false",
                         help="leave performance suspects unconfirmed (they never fail a night)")
    confirm.add_argument("--confirm-budget", type=float, default=1800.0, help="seconds re-measuring may take")
    confirm.add_argument("--confirm-rounds", type=int, default=7, help="samples per side at most (>= 5)")
    confirm.add_argument("--confirm-variants", type=int, default=4, help="variants re-measured, largest first")
    latest = parser.add_argument_group("the newest releases (--latest)")
    latest.add_argument("--latest", action="store_true",
                        help="build the environment of the newest tensorflow, tf-keras, keras and transformers and "
                             "run there; compare with the newest environment already in --results; bisect changes")
    latest.add_argument("--pre", action="store_true", help="pre-releases count as newest")
    latest.add_argument("--within", action="append", default=None, metavar="REQ",
                        help="bound a package (repeatable; default: 'transformers<5', which has no TF models)")
    latest.add_argument("--results", default=None, help="where nights keep records and state (results/nightly)")
    latest.add_argument("--max-bisects", type=int, default=2, help="changed variants to bisect per night")
    latest.add_argument("--rerun", action="store_true", help="run even when nothing is new and the results are "
                                                            "complete")
    latest.add_argument("--compare-with", action="append", default=None, metavar="GLOB",
                        help="results files the first night compares with: the newest environment among them "
                             "(default: results/reference/*.jsonl and results/asv-matrix/*/*.jsonl)")


def run(args: argparse.Namespace) -> int:
    from harness.releases.nightly import NightlyError, nightly
    from harness.results.lock import Locked
    from harness.results.records import CorruptResults

    selection = parse_selection(args.cases)  # an unknown case is bad input before anything runs
    if args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}")
    _check_confirm_options(args)
    # the user's bounds, and the default one of each package they did not bound (transformers 5 has no TF models)
    args.within = _bounds(args.within or [])
    try:
        return latest_night(args, selection) if args.latest else nightly(args)
    except (NightlyError, CorruptResults, Locked) as exc:
        raise UsageError(str(exc)) from None


def latest_night(args: argparse.Namespace, selection, **fakes) -> int:
    """--latest: resolve, build, run, compare, bisect, report. `fakes` replace the side effects (tests)."""
    import glob
    from pathlib import Path

    import cases
    from harness.env.index import IndexUnreachable
    from harness.launch.runner import plan, resolve_device
    from harness.releases.news import news_section
    from harness.releases.night import Night, NightConfig, default_results
    from harness.releases.nightly import write_verdict
    from harness.report import write_report

    pairs = [(c.id, v.name) for c, v in plan(cases.all_cases(), selection)]
    results = Path(args.results) if args.results else default_results()
    patterns = args.compare_with if args.compare_with is not None else COMPARE_WITH
    known = [Path(p) for pattern in patterns for p in sorted(glob.glob(pattern))]
    cfg = NightConfig(results, pairs, resolve_device(args.device), args.repeats, args.pre, tuple(args.within),
                      args.max_bisects, args.k, args.rerun, known, getattr(args, "confirm", True),
                      getattr(args, "confirm_budget", 1800.0), getattr(args, "confirm_rounds", 7),
                      getattr(args, "confirm_variants", 4))
    night = Night(cfg, **fakes)
    try:
        releases = night.resolve()
    except IndexUnreachable as exc:
        raise UsageError(f"cannot resolve the newest releases: {exc}") from None
    print("fitbench nightly: " + " · ".join(f"{p} {v or 'none'}" for p, v in releases.versions.items()))
    results.mkdir(parents=True, exist_ok=True)
    result = night.run(releases)
    previous = Path((result.previous or {}).get("file", ""))
    report_dir = Path(args.report_dir)
    paths = [p for p in (_asked_for(previous, pairs, report_dir), result.out) if p.is_file() and p != Path("")]
    for path in write_report(list(dict.fromkeys(paths)), report_dir, preamble=[news_section(result)]):
        print(path)
    if result.verdict is not None:
        result.verdict.files = {"baseline": str(previous), "current": str(result.out)}
        write_verdict(result.verdict, report_dir)
    for entry in result.bisects:
        print(f"bisect {entry['package']} {entry['good']} → {entry['bad']} ({entry['case_variant']}): "
              f"{entry['verdict']}")
    return result.verdict.exit_code if result.verdict is not None else 0


def _asked_for(previous, pairs: list[tuple[str, str]], report_dir):
    """The baseline's records of the variants tonight was asked to run: the file itself where it holds no other,
    else a copy of those records beside the report (the report, like the verdict, is about what was asked for)."""
    from harness.results.records import JsonlWriter, read_records

    if not previous.is_file() or previous == previous.__class__(""):
        return previous
    records = read_records([previous])
    wanted = [r for r in records if (r.case, r.variant) in set(pairs)]
    if len(wanted) == len(records):
        return previous
    subset = report_dir / f"baseline-{previous.stem}.jsonl"
    subset.unlink(missing_ok=True)  # made from `previous` each night: a derived file, never a record of its own
    writer = JsonlWriter(subset)
    for r in wanted:
        writer.write(r)
    return subset


def _check_confirm_options(args: argparse.Namespace) -> None:
    """Out-of-range noise and re-measuring options are bad input, said before anything runs."""
    if not 0 < args.k < float("inf"):
        raise UsageError(f"--k must be a number above 0, got {args.k}")
    if not 5 <= args.confirm_rounds <= 50:
        raise UsageError(f"--confirm-rounds must be a whole number from 5 to 50 (fewer samples can never confirm), "
                         f"got {args.confirm_rounds}")
    if not 0 < args.confirm_budget < float("inf"):
        raise UsageError(f"--confirm-budget must be seconds above 0, got {args.confirm_budget}")
    if args.confirm_variants < 1:
        raise UsageError(f"--confirm-variants must be at least 1, got {args.confirm_variants}")


def _bounds(given: list[str]) -> list[str]:
    from harness.env.packages import req_name
    from harness.releases.latest import DEFAULT_WITHIN

    for req in given:
        _requirement(req)
    named = {req_name(r) for r in given}
    return [*given, *(r for r in DEFAULT_WITHIN if req_name(r) not in named)]


def _requirement(text: str) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(text)
    except InvalidRequirement:
        raise UsageError(f"--within: {text!r} is not a requirement like 'transformers<5'") from None
