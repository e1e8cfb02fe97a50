"""Regenerates this folder (the night of 2026-11-27's report, compare.txt and compare.json) from the committed
records with the code of a commit: `.venv/bin/python results/nightly/report/regenerate.py [--commit REV]` from the
checkout's root (default HEAD). The commit's harness/ and cases/ run, not the working tree's edits
(harness/releases/regeneration.py); regenerated.json names the commit and code hash that made the folder.

The night ran TF 2.21.0 / tf-keras 2.21.0 / keras 3.15.1 / transformers 4.57.6 (state.json) and was judged
against the matrix's records of the same releases (the newest environment already in the results). Rebuilt
here from the two files alone: its performance suspects are not re-measured (that needs the night's machine
and environments), so they stay suspects, which never fail a night.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

NIGHT = Path("results/nightly/tf2.21.0-tfk2.21.0-k3.15.1-tr4.57.6-cpu.jsonl")
BASELINE = Path("results/asv-matrix/records-all/virtualenv-py3.11-datasets5.0.1-evaluate0.4.3-pyarrow21.0.0-"
                "tensorflow2.21.0-tf-keras2.21.0-transformers4.57.6.jsonl")
# how the night chose them, as it said (results/nightly-transcripts/ and the first report)
WHY = {"tf-keras": "the newest of TensorFlow's minor 2.21 (the tie)", "transformers": "the newest within <5"}


def render() -> None:
    """The folder's files, by whichever harness is first on sys.path (the commit's, under main())."""
    import cases
    from harness.releases.latest import PACKAGES, Releases
    from harness.releases.night import NightResult
    from harness.releases.outputs import write_outputs
    from harness.results.reading import read_records
    from harness.verdict.compare import compare_records

    state = json.loads(Path("results/nightly/state.json").read_text())
    versions = {p: state["last"]["releases"].get(p) for p in PACKAGES}
    records = read_records([NIGHT])
    pairs = sorted({(r.case, r.variant) for r in records})
    verdict = compare_records(read_records([BASELINE]), records, only=pairs)
    previous = {"file": str(BASELINE), "releases": versions, "known": True, "date": "results already there"}
    result = NightResult(Releases(versions, WHY), previous, {}, NIGHT, records, verdict)
    for path in write_outputs(result, pairs, Path("results/nightly/report"), cases):
        print(path)


def main() -> int:
    from harness.releases.regeneration import committed_code, run_at, say_what_does_not_run, write_note

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="HEAD", help="the commit whose code renders (default HEAD)")
    parser.add_argument("--here", action="store_true", help=argparse.SUPPRESS)  # the child: render with this code
    args = parser.parse_args()
    if args.here:
        render()
        return 0
    say_what_does_not_run()
    with committed_code(args.commit) as (code, source):
        run_at(code, [__file__, "--here"], check=True)
    write_note(Path(__file__).resolve().parent, source,
               [f".venv/bin/python results/nightly/report/regenerate.py --commit {source['commit'][:12]}"])
    print(f"made by commit {source['commit'][:12]}, code {source['code']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
