"""`fitbench nightly`: run the suite (N times into one file), build the report, give the verdict against the last
baseline (performance suspects re-measured in both sides unless --no-confirm), and keep the new run as the
baseline only when asked.

The suite runs through the ordinary runner in a subprocess (`python -m harness run --json --out ...`), so a
nightly run is exactly what a user's run is; `--asv` additionally runs `asv run` for asv's own history.
Exit codes follow `compare`: 0 nothing regressed, 1 behaviour regression, 3 confirmed performance regression,
2 bad input; a failed suite run passes its code on.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from harness.launch.suite_process import code_snapshot, run_suite_process
from harness.verdict.compare import compare_files
from harness.verdict.findings import REGRESSION, Verdict
from harness.verdict.render import render


class NightlyError(Exception):
    """Bad input or a missing prerequisite: the CLI prints it as one line, exit 2."""


def nightly_path(runs_dir: Path, now: datetime) -> Path:
    """results/runs/nightly-<date>.jsonl; a second run the same day gets the time too (never appends)."""
    path = runs_dir / f"nightly-{now:%Y%m%d}.jsonl"
    return path if not path.exists() else runs_dir / f"nightly-{now:%Y%m%d-%H%M%S}.jsonl"


def suite_pass(out: Path, cases: str, device: str) -> int:
    """One pass of the suite through the real CLI, in this interpreter; records are appended to `out`."""
    return run_suite_process(sys.executable, ["--device", device, "--cases", cases], out, cwd=Path.cwd()).returncode


def run_asv(cases: str) -> int:
    if not Path("asv.conf.json").is_file():
        raise NightlyError("--asv needs asv.conf.json in the working directory")
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    cmd = [sys.executable, "-m", "asv", "run", "--python=same", "--set-commit-hash", head]
    if cases != "all":
        cmd += ["--bench", "|".join(c.split(":")[0] for c in cases.split(","))]
    return subprocess.run(cmd).returncode


def write_verdict(verdict: Verdict, report_dir: Path) -> None:
    """Prints the verdict and keeps it next to the report: compare.txt as printed, compare.json whole."""
    text = render(verdict)
    print(text)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "compare.txt").write_text(text + "\n", encoding="utf-8")
    (report_dir / "compare.json").write_text(json.dumps(verdict.to_dict(), indent=2, default=str) + "\n",
                                             encoding="utf-8")


def compare_with_baseline(baseline: Path, current: Path, report_dir: Path, args: argparse.Namespace) -> int:
    """The verdict against the baseline file, suspects re-measured in both sides unless --no-confirm; its exit
    code (0 where there is no baseline yet)."""
    import cases
    from harness.verdict.compare import load_side

    if not baseline.is_file():
        print(f"no baseline at {baseline}: nothing to compare (--keep-baseline keeps this run as the baseline)")
        return 0
    verdict = compare_files(baseline, current, k=args.k, defined=cases.defines)
    if getattr(args, "confirm", True) and any(f.direction == REGRESSION for f in verdict.suspects()):
        from harness.verdict.confirm import ConfirmConfig, confirm
        from harness.verdict.sides import CannotReproduce, side_from_records

        try:
            sides = [side_from_records(label, load_side(path)) for label, path in
                     (("baseline", baseline), ("current", current))]
        except CannotReproduce as exc:
            verdict.notes.append(f"not re-measured: {exc}")
        else:
            cfg = ConfirmConfig(report_dir / "confirm" / datetime.now().strftime("%Y%m%d-%H%M%S"),
                                args.confirm_rounds, args.confirm_budget, args.confirm_variants)
            with code_snapshot() as code:
                sides[0].code = sides[1].code = code
                confirm(verdict, *sides, cfg, log=lambda line: print(line, file=sys.stderr, flush=True))
    write_verdict(verdict, report_dir)
    return verdict.exit_code


def nightly(args: argparse.Namespace) -> int:
    if args.repeats < 1:
        raise NightlyError(f"--repeats must be at least 1, got {args.repeats}")
    out = Path(args.out) if args.out else nightly_path(Path("results/runs"), datetime.now())
    for i in range(args.repeats):
        print(f"fitbench nightly: suite pass {i + 1}/{args.repeats} -> {out}", file=sys.stderr, flush=True)
        code = suite_pass(out, args.cases, args.device)
        if code:
            return code
    if args.asv and (code := run_asv(args.cases)):
        return code
    from harness.report import write_report  # pandas + matplotlib: only when a report is built

    report_dir = Path(args.report_dir)
    for path in write_report([out], report_dir):
        print(path)
    code = compare_with_baseline(Path(args.baseline), out, report_dir, args)
    if args.keep_baseline:
        Path(args.baseline).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, args.baseline)
        print(f"baseline: {args.baseline} <- {out}")
    return code
