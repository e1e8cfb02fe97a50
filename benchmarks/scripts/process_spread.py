"""How much one variant's step time moves from one fresh process to the next on this machine, per clock and
thread setting, and how much a *pair* of processes differs when run in turn or at once: the floor under every
paired round's spread (harness/verdict/confirm.py), and the measurement behind measuring a round's sides at once.

    python benchmarks/scripts/process_spread.py --variant num_labels_mismatch:fix_num_labels_3 --runs 5 \
        --out results/verdict-detector-2026-12-06-quiet/process-spread
    python benchmarks/scripts/process_spread.py --pairs --variant labels_in_dict_keras_loss:labels_in_dict \
        --runs 6 --out results/verdict-detector-2026-12-06-quiet/at-once

Without --pairs: runs `fitbench run --cases VARIANT` RUNS times under each setting, alternating (default threads,
then one TensorFlow / OpenMP thread), one records file per run (`default-N.jsonl`, `one-thread-N.jsonl`).
With --pairs: RUNS times, two runs at once (`cA-N`, `cB-N`: CPU 0 and CPU 1, one thread each) and then two in
turn (`sA-N`, `sB-N`: both on CPU 0, one thread) — an A/A pair each time, so their log ratio is pure noise.
Writes spread.json: per setting the runs' steady-step CPU and wall medians and the standard deviation of their
logs (0.01 = 1 % between processes); per pairing the standard deviation of the pairs' log ratios; and the other
processes' share of the machine while the steps ran where the records say it. `--summarise-only` reads a
folder's records and writes spread.json, running nothing.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.results.reading import read_records  # noqa: E402

ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
SETTINGS = {"default": {}, "one-thread": ONE_THREAD}
PAIRINGS = {"at once": ("cA", "cB"), "in turn": ("sA", "sB")}


def run(variant: str, runs: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for i in range(1, runs + 1):
        for label, variables in SETTINGS.items():
            target = out / f"{label}-{i}.jsonl"
            if target.exists():
                continue   # a rerun resumes
            env = {**{k: v for k, v in os.environ.items() if k not in ONE_THREAD}, **variables}
            subprocess.run([sys.executable, "-m", "harness", "run", "--cases", variant, "--out", str(target)],
                           env=env, cwd=ROOT, check=True, capture_output=True)


def _fitbench(variant: str, out: Path, cpu: int) -> subprocess.Popen:
    env = {**os.environ, **ONE_THREAD}
    return subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-m", "harness", "run", "--cases", variant,
                             "--out", str(out)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def run_pairs(variant: str, runs: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for i in range(1, runs + 1):
        if not (out / f"cB-{i}.jsonl").exists():
            together = [_fitbench(variant, out / f"cA-{i}.jsonl", 0), _fitbench(variant, out / f"cB-{i}.jsonl", 1)]
            for proc in together:
                proc.wait()
        for label in ("sA", "sB"):
            if not (out / f"{label}-{i}.jsonl").exists():
                _fitbench(variant, out / f"{label}-{i}.jsonl", 0).wait()


def _step(path: Path) -> tuple[float, float] | None:
    records = read_records([path]) if path.exists() else []
    if not records or not records[0].metrics.get("step_cpu_median_s"):
        return None
    return records[0].metrics["step_cpu_median_s"], records[0].metrics["step_time_median_s"]


def summarise_pairs(folder: Path) -> dict:
    result = {}
    for pairing, (a, b) in PAIRINGS.items():
        pairs = [(x, y) for i in range(1, 100) if (x := _step(folder / f"{a}-{i}.jsonl"))
                 and (y := _step(folder / f"{b}-{i}.jsonl"))]
        if len(pairs) < 2:
            continue
        result[pairing] = {"pairs": len(pairs), **{
            f"{clock}_log_ratio_sd": round(statistics.stdev(math.log(y[k] / x[k]) for x, y in pairs), 4)
            for k, clock in enumerate(("cpu", "wall"))},
            "cpu_ms": [[round(x[0] * 1000, 1), round(y[0] * 1000, 1)] for x, y in pairs]}
    return result


def summarise(folder: Path) -> dict:
    result = {}
    for label in SETTINGS:
        records = [r for f in sorted(folder.glob(f"{label}-*.jsonl")) for r in read_records([f])]
        if not records:
            continue
        cpu = [r.metrics["step_cpu_median_s"] for r in records if r.metrics.get("step_cpu_median_s")]
        wall = [r.metrics["step_time_median_s"] for r in records if r.metrics.get("step_time_median_s")]
        others = [r.diagnostics["others_cpu_share"] for r in records
                  if isinstance(r.diagnostics.get("others_cpu_share"), (int, float))]
        result[label] = {
            "variant": f"{records[0].case}:{records[0].variant}", "runs": len(records),
            "step_cpu_median_s": [round(x, 5) for x in cpu], "step_time_median_s": [round(x, 5) for x in wall],
            "cpu_log_sd": round(statistics.stdev(map(math.log, cpu)), 4) if len(cpu) > 1 else None,
            "wall_log_sd": round(statistics.stdev(map(math.log, wall)), 4) if len(wall) > 1 else None,
            "others_cpu_share": others or None}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="num_labels_mismatch:fix_num_labels_3")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", action="store_true", help="pairs at once and in turn, not single runs")
    parser.add_argument("--summarise-only", action="store_true")
    args = parser.parse_args(argv)
    if not args.summarise_only:
        (run_pairs if args.pairs else run)(args.variant, args.runs, args.out)
    summary = summarise_pairs(args.out) if args.pairs else summarise(args.out)
    (args.out / "spread.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
