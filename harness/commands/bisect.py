"""`fitbench bisect PACKAGE --good V --bad V --case CASE:VARIANT [--pin REQ]... [--as-of release|today]`: the first
release of PACKAGE where the variant's behaviour changed (harness/releases/bisect.py), its companion packages moving
with it, each environment resolved as of its newest pinned release unless `--as-of today`.
Exit 0 when a boundary (of behaviour, or of installability) was found and confirmed, 1 otherwise, 2 on bad input
— and when neither endpoint runs fitbench at all: then the reason and the likely fix are the one line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.commands.common import UsageError
from harness.env.suite_process import code_snapshot
from harness.releases.bisect import BisectConfig, BisectError, BisectResult, Bisector
from harness.releases.transcript import render, step_line, write_outputs

HELP = "the first release of a library where a variant's behaviour changed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("package", help="the library to bisect, e.g. transformers")
    parser.add_argument("--good", required=True, help="the release whose behaviour is the reference")
    parser.add_argument("--bad", required=True, help="a release that behaves differently")
    parser.add_argument("--case", required=True, dest="case_variant", help="CASE:VARIANT to run")
    parser.add_argument("--pin", action="append", default=[], help="pkg==ver held in every environment (repeatable)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"),
                        help="the device the variant runs on in every environment (default cpu)")
    parser.add_argument("--metric", default="final_loss",
                        help="a metric whose move beyond the noise threshold also counts as a change ('none': off)")
    parser.add_argument("--as-of", default="release", choices=("release", "today"), dest="as_of",
                        help="resolve each environment's other dependencies as of the newest pinned release's "
                             "upload (default), or against today's index")
    parser.add_argument("--out", default="results/bisect", help="folder for the printed output and the records")


def run(args: argparse.Namespace, **injected: Any) -> int:
    """Bad input (a BisectError) is the CLI's one line and exit 2, before anything is built or run. `injected`
    replaces the Bisector's side effects (tests: list_versions, environment, release_notes, light)."""
    import cases

    try:
        cfg = BisectConfig(args.package, args.good, args.bad, args.case_variant, tuple(args.pin), args.device,
                           None if args.metric == "none" else args.metric, Path(args.out),
                           as_of=args.as_of == "release")
        bisector = Bisector(cfg, **{"registry": cases, **injected},
                            log=lambda step: print(step_line(step, cfg.metric), file=sys.stderr, flush=True))
        versions = bisector.validate()  # bad input ends here, before anything is copied, built or run
    except BisectError as exc:
        raise UsageError(str(exc)) from None
    print(f"fitbench bisect: {len(versions)} releases of {cfg.package} from {versions[0]} to {versions[-1]}",
          file=sys.stderr, flush=True)
    with code_snapshot() as code:  # every step runs the code as it is now, even while the checkout is edited
        bisector.code = code
        result = bisector.run(versions)
    text = render(result) + "\n" + resolution_lines(result)
    print(text)
    for path in write_outputs(result, text):
        print(f"written: {path}")
    if result.unusable:  # no behaviour at either end: what was found is written, the answer is bad input
        raise UsageError(result.unusable)
    return 0 if result.first_changed and result.confirmed else 1


def resolution_lines(result: BisectResult) -> str:
    """Which date bound each step's environment resolved under (harness/env/asof.py), one line per bound."""
    if not result.config.as_of:
        return "resolved against today's index (--as-of today): every dependency as the index has it now"
    by_bound: dict[str, list[str]] = {}
    for step in result.steps:
        bound = step.resolved_as_of or {}
        text = f"as of {bound['as_of']} (set by {bound.get('set_by')})" if bound.get("as_of") else "with no date bound"
        text += "".join(f", {n} as of {w}" for n, w in (bound.get("per_package") or {}).items())
        by_bound.setdefault(text, [])
        if step.version not in by_bound[text]:
            by_bound[text].append(step.version)
    return "\n".join(f"resolved {text}: {', '.join(versions)}" for text, versions in by_bound.items())
