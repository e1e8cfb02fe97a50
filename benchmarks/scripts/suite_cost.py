"""What a whole suite costs with today's runner against a reference commit's, side by side in one run.

    python benchmarks/scripts/suite_cost.py [--ref de33b20] [--rounds 2] [--device cpu] [--out DIR] [--jobs 1,2]

Checks the reference commit out into a temporary folder (`git archive`, nothing else is touched), then runs
the same (case, variant) pairs through each runner's own CLI, alternating ABBA (ref, new, new, ref, …) so a
shared machine's changing load falls on both alike. Prints the wall time of every suite run, the ratio
new / ref (total over rounds), the per-phase breakdown of the new runner's records, and checks that nothing was
lost: the same symptoms, and on CPU the same loss trajectories bit for bit. Exit 1 if anything differs.
With `--jobs 1,2` the new runner runs once per setting of `fitbench run --jobs` in each round (ref, new-j1,
new-j2, then reversed), and each setting is checked against the reference.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from harness.env.suite_process import run_suite_process  # noqa: E402


def checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=True)
    tar_path = into / "ref.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "ref", filter="data")
    return into / "ref"


def pairs_of(tree: Path) -> list[str]:
    """Every case:variant of the tree's suite, from its own `fitbench list`."""
    out = subprocess.run([sys.executable, "-m", "harness", "list"], cwd=tree, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return [line.split()[0] for line in out.stdout.splitlines() if line.startswith("  ")]


def time_suite(tree: Path, cases: list[str], device: str, out: Path, extra: list[str] | None = None) -> float:
    """Wall time of one suite run of `tree`'s own CLI on `cases`, records into `out`."""
    run = run_suite_process(sys.executable, ["--device", device, "--cases", ",".join(cases), *(extra or [])], out,
                            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)})
    if run.returncode != 0:
        raise SystemExit(f"suite in {tree} failed ({run.returncode}): {run.stderr_tail[-2000:]}")
    return run.wall_s


def load(path: Path) -> dict[str, dict]:
    return {f"{r['case']}:{r['variant']}": r for r in map(json.loads, path.read_text().splitlines())}


def compare(ref: dict[str, dict], new: dict[str, dict], device: str) -> list[str]:
    problems = []
    for key, r in ref.items():
        n = new.get(key)
        if n is None:
            problems.append(f"{key}: no record from the new runner")
        elif n["observed"] != r["observed"]:
            problems.append(f"{key}: symptom {r['observed']} → {n['observed']}")
        elif device == "cpu" and r["metrics"].get("loss_per_step") != n["metrics"].get("loss_per_step"):
            problems.append(f"{key}: loss trajectory differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="de33b20", help="the reference commit (default: de33b20)")
    parser.add_argument("--rounds", type=int, default=1, help="ABBA rounds: 1 = ref, new; 2 = ref, new, new, ref")
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    parser.add_argument("--out", default=None, help="keep the records here (default: a temporary folder)")
    parser.add_argument("--jobs", default="", help="comma list of --jobs settings for the new runner (default: "
                                                   "its own default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitbench-suite-cost-") as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        ref_tree = checkout(args.ref, Path(tmp))
        news = {f"new-j{j}": ["--jobs", j] for j in args.jobs.split(",") if j} or {"new": []}
        trees = {"ref": ref_tree, **{side: ROOT for side in news}}
        cases = [p for p in pairs_of(ref_tree) if p in set(pairs_of(ROOT))]
        order = ["ref", *news]
        sides = [s for r in range(args.rounds) for s in (order if r % 2 == 0 else order[::-1])]
        walls: dict[str, list[float]] = defaultdict(list)
        records: dict[str, dict[str, dict]] = {}
        for i, side in enumerate(sides):
            path = out / f"{side}-{i}.jsonl"
            walls[side].append(time_suite(trees[side], cases, args.device, path, news.get(side)))
            records.setdefault(side, load(path))
            print(f"suite {i + 1}: {side:6} {walls[side][-1]:7.1f} s", flush=True)
        problems = []
        for side in news:
            report(walls, records, args.device, len(cases), args.ref, side)
            problems += [f"{side}: {p}" for p in compare(records["ref"], records[side], args.device)]
        for p in problems:
            print("LOST:", p)
        return 1 if problems else 0


def report(walls: dict[str, list[float]], records: dict[str, dict[str, dict]], device: str, n: int,
           ref: str, new: str = "new") -> None:
    from harness.train.phases import PHASES

    total = {side: sum(w) for side, w in walls.items()}
    print(f"\n{n} variants on {device}; suite wall time, {len(walls['ref'])} run(s) each:")
    ratio = total[new] / total["ref"]
    print(f"  ref ({ref}) {total['ref']:8.1f} s   {new} {total[new]:8.1f} s   {new}/ref = {ratio:.3f}")
    phases: dict[str, float] = defaultdict(float)
    for r in records[new].values():
        for name, seconds in (r["metrics"].get("phases") or {}).items():
            phases[name] += seconds or 0.0
    in_variants = sum(r["wall_s"] for r in records[new].values())
    print(f"\n{new}, first suite: where the time goes (sum over variants; {in_variants:.1f} s inside run_variant)")
    for name in sorted(phases, key=lambda p: PHASES.index(p) if p in PHASES else len(PHASES)):
        print(f"  {name:20} {phases[name]:8.1f} s  {phases[name] / in_variants:6.1%}")
    ref_first = sum((r["metrics"].get("time_to_first_step_s") or 0) for r in records["ref"].values())
    print(f"ref runner: {sum(r['wall_s'] for r in records['ref'].values()):.1f} s inside run_variant, of which "
          f"{ref_first:.1f} s first steps (tracing)")


if __name__ == "__main__":
    raise SystemExit(main())
