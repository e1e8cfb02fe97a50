"""Makes this folder again: the two real nights across TensorFlow 2.15 → 2.16 (README.md), run by the code of a
commit (harness/releases/regeneration.py), so every record, bisect and report here names a commit that holds it.

    .venv/bin/python results/nightly-transcripts/2026-11-29-keras3-callbacks/regenerate.py [--commit REV]

Run it from the checkout's root, with network to PyPI (the nights resolve and build their environments) and the
CPU to itself (`flock /tmp/fitbench-cpu.lock` on a shared machine): ~15 min. It removes the nights' outputs first
(night 1 must find no state.json), writes night1.txt / night2.txt as printed, then regenerated.json.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from pathlib import Path

from harness.releases.regeneration import committed_code, run_at, say_what_does_not_run, write_note

HERE = Path(__file__).resolve().parent
NIGHTS = {"night1": "tensorflow<2.16", "night2": "tensorflow<2.17"}  # the second pretends TF 2.16.2 just came out


def night(name: str, within: str, code: Path) -> tuple[str, int, float]:
    """One night, as the README shows it; (the command as shown, exit code, seconds). Its transcript is name.txt."""
    args = ["nightly", "--latest", "--within", within, "--cases", "keras3_callbacks", "--device", "cpu",
            "--results", str(HERE / "nightly"), "--report-dir", str(HERE / f"report-{name}")]
    shown = "$ fitbench " + " ".join(f"'{a}'" if "<" in a else a for a in args).replace(str(HERE), "$OUT")
    start = time.perf_counter()
    proc = run_at(code, ["-m", "harness", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - start
    (HERE / f"{name}.txt").write_text(f"{shown}\n{proc.stdout}exit {proc.returncode} after {seconds:.0f} s\n")
    return shown, proc.returncode, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="HEAD", help="the commit whose code runs (default HEAD)")
    rev = parser.parse_args().commit
    say_what_does_not_run()
    for old in ("nightly", "report-night1", "report-night2"):
        shutil.rmtree(HERE / old, ignore_errors=True)
    with committed_code(rev) as (code, source):
        ran = [night(name, within, code) for name, within in NIGHTS.items()]
    note = write_note(HERE, source, [shown for shown, _, _ in ran],
                      exits={name: [code, round(s)] for name, (_, code, s) in zip(NIGHTS, ran)})
    print(f"{note}: commit {source['commit'][:12]}, code {source['code']}; exits "
          + ", ".join(f"{name} {code} after {s:.0f} s" for name, (_, code, s) in zip(NIGHTS, ran)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
