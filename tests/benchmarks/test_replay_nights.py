"""benchmarks/scripts/replay_nights.py: a committed night's rounds decided again by today's confirm — the same
samples give the same answer, and a slowdown written into them is confirmed."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("replay_nights", ROOT / "benchmarks/scripts/replay_nights.py")
replay_nights = importlib.util.module_from_spec(spec)
spec.loader.exec_module(replay_nights)

AA = ROOT / "results/verdict-detector-2026-12-05/confirm/aa-07"   # a committed A/A night, 7 paired rounds


def _night(tmp_path: Path, factor: float) -> Path:
    """A copy of the committed A/A night inside the repository's tree shape, its current side × factor slower."""
    folder = tmp_path / "confirm" / "aa-07"
    folder.mkdir(parents=True)
    for path in AA.glob("*.jsonl"):
        if path.name.startswith("baseline-") or factor == 1:
            shutil.copy(path, folder / path.name)
            continue
        records = [json.loads(line) for line in path.read_text().splitlines()]
        for r in records:
            for name in ("step_time_median_s", "step_cpu_median_s"):
                if r["metrics"].get(name):
                    r["metrics"][name] *= factor
        (folder / path.name).write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


def test_a_committed_aa_night_replays_its_rounds_and_stays_clean(tmp_path, monkeypatch):
    monkeypatch.setattr(replay_nights, "ROOT", tmp_path)
    night = replay_nights.replay(_night(tmp_path, 1.0), "none")
    assert night["rounds"] == 7 and night["looks"] == [3, 5, 7]
    assert night["exit"] == 0 and not night["confirmed"]


def test_the_same_rounds_made_half_again_slower_are_confirmed(tmp_path, monkeypatch):
    monkeypatch.setattr(replay_nights, "ROOT", tmp_path)
    night = replay_nights.replay(_night(tmp_path, 1.5), "made slower")
    assert night["exit"] == 3
    assert any("× 1.5" in c or "× 1.4" in c or "× 1.6" in c for c in night["confirmed"]), night["confirmed"]
