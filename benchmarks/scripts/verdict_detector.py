"""How far the verdict can be trusted: false alarms on A/A pairs, detection of real slowdowns, and what confirming
costs — measured with fitbench's own commands on this machine.

    python benchmarks/scripts/verdict_detector.py --out results/verdict-detector-2026-11-29

Runs the fixed subset of 32 CPU variants (the 12 cheap cases) as a chain of runs A0, A1, …, and
* A/A trials: `fitbench compare A(i-1) A(i) --confirm` — nothing changed, so any regression is a false alarm;
* slowdown trials: `fitbench compare A(i) S(i) --confirm`, where S(i) ran slowed. Exact grades inject a known
  cost inside each measured step (harness/train/slowdown.py: `inject-0.10` +10 % on every variant,
  `inject-0.20-one` +20 % on one named variant, `inject-0.05`); realistic grades take CPU away (a CPU
  time quota, harness/env/cpu_quota.py: 1.6, 1.4 or 1.2 CPUs of this 2-core machine, or `taskset -c 0`), whose
  real size is only known afterwards (quota-1.6 measured ~4 %). The records keep the condition, so re-measuring
  runs each side under its own; each trial row says the size the pair really had, on both clocks;
* behaviour trials: committed matrix records whose behaviour is known to flip (and one file against itself).
Each trial's verdict, exit code, the slowdown it really had (the median over variants of the step-time ratio of
the pair) and the seconds confirmation took go to trials.jsonl as they end; a rerun resumes after the last one.
Every run and compare holds /tmp/fitbench-cpu.lock, the machine's convention for heavy work, so nothing else
computes meanwhile. Writes README.md (the figures the README quotes) and summary.json at the end.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from itertools import zip_longest
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.env.conditions import INJECT_VARIABLE as INJECT  # noqa: E402
from harness.env.cpu_quota import quota_group  # noqa: E402
from harness.env.describe import cpu_model  # noqa: E402
from harness.env.suite_process import run_suite_process  # noqa: E402
from harness.results.groups import hardware as machine_name  # noqa: E402
from harness.results.reading import read_records  # noqa: E402
from harness.results.records import RunRecord  # noqa: E402

SUBSET = ("labels_in_dict_keras_loss,string_loss_on_logits,num_labels_mismatch,overfit_one_batch:tiny_adam,"
          "initial_loss,bad_labels,run_eagerly,keras3_optimizer_import,keras3_late_legacy_env,keras3_callbacks,"
          "premise_only,string_labels")
NAMED = "bad_labels:fix_clean_labels"   # the one variant the named grade slows
GRADES = {"quota-1.6": {"quota": 1.6}, "quota-1.4": {"quota": 1.4}, "quota-1.2": {"quota": 1.2},
          "pinned-1-core": {"affinity": [0]}, "inject-0.05": {"inject": "0.05"}, "inject-0.10": {"inject": "0.10"},
          "inject-0.20-one": {"inject": f"0.20@{NAMED}"}}
MATRIX = ROOT / "results" / "asv-matrix" / "records-all"
BEHAVIOUR_PAIRS = (  # (name, baseline glob, current glob, expected exit code)
    ("keras3 arrives: TF 2.15.1 → 2.16.2 + tf-keras", "*tensorflow2.15.1-transformers4.40.2*",
     "*tensorflow2.16.2-tf-keras2.16.0-transformers4.40.2*", 1),
    ("transformers 4.30.2 → 4.24.0 on TF 2.12.1", "*tensorflow2.12.1-transformers4.30.2*",
     "*tensorflow2.12.1-transformers4.24.0*", 1),
    ("a file against itself", "*tensorflow2.18.1*", "*tensorflow2.18.1*", 0),
)


@contextmanager
def machine_lock() -> Iterator[None]:
    with open("/tmp/fitbench-cpu.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def run_subset(out: Path, conditions: dict[str, Any]) -> float:
    """One pass of the subset into `out` under `conditions`; its wall seconds."""
    group = quota_group(conditions["quota"]) if "quota" in conditions else None
    env = {k: v for k, v in os.environ.items() if k != INJECT}
    env.update({INJECT: conditions["inject"]} if "inject" in conditions else {})
    start = time.perf_counter()
    with machine_lock():
        run = run_suite_process(sys.executable, ["--device", "cpu", "--jobs", "1", "--cases", SUBSET], out,
                                env=env, affinity=conditions.get("affinity"), cgroup=group)
    if run.returncode != 0:
        raise RuntimeError(f"the subset run failed ({run.returncode}): {run.stderr_tail[-500:]}")
    return time.perf_counter() - start


def compare(base: Path, cur: Path, folder: Path, confirm: bool = True) -> tuple[int, dict[str, Any], float]:
    cmd = [sys.executable, "-m", "harness", "compare", str(base), str(cur), "--json"]
    if confirm:
        cmd += ["--confirm", "--confirm-dir", str(folder)]
    start = time.perf_counter()
    with machine_lock():
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1, 3):
        raise RuntimeError(f"compare failed ({proc.returncode}): {proc.stderr[-800:]}")
    return proc.returncode, json.loads(proc.stdout), time.perf_counter() - start


def step_ratio(base: Path, cur: Path, metric: str = "step_time_median_s", only: str | None = None) -> float | None:
    """The slowdown a pair really had: the median over variants (or of `only`) of current / baseline `metric`."""
    def steps(path: Path) -> dict[str, float]:
        return {f"{r.case}:{r.variant}": r.metrics[metric] for r in read_records([path])
                if isinstance(r.metrics.get(metric), (int, float)) and only in (None, f"{r.case}:{r.variant}")}
    b, c = steps(base), steps(cur)
    ratios = [c[k] / b[k] for k in b if k in c and b[k]]
    return statistics.median(ratios) if ratios else None


def trial_row(name: str, kind: str, grade: str, base: Path, cur: Path, out: Path) -> dict[str, Any]:
    code, verdict, seconds = compare(base, cur, out / "confirm" / name)
    (out / "verdicts").mkdir(parents=True, exist_ok=True)
    (out / "verdicts" / f"{name}.json").write_text(json.dumps(verdict, indent=1) + "\n")
    perf = verdict["performance"]
    single = {v for f in perf if f["regression"] and len(f["variants"]) == 1 for v in f["variants"]}
    named = NAMED if grade.endswith("-one") else None
    return {"trial": name, "kind": kind, "grade": grade, "exit": code, "pair_step_ratio": step_ratio(base, cur),
            "pair_cpu_ratio": step_ratio(base, cur, "step_cpu_median_s"),
            "named_step_ratio": step_ratio(base, cur, only=named) if named else None,
            "named_confirmed": (named in single) if named else None,
            "others_confirmed": sorted(single - {named}) if named else [],
            "group_confirmed": any(f["regression"] and len(f["variants"]) > 1 for f in perf),
            "undecided": verdict.get("undecided", 0), "summary": verdict.get("summary", ""),
            "smallest_visible": (verdict.get("confirmation") or {}).get("smallest_visible", {}),
            "behaviour_regressions": sum(f["regression"] for f in verdict["behaviour"] + verdict["coverage"]),
            "confirmed_regressions": sum(f["regression"] for f in perf),
            "not_confirmed": sum(f["status"] == "not confirmed" for f in perf),
            "suspects_left": sum(f["status"] == "suspect" for f in perf),
            "confirmed_ratios": [round(f["ratio"], 3) for f in perf if f["regression"] and f["ratio"]],
            "confirm_seconds": (verdict.get("confirmation") or {}).get("seconds", 0.0),
            "confirm_rounds": (verdict.get("confirmation") or {}).get("rounds", 0), "compare_seconds": seconds,
            "code": _commit(), "pairing": (verdict.get("confirmation") or {}).get("pairing", "")}


def _commit() -> str:
    """The fitbench commit that judged the trial (a trial row must say which code decided it)."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "harness"], cwd=ROOT, capture_output=True, text=True)
    return head.stdout.strip() + ("+edits" if dirty.stdout.strip() else "")


