"""`fitbench nightly`: one night (harness/releases/night.py) — the suite in this interpreter, or with --latest in
the environment of the newest releases built by itself — judged against the night before (suspects re-measured
in both environments unless --no-confirm), what changed bisected, and the report and the verdict's files written
(harness/releases/outputs.py). This module only maps arguments onto those.

Exit codes follow `compare`: 0 nothing regressed, 1 a behaviour or coverage regression, 3 a confirmed performance
regression only, 2 bad input (an index that cannot be reached, another night writing the same results, an option
out of range); a failed suite run passes its code on."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from harness.commands.common import UsageError, parse_selection
from harness.commands.confirm_args import add_confirm_arguments, confirm_settings
from harness.verdict import noise

HELP = "one night: run the suite, judge it against the last night, bisect what changed, report"
COMPARE_WITH = ("results/reference/*.jsonl", "results/asv-matrix/*/*.jsonl")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", default="all", help="comma list of case ids or case:variant (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="run the suite N times into the same file")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"),
                        help="where the suite runs (default auto: the GPU where TensorFlow sees one)")
    parser.add_argument("--out", default=None, help="tonight's results file (default: named after the environment "
                                                    "with --latest, else results/runs/nightly-<date>.jsonl)")
    parser.add_argument("--baseline", default=None, help="judge against this results file instead of last night's "
                                                         "(default without --latest: results/baseline.jsonl where "
                                                         "it exists)")
    parser.add_argument("--keep-baseline", action="store_true", help="copy tonight's records over the baseline")
    parser.add_argument("--report-dir", default="results/report", help="where the morning report is written "
                                                                      "(default results/report)")
    parser.add_argument("--results", default=None, help="where nights keep their state, re-measurements and bisects "
                                                        "(results/nightly with --latest, else results/runs)")
    parser.add_argument("--k", type=float, default=None, help="suspect threshold: max(factor, k × MAD/median) "
                                                               "(default 3, or FITBENCH_NOISE_K)")
    parser.add_argument("--asv", action="store_true", help="also run `asv run` (this interpreter; asv.conf.json)")
    confirm = parser.add_argument_group("re-measuring performance suspects (on by default)")
    confirm.add_argument("--no-confirm", dest="confirm", action="store_false",
                         help="leave performance suspects unconfirmed (they never fail a night)")
    add_confirm_arguments(confirm)
    latest = parser.add_argument_group("the newest releases (--latest)")
    latest.add_argument("--latest", action="store_true",
                        help="build the environment of the newest tensorflow, tf-keras, keras and transformers and "
                             "run there; compare with the newest environment already in --results; bisect changes")
    latest.add_argument("--pre", action="store_true", help="pre-releases count as newest")
    latest.add_argument("--within", action="append", default=None, metavar="REQ",
                        help="bound a package (repeatable; 'transformers<5' unless transformers is bounded: 5.x has "
                             "no TF models)")
    latest.add_argument("--max-bisects", type=int, default=2, help="findings to bisect per night")
    latest.add_argument("--rerun", action="store_true", help="run even when nothing is new and the results are "
                                                            "complete")
    latest.add_argument("--compare-with", action="append", default=None, metavar="GLOB",
                        help="results files the first night compares with: the newest environment among them "
                             "(default: results/reference/*.jsonl and results/asv-matrix/*/*.jsonl)")


def run(args: argparse.Namespace, **fakes) -> int:
    """`fakes` replace the night's side effects (tests): list_versions, environment, here, release_notes, ..."""
    from harness.env.index import IndexUnreachable
    from harness.releases.night import NightError
    from harness.releases.outputs import write_outputs
    from harness.results.lock import Locked
    from harness.results.records import CorruptResults

    night, cfg = _night(args, **fakes)  # every option checked before anything runs
    try:
        releases = night.resolve()
    except IndexUnreachable as exc:
        raise UsageError(f"cannot resolve the newest releases: {exc}") from None
    print("fitbench nightly: " + " · ".join(f"{p} {v or 'none'}" for p, v in releases.versions.items()))
    try:
        result = night.run(releases)
    except (NightError, CorruptResults, Locked) as exc:
        raise UsageError(str(exc)) from None
    for path in write_outputs(result, cfg.pairs, Path(args.report_dir), night.registry,
                              cfg.baseline if args.keep_baseline and cfg.baseline else None):
        print(path)
    for entry in result.bisects:
        print(f"bisect {entry['package']} {entry['good']} → {entry['bad']} ({entry['case_variant']}): "
              f"{entry['verdict']}")
    print(f"tonight's records: {result.out}")  # last: where the night's evidence is
    if result.code:
        return result.code
    return result.verdict.exit_code if result.verdict is not None else 0


def _night(args: argparse.Namespace, **fakes):
    """The Night and its config from the arguments; UsageError for anything out of range."""
    import glob

    import cases
    from harness.launch.runner import plan, resolve_device
    from harness.releases.night import Night, NightConfig, default_results

    selection = parse_selection(args.cases)  # an unknown case is bad input before anything runs
    args.k = noise.k() if args.k is None else args.k
    _check_options(args)
    pairs = [(c.id, v.name) for c, v in plan(cases.all_cases(), selection)]
    results = Path(args.results) if args.results else default_results(args.latest)
    baseline = Path(args.baseline) if args.baseline else None
    if baseline is not None and not baseline.is_file() and not args.keep_baseline:
        # a typo must not read as "the first night" (green); with --keep-baseline it is the file to start
        raise UsageError(f"--baseline {baseline}: no such results file (to start one, add --keep-baseline)")
    if baseline is None and not args.latest and (Path("results/baseline.jsonl").is_file() or args.keep_baseline):
        baseline = Path("results/baseline.jsonl")
    patterns = args.compare_with if args.compare_with is not None else (COMPARE_WITH if args.latest else ())
    cfg = NightConfig(results=results, pairs=pairs, device=resolve_device(args.device), repeats=args.repeats,
                      latest=args.latest, pre=args.pre, within=tuple(_bounds(args.within or [])),
                      max_bisects=args.max_bisects, k=args.k, rerun=args.rerun,
                      known=[Path(p) for pattern in patterns for p in sorted(glob.glob(pattern))],
                      out=Path(args.out) if args.out else None, baseline=baseline, confirm=args.confirm,
                      confirming=confirm_settings(args), asv=args.asv)
    return Night(cfg, cases, **fakes), cfg


def _check_options(args: argparse.Namespace) -> None:
    """Out-of-range counts, noise and re-measuring options are bad input, said before anything runs."""
    checks = [(args.repeats >= 1, f"--repeats must be at least 1, got {args.repeats}"),
              (0 < args.k < math.inf, f"--k must be a number above 0, got {args.k}"),
              (args.max_bisects >= 0, f"--max-bisects must be 0 or more, got {args.max_bisects}")]
    for ok, message in checks:
        if not ok:
            raise UsageError(message)


def _bounds(given: list[str]) -> list[str]:
    """The user's bounds, and the default one of each package they did not bound (transformers 5 has no TF
    models)."""
    from packaging.requirements import InvalidRequirement, Requirement

    from harness.env.packages import req_name
    from harness.releases.latest import DEFAULT_WITHIN

    for text in given:
        try:
            Requirement(text)
        except InvalidRequirement:
            raise UsageError(f"--within: {text!r} is not a requirement like 'transformers<5'") from None
    named = {req_name(r) for r in given}
    return [*given, *(r for r in DEFAULT_WITHIN if req_name(r) not in named)]
