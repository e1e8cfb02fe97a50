"""benchmarks/scripts/paired_noise.py: the noise of paired rounds per clock, the fit the simulation draws from — from
confirmation's round folders and from whole runs made in turn (here: records written with known step times)."""
from __future__ import annotations

import importlib.util
import json
import math
import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("paired_noise", ROOT / "benchmarks/scripts/paired_noise.py")
paired_noise = importlib.util.module_from_spec(spec)
spec.loader.exec_module(paired_noise)

AT_ONCE = ROOT / "results/verdict-detector-2026-12-06-at-once"


def _run(path: Path, shift: float) -> Path:
    """Three variants of a committed run, each step × e^shift."""
    lines = (AT_ONCE / "runs/A00.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines if "step_time_median_s" in json.loads(line)["metrics"]][:3]
    for r in records:
        for metric in paired_noise.CLOCKS.values():
            r["metrics"][metric] = r["metrics"][metric] * math.exp(shift)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_runs_in_turn_pair_each_with_the_next(tmp_path):
    runs = [_run(tmp_path / f"A{i}.jsonl", shift) for i, shift in enumerate([0.0, 0.1, 0.0, 0.1])]
    paired_noise.main(["--in-turn", *map(str, runs), "--out", str(tmp_path / "fit.json")])
    wall = json.loads((tmp_path / "fit.json").read_text())["wall"]
    assert wall["rounds"] == 3 and wall["variants"] == 3          # A0-A1, A1-A2, A2-A3: not every pair of runs
    assert wall["paired_sd_median"] == pytest.approx(statistics.stdev([0.1, -0.1, 0.1]))


def test_nothing_to_fit_is_an_error():
    with pytest.raises(SystemExit):
        paired_noise.main(["--in-turn", str(AT_ONCE / "runs/A00.jsonl")])


@pytest.mark.parametrize("fit, args", [
    ("noise-suspects.json", ["--in-turn", *(f"runs/A0{i}.jsonl" for i in range(5))]),
    ("noise-rounds.json", [f"confirm/aa-0{i}" for i in range(1, 5)]),
])
def test_the_committed_fits_are_what_their_records_say(tmp_path, monkeypatch, fit, args):
    """The noise the at-once simulation draws from (docs/verdicts.md quotes it) is recomputed from its records."""
    monkeypatch.chdir(AT_ONCE)
    paired_noise.main([*args, "--out", str(tmp_path / fit)])
    assert json.loads((tmp_path / fit).read_text()) == json.loads((AT_ONCE / fit).read_text())