def plan(n_aa: int, n_slow: int, n_graded: int, slow_grade: str, graded: tuple[str, ...],
         aa_first_from: int = 0) -> list[tuple[str, str, str, int]]:
    """(trial, kind, grade, index of its A run) in the order they run. A run i closes the A/A trial i and is the
    baseline of the slowdown trials i; past the last A/A trial the slowdowns take the last A run as baseline, so a
    slowdown trial costs one run, not two.

    From index `aa_first_from` on (0: never), the A/A trials run first, then the slowdowns, alternating the main
    grade with the graded ones, all on the last A run: the order for a session that cannot afford every trial,
    since a false alarm is what makes a team stop reading the verdict."""
    def aa(i: int) -> tuple[str, str, str, int]:
        return (f"aa-{i:02d}", "A/A", "none", i)

    def slow(i: int, base: int) -> tuple[str, str, str, int]:
        return (f"slow-{i:02d}", "slowdown", slow_grade, base)

    def grade_steps(i: int, base: int) -> list[tuple[str, str, str, int]]:
        return [(f"{grade}-{i:02d}", "slowdown", grade, base) for grade in graded]

    if not aa_first_from:
        steps = []
        for i in range(1, max(n_aa, n_slow, n_graded) + 1):
            base = min(i, n_aa)
            steps += ([aa(i)] if i <= n_aa else []) + ([slow(i, base)] if i <= n_slow else [])
            steps += grade_steps(i, base) if i <= n_graded else []
        return steps
    # before aa_first_from: the interleaved order of the first trials, without graded ones
    first = aa_first_from - 1
    early = plan(min(n_aa, first), min(n_slow, first), 0, slow_grade, graded)
    slows = [slow(i, n_aa) for i in range(aa_first_from, n_slow + 1)]
    grades = [s for i in range(1, n_graded + 1) for s in grade_steps(i, n_aa)]
    late = [s for pair in zip_longest(slows, grades) for s in pair if s]
    return early + [aa(i) for i in range(aa_first_from, n_aa + 1)] + late


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--aa", type=int, default=10)
    parser.add_argument("--slow", type=int, default=10, help="trials of the ≥ 25 %% slowdown (--slow-grade)")
    parser.add_argument("--slow-grade", choices=sorted(GRADES), default="inject-0.10",
                        help="the slowdown the --slow trials inject (default: exactly +10 %% on every variant)")
    parser.add_argument("--graded", type=int, default=3, help="trials of each --graded-grades grade")
    parser.add_argument("--graded-grades", default="inject-0.20-one,inject-0.05",
                        help="comma-separated grades for the --graded trials (default: +20 %% on one named variant, "
                             "+5 %% on all)")
    parser.add_argument("--aa-first-from", type=int, default=0, metavar="I",
                        help="from trial I on, every A/A trial first, then the slowdowns (0: interleaved)")
    parser.add_argument("--summary-only", action="store_true",
                        help="write README.md and summary.json from the trials already in --out, running nothing")
    args = parser.parse_args()
    if args.summary_only:
        log = args.out / "trials.jsonl"
        rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        print(summarise(rows, args.out))
        return 0
    graded = tuple(g for g in args.graded_grades.split(",") if g)
    unknown = [g for g in graded if g not in GRADES]
    if unknown:  # before any run: a typo must not cost the first subset run
        parser.error(f"--graded-grades: unknown {', '.join(unknown)}; known: {', '.join(sorted(GRADES))}")
    out, runs = args.out, args.out / "runs"
    other = other_machine(out)
    if other:  # before any run: a trial pairs runs of one machine, or compare sees no timings and it proves nothing
        parser.error(f"{other}: a trial pairs runs of one machine; give this machine its own --out")
    runs.mkdir(parents=True, exist_ok=True)
    log = out / "trials.jsonl"
    done = {json.loads(line)["trial"] for line in log.read_text().splitlines()} if log.exists() else set()
    if not (runs / "A00.jsonl").exists():
        run_subset(runs / "A00.jsonl", {})
    for name, kind, grade, index in plan(args.aa, args.slow, args.graded, args.slow_grade, graded,
                                           args.aa_first_from):
        a_prev, a_cur = runs / f"A{index - 1:02d}.jsonl", runs / f"A{index:02d}.jsonl"
        if not a_cur.exists():
            run_subset(a_cur, {})
        if name in done:
            continue
        base, cur = (a_prev, a_cur) if kind == "A/A" else (a_cur, runs / f"{name}.jsonl")
        if not cur.exists():
            run_subset(cur, GRADES[grade])
        row = trial_row(name, kind, grade, base, cur, out)
        with open(log, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    behaviour_rows(out)
    summary = summarise([json.loads(line) for line in log.read_text().splitlines()], out)
    print(summary)
    return 0


def behaviour_rows(out: Path) -> None:
    rows = []
    for name, b, c, expected in BEHAVIOUR_PAIRS:
        code, verdict, _ = compare(next(MATRIX.glob(b)), next(MATRIX.glob(c)), out, confirm=False)
        rows.append({"pair": name, "exit": code, "expected": expected,
                     "breaks": [f["what"] + " × " + str(len(f["variants"])) for f in verdict["behaviour"]
                                if f["direction"] == "breaks"], "summary": verdict["summary"]})
    (out / "behaviour.json").write_text(json.dumps(rows, indent=1) + "\n")


def first_run(out: Path) -> RunRecord | None:
    """The first record of the folder's first run (runs/A00.jsonl), which names the machine the chain runs on."""
    path = out / "runs" / "A00.jsonl"
    return read_records([path])[0] if path.exists() else None


def other_machine(out: Path) -> str | None:
    """Where the folder's chain began on another machine (CPU model or core count): what it ran on and what this
    is; None where it is this machine's, or new. (Seen: a session moved to an Intel Xeon resumed a folder begun on
    an AMD EPYC, and its first trial read "exit 0: nothing regressed" — compare had no timings to compare.)"""
    first = first_run(out)
    here = (cpu_model(), os.cpu_count())
    if first is None or (first.env.get("cpu"), first.env.get("cpu_count")) == here:
        return None
    return f"{out / 'runs' / 'A00.jsonl'} ran on {machine_name(first)}, this machine is {here[0]} × {here[1]}"


def hardware(out: Path) -> str:
    """The machine the chain ran on, as its first run recorded it (timings only compare on the same one)."""
    first = first_run(out)
    return f"{machine_name(first)} cores" if first else "this machine (no trial run yet)"


def extra_sections(out: Path) -> list[str]:
    """The noise of paired rounds (paired_noise.py) and the simulated nights (verdict_simulation.py), where the
    folder has them."""
    lines = []
    noise = out / "noise.json"
    if noise.exists():
        n = json.loads(noise.read_text())
        lines += ["", "**Noise of paired rounds** (`noise.json`, from `noise/`: "
                  "`python benchmarks/scripts/paired_noise.py <folder> --out <folder>/noise.json`):", "",
                  "| clock | rounds | per-round spread of a variant's log ratio (median) | variants of a round moving "
                  "together | injected +10 %: ratio seen |", "|---|---|---|---|---|"]
        lines += [f"| {clock} | {c.get('rounds')} | {c.get('paired_sd_median', 0):.3f} | "
                  f"{c.get('within_round_correlation', 0):.2f} | {c.get('injected_ratio_median', float('nan')):.2f} "
                  f"({c.get('injected_rounds', 0)} rounds) |" for clock, c in n.items() if c]
    for sim in sorted(out.glob("simulation-*.json")):
        result = json.loads(sim.read_text())
        at_once = " --rounds-fit <noise of rounds at once>" if result.get("rounds_noise") else ""
        lines += ["", f"**Simulated nights** (`{sim.name}`: `python benchmarks/scripts/verdict_simulation.py --fit "
                  f"<noise file>{at_once} --nights N --out {sim.name}`), the default confirmation settings:", "",
                  "| scenario | nights | exit 3 | named variant confirmed | another variant confirmed | undecided left |",
                  "|---|---|---|---|---|---|"]
        for name, r in result["scenarios"].items():
            named = "–" if r["named_confirmed"] is None else f"{r['named_confirmed']:.1%}"
            lines.append(f"| {name} | {r['nights']} | {r['exit_3']:.1%} | {named} | {r['others_confirmed']:.1%} | "
                         f"{r['undecided']:.1%} |")
    return lines + replay_section(out) + whole_suite_section(out / "whole")


def replay_section(out: Path) -> list[str]:
    """The committed nights decided again by today's confirm (benchmarks/scripts/replay_nights.py), by kind."""
    replayed = out / "replayed.json"
    if not replayed.exists():
        return []
    result = json.loads(replayed.read_text())
    nights = result["nights"]
    lines = ["", f"**Committed nights decided again** (`replayed.json`: `{result['command']}`;"
             " the same paired rounds, today's statistics):", "",
             "| what the current side had | nights | exit 3 | undecided left |", "|---|---|---|---|"]
    for kind in sorted({n["kind"] for n in nights}):
        group = [n for n in nights if n["kind"] == kind]
        lines.append(f"| {kind} | {len(group)} | {sum(n['exit'] == 3 for n in group)} | "
                     f"{sum(n['undecided'] > 0 for n in group)} |")
    return lines


def whole_suite_section(whole: Path) -> list[str]:
    """The whole suite's trials (benchmarks/scripts/whole_suite_trials.sh), where the folder has them."""
    table = whole / "trials.tsv"
    if not table.exists():
        return []
    lines = ["", "**The whole suite** (`whole/`: `bash benchmarks/scripts/whole_suite_trials.sh <folder>/whole`; "
             "`pinned`: a run against the same suite under `taskset -c 0`, `aa`: against a fresh run):", "",
             "| trial | exit | seconds (compare with confirmation) | rounds | variants re-measured | summary |",
             "|---|---|---|---|---|---|"]
    for row in table.read_text().splitlines():
        name, code, seconds = row.split("\t")
        verdict = json.loads((whole / "verdicts" / f"{name}.json").read_text() or "{}")
        c = verdict.get("confirmation") or {}
        lines.append(f"| {name} | {code} | {seconds} | {c.get('rounds', '–')} | {c.get('variants', '–')} | "
                     f"{verdict.get('summary', '')} |")
    return lines


def summarise(rows: list[dict[str, Any]], out: Path) -> str:
    aa = [r for r in rows if r["kind"] == "A/A"]
    lines = ["# The verdict detector", "", f"Measured with `python benchmarks/scripts/verdict_detector.py --out {out}`"
             f" on {hardware(out)}; {len(rows)} trials over the 32-variant subset.", "",
             f"**A/A**: {len(aa)} comparisons of two identical runs: "
             f"{sum(r['exit'] != 0 for r in aa)} with a non-zero exit, "
             f"{sum(r['confirmed_regressions'] for r in aa)} confirmed performance regressions, "
             f"{sum(r['behaviour_regressions'] for r in aa)} behaviour regressions.", "",
             "| grade | trials | pair step-time ratio (median, range) | pair CPU-time ratio (median) | detected (exit 3) "
             "| confirmed regressions per trial | trials left undecided | confirmation seconds (median, max) |",
             "|---|---|---|---|---|---|---|---|"]
    for grade in ["none", *sorted(GRADES)]:
        group = [r for r in rows if r["grade"] == grade]
        ratios = [r["pair_step_ratio"] for r in group if r["pair_step_ratio"]]
        if not group or not ratios:
            continue
        secs = [r["confirm_seconds"] for r in group]
        cpu = [r["pair_cpu_ratio"] for r in group if r.get("pair_cpu_ratio")]
        cpu_text = f"{statistics.median(cpu):.2f}" if cpu else "–"
        lines.append(f"| {grade} | {len(group)} | {statistics.median(ratios):.2f} ({min(ratios):.2f}–"
                     f"{max(ratios):.2f}) | {cpu_text} | {sum(r['exit'] == 3 for r in group)} of {len(group)} | "
                     f"{statistics.median([r['confirmed_regressions'] for r in group]):g} | "
                     f"{sum(bool(r.get('undecided')) for r in group)} | "
                     f"{statistics.median(secs):.0f}, {max(secs):.0f} |")
    lines += ["", "**Each trial** (in the order run; `code`: the commit that judged it, where the row says):", "",
              "| trial | grade | code | rounds paired | exit | confirmed | undecided | rounds | seconds |",
              "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['trial']} | {r['grade']} | {r.get('code') or '–'} | "
              f"{(r.get('pairing') or '–').split(':')[0]} | {r['exit']} | {r['confirmed_regressions']} | "
              f"{r.get('undecided', 0)} | {r.get('confirm_rounds', 0)} | {r.get('confirm_seconds', 0):.0f} |"
              for r in rows]
    named = [r for r in rows if r.get("named_confirmed") is not None]
    if named:
        lines += ["", f"**One named variant** ({NAMED}, +20 %): confirmed in "
                  f"{sum(r['named_confirmed'] for r in named)} of {len(named)} trials; another variant confirmed in "
                  f"{sum(bool(r['others_confirmed']) for r in named)}."]
    behaviour = json.loads((out / "behaviour.json").read_text()) if (out / "behaviour.json").exists() else []
    lines += ["", "**Behaviour** (committed matrix records, no run):", ""]
    lines += [f"- {b['pair']}: exit {b['exit']} (expected {b['expected']}): {b['summary']}" for b in behaviour]
    lines += extra_sections(out)
    text = "\n".join(lines) + "\n"
    (out / "README.md").write_text(text)
    (out / "summary.json").write_text(json.dumps({"trials": rows, "behaviour": behaviour}, indent=1) + "\n")
    return text


if __name__ == "__main__":
    sys.exit(main())
