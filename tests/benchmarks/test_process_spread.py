"""benchmarks/scripts/process_spread.py: the spread of one variant's step between fresh processes, per thread
setting, from the records it wrote (here: records written with known step times)."""
from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("process_spread", ROOT / "benchmarks/scripts/process_spread.py")
process_spread = importlib.util.module_from_spec(spec)
spec.loader.exec_module(process_spread)

COMMITTED = ROOT / "results/verdict-detector-2026-12-06-quiet/process-spread"


def _write(folder: Path, label: str, cpu_steps: list[float], others: float | None) -> None:
    template = json.loads((COMMITTED / "default-1.jsonl").read_text().splitlines()[0])
    for i, cpu in enumerate(cpu_steps, 1):
        r = dict(template, metrics={**template["metrics"], "step_cpu_median_s": cpu, "step_time_median_s": cpu / 2},
                 diagnostics={**template.get("diagnostics", {}),
                              **({"others_cpu_share": others} if others is not None else {})})
        (folder / f"{label}-{i}.jsonl").write_text(json.dumps(r) + "\n")


def test_the_spread_is_the_sd_of_the_runs_logs_per_setting(tmp_path):
    _write(tmp_path, "default", [0.040, 0.040 * math.e ** 0.02, 0.040 * math.e ** -0.02], others=0.01)
    _write(tmp_path, "one-thread", [0.030, 0.030], others=None)
    summary = process_spread.summarise(tmp_path)
    assert summary["default"]["runs"] == 3 and summary["default"]["cpu_log_sd"] == 0.02
    assert summary["default"]["wall_log_sd"] == 0.02 and summary["default"]["others_cpu_share"] == [0.01] * 3
    assert summary["one-thread"]["cpu_log_sd"] == 0.0 and summary["one-thread"]["others_cpu_share"] is None


def test_the_committed_spread_is_what_its_records_say(tmp_path):
    """results/…-quiet/process-spread/spread.json (quoted in docs/verdicts.md) is recomputed from its records."""
    for path in COMMITTED.glob("*.jsonl"):
        shutil.copy(path, tmp_path / path.name)
    assert process_spread.summarise(tmp_path) == json.loads((COMMITTED / "spread.json").read_text())


def test_the_committed_pairs_spread_is_what_its_records_say():
    """results/…-quiet/at-once/spread.json (quoted in docs/verdicts.md and harness/train/pairing.py): the A/A
    pairs' log ratio spread at once and in turn, recomputed from its records."""
    folder = ROOT / "results/verdict-detector-2026-12-06-quiet/at-once"
    summary = process_spread.summarise_pairs(folder)
    assert summary == json.loads((folder / "spread.json").read_text())
    assert summary["at once"]["cpu_log_ratio_sd"] < summary["in turn"]["cpu_log_ratio_sd"] / 2
