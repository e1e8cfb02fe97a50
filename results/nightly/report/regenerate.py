"""Regenerates this folder (the night of 2026-11-27's report, compare.txt and compare.json) from the committed
records with the current code: `.venv/bin/python results/nightly/report/regenerate.py` from the checkout's root.

The night ran TF 2.21.0 / tf-keras 2.21.0 / keras 3.15.1 / transformers 4.57.6 (state.json) and was judged
against the matrix's records of the same releases (the newest environment already in the results). Rebuilt
here from the two files alone: its performance suspects are not re-measured (that needs the night's machine
and environments), so they stay suspects, which never fail a night.
"""
from __future__ import annotations

import json
from pathlib import Path

import cases
from harness.releases.latest import PACKAGES, Releases
from harness.releases.night import NightResult
from harness.releases.outputs import write_outputs
from harness.results.reading import read_records
from harness.verdict.compare import compare_records

NIGHT = Path("results/nightly/tf2.21.0-tfk2.21.0-k3.15.1-tr4.57.6-cpu.jsonl")
BASELINE = Path("results/asv-matrix/records-all/virtualenv-py3.11-datasets5.0.1-evaluate0.4.3-pyarrow21.0.0-"
                "tensorflow2.21.0-tf-keras2.21.0-transformers4.57.6.jsonl")
# how the night chose them, as it said (results/nightly-transcripts/ and the first report)
WHY = {"tf-keras": "the newest of TensorFlow's minor 2.21 (the tie)", "transformers": "the newest within <5"}


def main() -> None:
    state = json.loads(Path("results/nightly/state.json").read_text())
    versions = {p: state["last"]["releases"].get(p) for p in PACKAGES}
    records = read_records([NIGHT])
    pairs = sorted({(r.case, r.variant) for r in records})
    verdict = compare_records(read_records([BASELINE]), records, only=pairs)
    previous = {"file": str(BASELINE), "releases": versions, "known": True, "date": "results already there"}
    result = NightResult(Releases(versions, WHY), previous, {}, NIGHT, records, verdict)
    for path in write_outputs(result, pairs, Path("results/nightly/report"), cases):
        print(path)


if __name__ == "__main__":
    main()
